"""Border-post pages for customs staff: the pairs, and each pair's week view, waiting by cause and what-ifs."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Annotated, Any

import pygal
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.borderposts import selectors
from clearway.borderposts.models import PostPair
from clearway.borderposts.router import READERS
from clearway.borderposts.weekview import WeekGrid, week_grid
from clearway.db import utcnow
from clearway.deps import DbSession, roles
from clearway.i18n import translate
from clearway.web.render import render
from clearway.web.security import page_locale

router = APIRouter(include_in_schema=False)
WebReader = Annotated[Principal, Depends(roles(*READERS))]
SCENARIOS = ("current", "aligned", "staggered", "always")


def monday_of(day: date) -> date:
    """The Monday of a day's week."""
    return day - timedelta(days=day.weekday())


def grids(db: Session, pair: PostPair, monday: date) -> tuple[WeekGrid, WeekGrid]:
    """The week in our local time and in the partner's."""
    ours, partner = selectors.pair_posts(db, pair)
    a = selectors.post_open(db, ours, monday - timedelta(days=1), monday + timedelta(days=9))
    b = selectors.post_open(db, partner, monday - timedelta(days=1), monday + timedelta(days=9))
    return week_grid(a, b, ours.timezone, monday), week_grid(a, b, partner.timezone, monday)


def scenario_chart(scenarios: list[dict[str, Any]], locale: str) -> str:
    """Bars of mean and p95 crossing time per scenario, as an SVG data URI (the table below is its alternative)."""
    chart = pygal.Bar(title=translate("ui.bp.chart.scenarios", locale), js=[], disable_xml_declaration=True,
                      width=720, height=320, legend_at_bottom=True)
    chart.x_labels = [translate(f"ui.bp.scenario.{s['name']}", locale) for s in scenarios]
    chart.add(translate("ui.bp.col.mean_h", locale), [s["mean_h"] for s in scenarios])
    chart.add(translate("ui.bp.col.p95_h", locale), [s["p95_h"] for s in scenarios])
    svg = chart.render(is_unicode=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def share_chart(days: list[Any], locale: str) -> str | None:
    """Daily closure share of waiting (outbound), as an SVG data URI."""
    out = [d for d in days if d.direction == "out" and d.closure_share is not None]
    if not out:
        return None
    chart = pygal.Bar(title=translate("ui.bp.chart.share", locale), js=[], disable_xml_declaration=True,
                      width=720, height=280, show_legend=False, x_label_rotation=30, range=(0, 1))
    chart.x_labels = [d.day.isoformat()[5:] for d in out]
    chart.add(translate("ui.bp.col.closure_share", locale), [round(d.closure_share, 3) for d in out])
    svg = chart.render(is_unicode=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@router.get("/borderposts")
def pairs_page(request: Request, db: DbSession, actor: WebReader) -> Response:
    """Every pair with its coming week's joint hours and last four weeks' closure share of waiting."""
    today = utcnow().date()
    rows = []
    with db.begin():
        for pair in selectors.pairs_list(db):
            ours, partner = selectors.pair_posts(db, pair)
            week = selectors.pair_windows(db, pair, today, today + timedelta(days=7))
            split = selectors.pair_split(db, pair, today - timedelta(days=28), today + timedelta(days=1))
            rows.append({"pair": pair, "ours": ours, "partner": partner, "week": week, "split": split})
        alerts = [(a, db.get_one(PostPair, a.pair_id).code) for a in selectors.alerts_of(db, limit=20)]
    return render(request, "borderposts/pairs.html", user=actor, rows=rows, alerts=alerts)


@router.get("/borderposts/{pair_code}")
def pair_page(pair_code: str, request: Request, db: DbSession, actor: WebReader) -> Response:
    """A pair: both posts' week side by side in each local time, gaps marked, waiting by cause, what-ifs."""
    locale = page_locale(request)
    today = utcnow().date()
    with db.begin():
        pair = selectors.pair_get(db, pair_code)
        ours, partner = selectors.pair_posts(db, pair)
        in_ours, in_partner = grids(db, pair, monday_of(today))
        split = selectors.pair_split(db, pair, today - timedelta(days=28), today + timedelta(days=1))
        week = selectors.pair_windows(db, pair, today, today + timedelta(days=7))
        run = selectors.simulation_latest(db, pair)
        hours = {p.code: selectors.hours_in_force(selectors.hours_of(db, p), utcnow()) for p in (ours, partner)}
    study = run.result if run else None
    scenarios = sorted(study["scenarios"], key=lambda s: SCENARIOS.index(s["name"])) if study else []
    return render(request, "borderposts/pair.html", user=actor, pair=pair, ours=ours, partner=partner,
                  in_ours=in_ours, in_partner=in_partner, split=split, week=week, study=study, hours=hours,
                  scenarios=scenarios, scenario_uri=scenario_chart(scenarios, locale) if scenarios else None,
                  share_uri=share_chart(split.daily, locale))
