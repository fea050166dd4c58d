"""Properties of the computation over random declarations: totals add up, nothing is negative."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clearway.tariff.compute import Assessment, compute_duties
from tests.tariff.worked_schedule import FEB, JAN, JUL, RATES, SCHEDULE, declaration, item

# Lines with the quantity unit their measures need (the rest are taxed by net mass or value).
LINES = {
    "61091000": "NAR", "85171300": "NAR", "39269000": "NAR", "95030000": "NAR", "22030000": "LTR",
    "2208301000": "LTR", "24022000": "NAR", "87032310": "NAR", "17011400": "NAR", "04090000": "NAR",
    "10063000": "NAR", "20091100": "LTR", "02013000": "NAR", "73181500": "NAR", "07031000": "NAR",
    "30049000": "NAR",
}
amounts = st.decimals(min_value=0, max_value=Decimal("999999999.99"), places=2).map(str)
masses = st.decimals(min_value=0, max_value=Decimal("99999.999"), places=3).map(str)


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    code = draw(st.sampled_from(sorted(LINES)))
    claim = draw(st.sampled_from([None, "KRUS", "KREU", "RCEP"]))
    return item(code, draw(amounts), mass=draw(masses), qty=(draw(masses), LINES[code]),
                origin=draw(st.sampled_from(["CN", "US", "DE", "AU"])), preference=claim,
                proof=draw(st.sampled_from([None, "PROOF-1"])))


@st.composite
def cases(draw: st.DrawFn) -> tuple[Any, date]:
    document = declaration(
        *draw(st.lists(items(), min_size=1, max_size=8)),
        currency=draw(st.sampled_from(["KRW", "USD", "EUR", "JPY"])),
        incoterm=draw(st.sampled_from(["EXW", "FOB", "CFR", "CIF", "DAP"])),
        freight=draw(st.none() | amounts), insurance=draw(st.none() | amounts),
    )
    return document, draw(st.sampled_from([JAN, FEB, JUL]))


def _check(result: Assessment) -> None:
    assert result.total == sum((line.amount for line in result.lines), Decimal(0))
    assert result.total == sum(result.totals.values(), Decimal(0))
    for tax, total in result.totals.items():
        assert total == sum((line.amount for line in result.lines if line.tax == tax), Decimal(0))
    assert result.customs_value == sum((v.customs_value for v in result.items), Decimal(0))
    amounts_seen = [result.total, result.customs_value, *(x for line in result.lines for x in (line.base,
                                                                                               line.amount))]
    assert all(a >= 0 for a in amounts_seen)
    assert all(line.amount == line.amount.quantize(Decimal(1)) for line in result.lines)  # whole KRW


@settings(max_examples=150, deadline=None)
@given(cases())
def test_total_is_the_sum_of_its_lines_and_nothing_is_negative(case: tuple[Any, date]) -> None:
    document, on = case
    result = compute_duties(document=document, schedule=SCHEDULE, rates=RATES, on=on)
    _check(result)
    assert {line.item for line in result.lines} == set(range(len(document.items)))
    assert sum(1 for line in result.lines if line.tax == "vat") == len(document.items)


@settings(max_examples=75, deadline=None)
@given(cases(), st.decimals(min_value=0, max_value=1000, places=2))
def test_a_higher_value_never_lowers_the_bill(case: tuple[Any, date], extra: Decimal) -> None:
    # Without declared freight: declared freight is shared by value, so raising one item's value
    # moves freight away from the others and may lower a bill whose other lines bear higher rates.
    document, on = case
    document = document.model_copy(update={"freight": None, "insurance": None})
    before = compute_duties(document=document, schedule=SCHEDULE, rates=RATES, on=on)
    raised = document.model_copy(deep=True)
    raised.items[0].value = str(Decimal(raised.items[0].value) + extra)
    after = compute_duties(document=raised, schedule=SCHEDULE, rates=RATES, on=on)
    assert after.total >= before.total
