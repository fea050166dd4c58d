"""The public transparency portal at /public/: no sign-in, en/es/fr, nothing that identifies a trader.

WTO TFA art. 7.6 (average release times, per office and transport mode, last twelve months)
and art. 1.1 (procedures, required documents, duty rates, offices). The open-data files carry
the same aggregates, after small-cell suppression, with a data dictionary.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from clearway.body import SAFE_TEXT
from clearway.db import utcnow
from clearway.deps import ReportSession
from clearway.performance.opendata import FIELDS, Published, published_release_times
from clearway.public.content import procedures
from clearway.reference import service as reference
from clearway.tariff import service as tariff
from clearway.tariff.schemas import line_read
from clearway.web.render import render
from clearway.web.security import page_locale

router = APIRouter(include_in_schema=False)
# Public pages may be cached briefly by browsers and proxies; they hold nothing personal.
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}
RULE = ("A cell is withheld when it counts fewer than {threshold} declarations, or when one declarant lodged more "
        "than {share:.0%} of them. Further cells are then withheld so that no withheld cell can be worked out from "
        "the totals: every row and column with a withheld cell has at least two, and every withheld cell lies on a "
        "cycle of withheld cells. Statistics resting on fewer than {threshold} declarations are left blank.")


def _published(db: ReportSession) -> Published:
    with db.begin():
        return published_release_times(db=db, now=utcnow())


def _page(request: Request, template: str, **context: Any) -> Response:
    locale = page_locale(request)
    modes = {c: m.get(f"name_{locale}") or m["name_en"] for c, m in reference.transport_modes().items()}
    return render(request, template, user=None, mode_names=modes, **context)


@router.get("/public")
def public_root() -> Response:
    """The portal's address without its slash."""
    return RedirectResponse("/public/", status_code=308)


@router.get("/public/")
def home(request: Request, db: ReportSession) -> Response:
    """Average release times per office and transport mode over the last twelve months (TFA 7.6)."""
    published = _published(db)
    return _page(request, "public/home.html", published=published, section="home",
                 rule=RULE.format(threshold=published.threshold, share=published.dominance))


@router.get("/public/tariff")
def tariff_lookup(request: Request, db: ReportSession,
                  q: Annotated[str, Query(max_length=100, pattern=SAFE_TEXT)] = "") -> Response:
    """The national tariff by code prefix or by words of the description, with the rates in force today."""
    today = utcnow().date()
    lines = []
    if q.strip():
        with db.begin():
            lines = [line_read(line, today) for line in tariff.lines_search(db=db, q=q, limit=50)]
    return _page(request, "public/tariff.html", q=q, lines=lines, today=today, section="tariff")


@router.get("/public/procedures")
def procedures_page(request: Request) -> Response:
    """Procedures and required documents per customs regime."""
    return _page(request, "public/procedures.html", regimes=procedures(page_locale(request)), section="procedures")


@router.get("/public/offices")
def offices_page(request: Request) -> Response:
    """Every customs office, its kind, time zone and opening hours."""
    return _page(request, "public/offices.html", offices=list(reference.offices().values()), section="offices")


@router.get("/public/open-data")
def open_data_page(request: Request, db: ReportSession) -> Response:
    """What the open-data files hold, their dictionary and the suppression rule."""
    published = _published(db)
    return _page(request, "public/open_data.html", fields=FIELDS, published=published, section="open_data",
                 rule=RULE.format(threshold=published.threshold, share=published.dominance))


def _document(published: Published) -> dict[str, object]:
    return {
        "dataset": "release_times",
        "title": "Average release times per customs office and transport mode (WTO TFA 7.6)",
        "method": "WCO Time Release Study: first event of each milestone per declaration; lodgement to release.",
        "period": {"from": published.date_from, "to": published.date_to},
        "suppression": {"threshold": published.threshold, "dominance_share": published.dominance,
                        "rule": RULE.format(threshold=published.threshold, share=published.dominance)},
        "dictionary": [{"field": name, "description": text} for name, text in FIELDS],
        "rows": published.rows,
    }


@router.get("/public/open-data/release-times.json")
def release_times_json(db: ReportSession) -> Response:
    """The published table as JSON, with its period, method, suppression rule and dictionary."""
    return Response(orjson.dumps(_document(_published(db))), media_type="application/json", headers=PUBLIC_CACHE)


@router.get("/public/open-data/release-times.csv")
def release_times_csv(db: ReportSession) -> Response:
    """The published table as CSV; withheld cells have only their keys and suppressed=true."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[name for name, _ in FIELDS], lineterminator="\r\n")
    writer.writeheader()
    for row in _published(db).rows:
        writer.writerow({k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()})
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={**PUBLIC_CACHE, "Content-Disposition": 'attachment; filename="release-times.csv"'})


@router.get("/public/open-data/dictionary.csv")
def dictionary_csv() -> Response:
    """The data dictionary of the release-time files."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([("field", "description"), *FIELDS])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=PUBLIC_CACHE)
