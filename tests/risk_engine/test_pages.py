"""Analyst pages: rules with errors shown where they are, watchlists, models with a chart and its table,
selection, drift; the officer's declaration page explains the channel, the trader's does not."""

from __future__ import annotations

import re

from tests.factories import auth, worker_test_runs
from tests.risk_engine.conftest import UNDERVALUED, priced
from tests.web.conftest import csrf_of, sign_in

RULE_FORM = {"name": "Phones", "channel": "red", "priority": "300", "offices": "KR0101",
             "reason": "Check the invoice", "expression": 'item.hs6 starts_with "8517"'}


def _post(client, url: str, page: str, data: dict):
    return client.post(url, data={**data, "csrf": csrf_of(client.get(page).text)}, follow_redirects=False)


def test_a_syntax_error_is_shown_at_its_line_and_column_and_nothing_is_saved(client):
    sign_in(client, "analyst")
    bad = {**RULE_FORM, "expression": 'item.hs6 starts_with "8517"\n  and item.origin in ["CN" "VN"]'}
    r = _post(client, "/risk/rules/new", "/risk/rules/new", bad)
    assert r.status_code == 422
    assert "Line 2, column 28: expected “]” or “,” but found “&#34;VN&#34;”" in r.text
    assert 'aria-invalid="true"' in r.text and "  and item.origin in [&#34;CN&#34; &#34;VN&#34;]\n" in r.text
    assert re.search(r"\n {27}\^</pre>", r.text)
    assert "Phones" not in client.get("/risk/rules").text.split("<h1>")[1]


def test_an_analyst_writes_edits_activates_and_test_runs_a_rule(client):
    sign_in(client, "analyst")
    r = _post(client, "/risk/rules/new", "/risk/rules/new", RULE_FORM)
    assert r.status_code == 303
    page_url = r.headers["location"]
    rule_id = page_url.rsplit("/", 1)[1]
    r = _post(client, f"/risk/rules/{rule_id}/edit", page_url, {**RULE_FORM, "base_version": "1", "channel": "yellow"})
    assert r.status_code == 303
    r = _post(client, f"/risk/rules/{rule_id}/state", page_url, {"action": "activate", "version": "2"})
    page = client.get(page_url).text
    assert "version 2" in page and "Take out of force" in page
    run = _post(client, f"/risk/rules/{rule_id}/test-run", page_url, {"date_from": "", "date_to": ""})
    assert run.status_code == 303 and "?run=" in run.headers["location"]
    pending = client.get(run.headers["location"]).text
    assert "Test-run queued" in pending and "Refresh" in pending and "Would have hit" not in pending
    assert worker_test_runs() == 1
    done = client.get(run.headers["location"]).text
    assert "Would have hit" in done and "Test-run queued" not in done


def test_pages_refuse_a_post_without_csrf_and_traders_altogether(client):
    sign_in(client, "analyst")
    assert client.post("/risk/rules/new", data=RULE_FORM).status_code == 403
    client.cookies.clear()
    sign_in(client, "trader-a")
    assert client.get("/risk/rules").status_code == 403


def test_watchlist_page_adds_tries_and_withdraws(client):
    sign_in(client, "analyst")
    entry = {"kind": "trader", "name": "Daehan Global Imports", "threshold": "90", "severity": "high",
             "source": "tip-off 77", "expires_at": "2099-01-01"}
    assert _post(client, "/risk/watchlists", "/risk/watchlists", entry).status_code == 303
    tried = _post(client, "/risk/watchlists/try", "/risk/watchlists",
                  {"kind": "trader", "text": "DAEHAN GLOBAL IMPORT LTD"})
    assert "Daehan Global Imports — 9" in tried.text
    bad = _post(client, "/risk/watchlists", "/risk/watchlists", {**entry, "threshold": "20"})
    assert bad.status_code == 422 and 'id="field-threshold-error"' in bad.text


def test_model_page_shows_precision_chart_with_its_table_and_top_features(client, models_env):
    sign_in(client, "analyst")
    r = _post(client, "/risk/models", "/risk/models", {"path": "small"})
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'role="img"' in page
    assert "<caption id=\"rates-caption\">" in page and "10 %</th>" in page
    assert "Run in shadow" in page and "Features it relies on most" in page
    # In French the chart and its table write figures as French does: 0,93 and 10 % (never 0.93).
    french = client.get(r.headers["location"], headers={"Accept-Language": "fr"}).text
    start = french.index('<svg xmlns="http://www.w3.org/2000/svg"')
    chart = french[start:french.index("</svg>", start)]
    assert re.search(r">0,\d\d</text>", chart) and not re.search(r">\d\.\d\d</text>", chart), chart[:400]
    assert ">10\u00a0%</text>" in chart
    table = french[french.index('<caption id="rates-caption">'):]
    assert re.search(r'<td class="num">0,\d{3}</td>', table) and not re.search(r'<td class="num">0\.\d{3}</td>', table)


def test_selection_and_drift_pages(client):
    sign_in(client, "analyst")
    setting = {"office": "KR0101", "direction": "IM", "red_share": "0.05", "yellow_share": "0.1",
               "random_rate": "0.02", "aeo_random_rate": "0.01", "aeo_factor": "0.5", "random_channel": "red"}
    assert _post(client, "/risk/selection", "/risk/selection", setting).status_code == 303
    page = client.get("/risk/selection").text
    assert "KR0101</th>" in page and "5.0 %" in page and "none: the model only scores" in page
    assert "Frauds found" in page and '<select id="field-objective" name="objective"' in page
    mix = _post(client, "/risk/selection", "/risk/selection", {**setting, "objective": "mix", "weight_frauds": "0.2",
                                                                "weight_serious": "0.8", "weight_revenue": "0"})
    assert mix.status_code == 303
    assert "Weighted mix (frauds 0.2, serious 0.8, revenue 0.0)" in client.get("/risk/selection").text
    bad = _post(client, "/risk/selection", "/risk/selection", {**setting, "aeo_random_rate": "0.5"})
    assert bad.status_code == 422
    assert "Population stability index" in client.get("/risk/drift").text


def test_the_officer_reads_why_and_the_trader_reads_no_criterion(client):
    analyst = auth(client, "analyst")
    rule = {"name": "uv", "channel": "red", "reason": "Unit value far too low", "expression": "item.unit_value_kg < 10"}
    rid = client.post("/api/v1/risk/rules", json=rule, headers=analyst).json()["id"]
    client.post(f"/api/v1/risk/rules/{rid}/activate", json={}, headers=analyst)
    mrn = client.post("/api/v1/declarations", json=priced(UNDERVALUED), headers=auth(client, "trader-a")).json()["mrn"]
    sign_in(client, "officer")
    officer_page = client.get(f"/declarations/{mrn}").text
    assert "Risk assessment" in officer_page and "Unit value far too low" in officer_page
    assert f"rule {rid}, version 1" in officer_page
    client.cookies.clear()
    sign_in(client, "trader-a")
    trader_page = client.get(f"/declarations/{mrn}").text
    assert "Unit value far too low" not in trader_page and "Risk assessment" not in trader_page
    assert "selected by risk assessment for physical inspection" in trader_page
