"""A timeline event's reason in the reader's language, from the code and parameters the event was written with.

The catalogue entry is "event.<code>"; parameters named `amount` or `total` are money in `currency`, `channel` is
shown by its label, and the "held" event lists its holds, each by its own message ("hold.<code>").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from clearway.holds import Hold
from clearway.i18n import catalogue, translate

MONEY_PARAMS = ("amount", "total")


def event_reason(*, code: str | None, params: Mapping[str, Any] | None, locale: str,
                 money: Callable[[Any, str], str]) -> str | None:
    """The localised reason of an event written with a reason code; None when it has none (an older row)."""
    if not code or f"event.{code}" not in catalogue("en"):
        return None
    given = dict(params or {})
    if code == "held":
        holds = [Hold(str(h.get("code", "")), "", {k: str(v) for k, v in (h.get("params") or {}).items()})
                 for h in given.get("holds", []) if isinstance(h, Mapping)]
        return translate("event.held", locale, holds="; ".join(h.text(locale) for h in holds))
    shown: dict[str, Any] = {}
    for name, value in given.items():
        if name in MONEY_PARAMS and given.get("currency"):
            shown[name] = money(value, str(given["currency"]))
        elif name == "channel":
            shown[name] = translate(f"ui.channel.{value}", locale)
        else:
            shown[name] = value
    return translate(f"event.{code}", locale, **shown)
