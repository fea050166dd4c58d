"""What the administration knows: released declarations (codes as corrected by controls) and issued rulings."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clearway.classification.train import Learned
from clearway.controls.outcomes import corrected_codes
from clearway.declarations.selectors import item_descriptions
from clearway.tariff.rulings import rulings_issued

# Goods only count once customs let them go: before that the code is the trader's claim alone.
SETTLED = ("released", "cleared")
MAX_PER_CODE = 50  # many identical repeat lines of one code add nothing but index size


def learned_pairs(*, db: Session) -> list[Learned]:
    """Distinct (description, code) pairs to learn from: corrected codes win over declared ones."""
    corrections = corrected_codes(db=db)
    seen: set[tuple[str, str]] = set()
    per_code: dict[str, int] = {}
    out: list[Learned] = []

    def keep(hs6: str, text: str, source: str) -> None:
        key = (hs6, " ".join(text.lower().split()))
        if len(hs6) != 6 or not hs6.isdigit() or not key[1] or key in seen or per_code.get(hs6, 0) >= MAX_PER_CODE:
            return
        seen.add(key)
        per_code[hs6] = per_code.get(hs6, 0) + 1
        out.append(Learned(hs6, text, source))

    for ruling in rulings_issued(db=db):
        if ruling.hs_code:
            keep(ruling.hs_code.replace(".", "")[:6], ruling.goods_description, "ruling")
    for declaration_id, index, description, code in item_descriptions(db=db, statuses=SETTLED):
        final = corrections.get((declaration_id, index), code)
        keep(final.replace(".", "")[:6], description, "declaration")
    return out
