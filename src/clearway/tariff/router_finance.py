"""Duties of a declaration, payments, deferment accounts and guarantees under /api/v1/tariff.

Traders pay and secure the declarations they may see and read their own accounts and guarantees;
officers record payments at the office, open accounts and accept guarantees. One transaction each.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.declarations import selectors
from clearway.declarations.schemas import PartyId
from clearway.deps import CurrentOfficer, CurrentUser, DbSession, IdempotencyKey, Releaser, roles
from clearway.idempotency import Answer, idempotent
from clearway.openapi_docs import PROBLEMS
from clearway.tariff import accounts, payments, service
from clearway.tariff.schemas_finance import (
    DefermentAccountCreate,
    DefermentAccountRead,
    DefermentSettlementCreate,
    DutiesRead,
    GuaranteeCreate,
    GuaranteeRead,
    GuaranteeUseCreate,
    Id,
    PaymentCreate,
    SettlementRead,
    account_read,
    duties_read,
    guarantee_read,
    payment_read,
)

router = APIRouter(tags=["tariff"])  # included by tariff.router under its /tariff prefix
Payer = Annotated[Principal, Depends(roles("trader", "officer"))]
FinanceReader = Annotated[Principal, Depends(roles("trader", "officer", "admin", "auditor"))]
RequiredKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$",
                                    description="Required: a retried payment with the same key pays once")]
Holder = Annotated[PartyId | None, Query(description="Only this holder's (customs staff)")]


def gateway_of(request: Request) -> payments.PaymentGateway:
    """The deployment's payment gateway, from the application's wiring."""
    return request.app.state.wiring.gateway


Gateway = Annotated[payments.PaymentGateway, Depends(gateway_of)]


def _settlement(db: Any, settled: service.Settled) -> SettlementRead:
    view = service.duties_view(db=db, declaration_id=settled.declaration.id)
    return SettlementRead(mrn=settled.declaration.mrn, declaration_status=settled.declaration.status,
                          released=settled.released, duties=duties_read(settled.declaration.mrn, view),
                          payment=payment_read(settled.payment) if settled.payment else None)


def _answer(db: Any, settled: service.Settled) -> Answer:
    return Answer(201, orjson.dumps(_settlement(db, settled).model_dump(mode="json")))


@router.get("/declarations/{mrn}/duties", operation_id="readDeclarationDuties", responses=PROBLEMS)
def duties(mrn: str, db: DbSession, actor: CurrentUser) -> DutiesRead:
    """A declaration's duties per item and tax with their legal basis, and what was paid or secured."""
    with db.begin():
        declaration = selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=utcnow())
        return duties_read(declaration.mrn, service.duties_view(db=db, declaration_id=declaration.id))


@router.post("/payments", status_code=201, operation_id="payDuties", response_model=SettlementRead,
             responses=PROBLEMS)
def pay(body: PaymentCreate, db: DbSession, actor: Payer, key: RequiredKey, release: Releaser,
        gateway: Gateway) -> Response:
    """Pay what a declaration owes (gateway or deferment account); a green declaration is then released."""
    return idempotent(db=db, owner=f"payment:{actor.organisation_code}", key=key, body=body.model_dump(mode="json"),
                      run=lambda now: _answer(db, service.declaration_pay(
                          db=db, actor=actor, mrn=body.mrn, method=body.method,
                          amount=None if body.amount is None else Decimal(body.amount), account_id=body.account_id,
                          gateway=gateway, release=release, now=now)))


@router.post("/guarantee-uses", status_code=201, operation_id="secureDuties", response_model=SettlementRead,
             responses=PROBLEMS)
def secure(body: GuaranteeUseCreate, db: DbSession, actor: Payer, release: Releaser,
           key: IdempotencyKey = None) -> Response:
    """Secure what a declaration owes on a guarantee; a green declaration is then released before payment."""
    return idempotent(db=db, owner=f"guarantee:{actor.organisation_code}", key=key,
                      body=body.model_dump(mode="json"), run=lambda now: _answer(db, service.declaration_secure(
                          db=db, actor=actor, mrn=body.mrn, guarantee_id=body.guarantee_id, release=release,
                          now=now)))


@router.get("/deferment-accounts", operation_id="listDefermentAccounts", responses=PROBLEMS)
def account_list(db: DbSession, actor: FinanceReader, holder_id: Holder = None) -> list[DefermentAccountRead]:
    """Deferment accounts: a trader's own, or every one (of a holder) for customs staff."""
    with db.begin():
        return [account_read(a) for a in accounts.accounts_list(db=db, actor=actor, holder_id=holder_id)]


@router.post("/deferment-accounts", status_code=201, operation_id="openDefermentAccount", responses=PROBLEMS)
def account_open(body: DefermentAccountCreate, db: DbSession, actor: CurrentOfficer) -> DefermentAccountRead:
    """Open a deferment account for a trader, with a credit limit."""
    with db.begin():
        return account_read(accounts.account_open(db=db, actor=actor, holder_id=body.holder_id,
                                                  currency=body.currency, credit_limit=body.credit_limit,
                                                  now=utcnow()))


@router.post("/deferment-accounts/{account_id}/settlements", operation_id="settleDefermentAccount",
             responses=PROBLEMS)
def account_settle(account_id: Id, body: DefermentSettlementCreate, db: DbSession,
                   actor: CurrentOfficer) -> DefermentAccountRead:
    """Record a trader's settlement of its deferment account, freeing that much of the limit."""
    with db.begin():
        return account_read(accounts.account_settle(db=db, actor=actor, account_id=account_id, amount=body.amount,
                                                    now=utcnow()))


@router.get("/guarantees", operation_id="listGuarantees", responses=PROBLEMS)
def guarantee_list(db: DbSession, actor: FinanceReader, holder_id: Holder = None) -> list[GuaranteeRead]:
    """Guarantees with the amount still free: a trader's own, or every one (of a holder) for customs staff."""
    with db.begin():
        return [guarantee_read(g, free) for g, free in accounts.guarantees_list(db=db, actor=actor,
                                                                                holder_id=holder_id)]


@router.post("/guarantees", status_code=201, operation_id="acceptGuarantee", responses=PROBLEMS)
def guarantee_accept(body: GuaranteeCreate, db: DbSession, actor: CurrentOfficer) -> GuaranteeRead:
    """Accept a guarantee a trader lodged (comprehensive: reusable up to its amount; individual: once)."""
    with db.begin():
        g = accounts.guarantee_accept(db=db, actor=actor, reference_text=body.reference, holder_id=body.holder_id,
                                      kind=body.kind, currency=body.currency, amount=body.amount,
                                      valid_from=body.valid_from, valid_to=body.valid_to, now=utcnow())
        return guarantee_read(g, g.amount)
