"""Performance dashboards for managers and analysts: release times, control effectiveness, revenue.

Every table on a page is also a CSV download (/performance/export/<table>.csv with the same
filters) and every chart is drawn from a table shown under it. Officers see their own office.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.deps import ReportSession, roles
from clearway.errors import NotFound, Problem
from clearway.i18n import translate
from clearway.performance import service
from clearway.performance.charts import Chart, channel_chart, distribution_chart, rate_chart, revenue_chart, trend_chart
from clearway.performance.filters import DIMENSIONS, EARLIEST, LATEST, Filters
from clearway.performance.milestones import HEADLINE, INTERVALS
from clearway.performance.router import READERS
from clearway.performance.tables import (
    Table,
    anomalies_table,
    as_csv,
    channel_mix_table,
    distribution_table,
    effectiveness_tables,
    release_table,
    revenue_table,
)
from clearway.reference import service as reference
from clearway.web.render import render
from clearway.web.security import page_locale

router = APIRouter(include_in_schema=False)
WebReader = Annotated[Principal, Depends(roles(*READERS))]
CHANNELS = ("green", "yellow", "red", "blue")


def _day(value: str | None, default: date | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return day if day is None or EARLIEST <= day <= LATEST else default


def page_filters(request: Request, actor: Principal) -> tuple[Filters, str]:
    """Filters and grouping from the query string; anything unusable falls back to the default."""
    q = request.query_params
    default = service.default_period(utcnow().date())
    date_from, date_to = _day(q.get("date_from"), default.date_from), _day(q.get("date_to"), default.date_to)
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    office = q.get("office") if q.get("office") in reference.offices() else None
    mode = q.get("mode") if q.get("mode") in reference.transport_modes() else None
    channel = q.get("channel") if q.get("channel") in CHANNELS else None
    by = q.get("by") if q.get("by") in DIMENSIONS else "office"
    filters = Filters(date_from=date_from, date_to=date_to, office=office, mode=mode, channel=channel)
    return filters.scoped(actor), str(by)


def _query(filters: Filters, by: str) -> str:
    values = {"date_from": filters.date_from, "date_to": filters.date_to, "office": filters.office,
              "mode": filters.mode, "channel": filters.channel, "by": by}
    return urlencode({k: str(v) for k, v in values.items() if v is not None})


def release_tables(db: Session, filters: Filters, by: str) -> dict[str, Table]:
    """The tables of the release-time dashboard."""
    now = utcnow()
    report = service.release_report(db=db, filters=filters, by=(by,), now=now)
    trend = service.release_report(db=db, filters=filters, by=("period",), now=now, intervals=(HEADLINE,))
    tables = [release_table(report), anomalies_table(report),
              distribution_table(service.distribution(db=db, filters=filters)),
              channel_mix_table(service.counts_by(db=db, filters=filters, columns=("period", "channel")))]
    trend_table = release_table(trend)
    tables.append(Table("release_trend", trend_table.columns, trend_table.rows))
    return {t.name: t for t in tables}


def effectiveness_page_tables(db: Session, filters: Filters) -> dict[str, Table] | None:
    """The tables of the effectiveness dashboard, or None while control outcomes are unavailable."""
    result = service.effectiveness_report(db=db, filters=filters, now=utcnow())
    return None if result is None else {t.name: t for t in effectiveness_tables(result)}


def _hours_label(locale: str) -> Any:
    def label(low: float | None, high: float | None) -> str:
        if high is None:
            return translate("ui.perf.bucket_over", locale, low=low)
        return translate("ui.perf.bucket", locale, low=low, high=high)
    return label


def _release_charts(tables: dict[str, Table], locale: str) -> list[Chart]:
    t = lambda code, **kw: translate(code, locale, **kw)  # noqa: E731
    names = {c: t(f"ui.perf.col.{c}") for c in ("mean_h", "median_h", "p90_h")}
    channels = {c: t(f"ui.channel.{c}") for c in CHANNELS}
    return [distribution_chart(tables["release_distribution"], t("ui.perf.chart.distribution"), _hours_label(locale),
                               locale=locale),
            trend_chart(tables["release_trend"], t("ui.perf.chart.trend"), names, locale=locale),
            channel_chart(tables["channel_mix"], t("ui.perf.chart.channels"), channels, locale=locale)]


def _page(request: Request, actor: Principal, template: str, filters: Filters, by: str, **context: Any) -> Response:
    locale = page_locale(request)
    modes = [(c, m.get(f"name_{locale}") or m["name_en"]) for c, m in reference.transport_modes().items()]
    return render(request, template, user=actor, filters=filters, by=by, query=_query(filters, by),
                  offices=[(o.code, o.name) for o in reference.offices().values()], modes=modes,
                  dimensions=list(DIMENSIONS), intervals=[i.name for i in INTERVALS],
                  office_locked=actor.role == "officer" and bool(actor.office), **context)


@router.get("/performance")
def release_dashboard(request: Request, db: ReportSession, actor: WebReader) -> Response:
    """Release times (WCO TRS) with their distribution, trend, channel mix and anomalies."""
    filters, by = page_filters(request, actor)
    with db.begin():
        tables = release_tables(db, filters, by)
    return _page(request, actor, "performance/releases.html", filters, by, tables=tables,
                 charts=_release_charts(tables, page_locale(request)), section="releases")


@router.get("/performance/effectiveness")
def effectiveness_dashboard(request: Request, db: ReportSession, actor: WebReader) -> Response:
    """Inspection, hit, non-compliance and override rates, per rule and model, over time."""
    filters, by = page_filters(request, actor)
    with db.begin():
        tables = effectiveness_page_tables(db, filters)
    locale = page_locale(request)
    charts = [] if tables is None else [
        rate_chart(tables["hit_rates"], translate("ui.perf.chart.hit_rates", locale), locale=locale),
        rate_chart(tables["inspection_by_channel"], translate("ui.perf.chart.inspection", locale), locale=locale)]
    return _page(request, actor, "performance/effectiveness.html", filters, by, tables=tables or {}, charts=charts,
                 available=tables is not None, section="effectiveness")


@router.get("/performance/revenue")
def revenue_dashboard(request: Request, db: ReportSession, actor: WebReader) -> Response:
    """Assessed, collected and adjusted revenue by office, tax and month."""
    filters, by = page_filters(request, actor)
    with db.begin():
        table = revenue_table(service.revenue_report(db=db, filters=filters))
    locale = page_locale(request)
    names = {k: translate(f"ui.perf.col.{k}", locale) for k in ("assessed", "collected", "adjusted")}
    charts = ([revenue_chart(table, translate("ui.perf.chart.revenue", locale), names, locale=locale)]
              if table.rows else [])
    return _page(request, actor, "performance/revenue.html", filters, by, tables={"revenue": table}, charts=charts,
                 section="revenue")


@router.get("/performance/export/{name}.csv")
def export(name: str, request: Request, db: ReportSession, actor: WebReader) -> Response:
    """Any dashboard table as CSV, with the page's filters."""
    filters, by = page_filters(request, actor)
    with db.begin():
        if name == "revenue":
            tables: dict[str, Table] | None = {"revenue": revenue_table(service.revenue_report(db=db, filters=filters))}
        elif name in ("release_times", "anomalies", "release_distribution", "channel_mix", "release_trend"):
            tables = release_tables(db, filters, by)
        else:
            tables = effectiveness_page_tables(db, filters)
    if not tables or name not in tables:
        raise NotFound([Problem("performance.table_unknown", "", {"name": name[:40]})])
    return Response(as_csv(tables[name]), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Cache-Control": "no-store"})
