"""The exchange's part of lodging: facts for the risk engine's selection (mirror checks, partners' AEOs) and
the mirror report's lines, written with the lodgement. Listed in the wiring by `clearway.assembly`."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from clearway.declarations.channelling import ChannelContext, ChannelDecision
from clearway.declarations.models import Declaration
from clearway.exchange.mirror import mirror_facts, mirror_record


class ExchangeFacts:
    """A channel decider that gives the inner one (the risk engine) the exchange's facts of the lodgement."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        # The engine's own operations (invalidate, draw...) stay reachable through the wrapper.
        return getattr(self.inner, name)

    def decide(self, *, document: dict[str, Any], total_value: Decimal, context: ChannelContext) -> ChannelDecision:
        """The inner decision, with `mirror.*` and `exporter.partner_aeo` among the facts its rules read."""
        if context.db is not None and document.get("type") == "IM":
            facts = mirror_facts(db=context.db, document=document, on=context.lodged_at.date())
            context = replace(context, facts={**context.facts, **facts})
        decision: ChannelDecision = self.inner.decide(document=document, total_value=total_value, context=context)
        return decision

    def record(self, *, db: Any, declaration_id: int, mrn: str, decision: ChannelDecision, now: datetime) -> None:
        """The inner engine's record."""
        self.inner.record(db=db, declaration_id=declaration_id, mrn=mrn, decision=decision, now=now)


class MirrorStep:
    """The exchange's part of lodging and amending: the mirror report's lines for an import that refers to a
    partner's export declaration."""

    def lodged(self, *, db: Session, declaration: Declaration, actor: Any, now: datetime) -> None:
        """Store the mirror checks of the lodged import."""
        if declaration.type == "IM":
            mirror_record(db=db, declaration_id=declaration.id, mrn=declaration.mrn, document=declaration.document,
                          now=now)

    def amended(self, *, db: Session, declaration: Declaration, actor: Any, now: datetime) -> None:
        """Check the amended import again (the line shows the latest version)."""
        if declaration.type == "IM":
            mirror_record(db=db, declaration_id=declaration.id, mrn=declaration.mrn, document=declaration.document,
                          now=now, amended=True)

    def withdrawn(self, *, db: Session, declaration: Declaration, now: datetime) -> None:
        """Nothing: the report keeps what was found."""
