"""Every role's main pages in a real Chromium at 1366 px and 390 px: axe-core finds no serious or critical
violation, and nothing spills out of the viewport (issue 12: "walkthrough of every role at 1366 px and 390 px").

axe-core is the copy bundled in the `axe-playwright-python` wheel (nothing is fetched at run time). The layout
checks are those a person notices: the page does not scroll sideways, no table needs a sideways scroll at 1366 px,
on a phone every data table reads as stacked cards (each cell named after its column), and the navigation and the
page's own links and buttons lie inside the viewport. CLEARWAY_SCREENSHOTS=<folder> keeps a screenshot of each.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import _free_port, _wait_until_up
from tests.web.test_no_english_leaks import seeded  # noqa: F401  (the seeded world, a fixture)

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
# username -> its main pages (the first is where the role works most); "public" is the portal, signed out.
MAIN_PAGES = {
    "trader-a": ("/declarations", "/declarations/new", "/classification", "/notifications", "/agencies/permits"),
    "officer": ("/controls/queue", "/declarations", "/borderposts", "/exchange", "/crisis", "/training"),
    "analyst": ("/risk", "/intelligence", "/performance", "/agencies/performance"),
    "agency": ("/agencies/inbox", "/intelligence"),
    "admin": ("/admin/users",),
    "auditor": ("/audit",),
    "fiu": ("/enforcement",),
    "public": ("/public/", "/public/open-data", "/public/agencies"),
}
MAIN_PAGES["admin"] += ("/crisis/plans",)  # continuity plans (issue 21)
SERIOUS = ("serious", "critical")

# In the page: what lies outside the viewport, which tables scroll sideways, which words a squeezed column splits.
_LAYOUT = r"""() => {
  const width = document.documentElement.clientWidth;
  const visible = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'
      && !el.closest('[hidden], details:not([open]) > :not(summary)');
  };
  const name = el => (el.id ? '#' + el.id : el.tagName.toLowerCase())
    + ' "' + (el.innerText || el.value || '').trim().slice(0, 40) + '"';
  const controls = 'nav a, main a.button, main button, main input[type=submit], header a, header button';
  const outside = [...document.querySelectorAll(controls)].filter(visible)
    .filter(el => { const r = el.getBoundingClientRect(); return r.left < -1 || r.right > width + 1; })
    .map(name);
  const scrolling = [...document.querySelectorAll('main table')].filter(visible)
    .filter(t => { const box = t.closest('.table-wrap') || t.parentElement;
                   return box.scrollWidth > box.clientWidth + 1; })
    .map(t => (t.closest('[aria-labelledby]') || t).getAttribute('aria-labelledby') || 'table');
  const unstacked = [...document.querySelectorAll('main table.data:not(.keep-grid)')].filter(visible)
    .filter(t => { const row = t.tBodies[0] && t.tBodies[0].rows[0];
                   return !row || getComputedStyle(row).display !== 'block'
                     || [...row.cells].some(c => row.cells.length > 1 && !c.getAttribute('data-label')); })
    .map(t => t.caption ? t.caption.innerText.trim().slice(0, 40) : 'table');
  // A word split over two lines in a table header or a cell of the first rows: a squeezed column.
  const split = [];
  for (const cell of [...document.querySelectorAll('main table.data')].filter(visible)
                     .flatMap(t => [...t.querySelectorAll('thead th, tbody tr:nth-child(-n+5) > *')])) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('code, .mono')) continue;  // machine text (codes, JSON) may break anywhere
      for (const m of node.textContent.matchAll(/\p{L}{4,}/gu)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) split.push(m[0]);
      }
    }
  }
  return {overflow: document.documentElement.scrollWidth - width, outside, scrolling, unstacked,
          split: split.slice(0, 5)};
}"""


@pytest.fixture
def seeded_server(seeded: dict[str, Any], db_url: str, tmp_path: Path) -> Iterator[str]:  # noqa: F811
    """A real uvicorn process on the seeded world (with intelligence alerts too); its base URL."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.intelligence.demo import intelligence_demo_seed
    from tests.factories import wiring

    with get_sessionmaker()() as db, db.begin():
        intelligence_demo_seed(db=db, now=utcnow(), release=wiring().release)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "clearway.main:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"], env={**os.environ, "CLEARWAY_DATABASE_URL": db_url},
            stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(proc, base, log)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _signed_in(browser: Any, base: str, username: str, size: tuple[int, int]) -> Any:
    context = browser.new_context(base_url=base, locale="en-GB", viewport={"width": size[0], "height": size[1]})
    context.set_default_timeout(20_000)
    if username != "public":
        import httpx

        with httpx.Client(base_url=base) as http:  # sign in through the form, then hand the cookie to the browser
            from tests.web.conftest import csrf_of

            page = http.get("/login")
            r = http.post("/login", data={"username": username, "password": "demo", "csrf": csrf_of(page.text)})
            assert r.status_code in (200, 303), (username, r.status_code)
            context.add_cookies([{"name": c.name, "value": c.value or "", "url": base} for c in http.cookies.jar])
    return context


def test_every_roles_main_pages_are_accessible_and_fit_desktop_and_phone(browser, seeded_server):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems: dict[str, Any] = {}
    checked = 0
    for username, paths in MAIN_PAGES.items():
        for label, size in WIDTHS.items():
            context = _signed_in(browser, seeded_server, username, size)
            try:
                tab = context.new_page()
                for path in paths:
                    where = f"{username} {label} {path}"
                    response = tab.goto(path)
                    assert response is not None and response.status == 200, (where, response and response.status)
                    results = axe.run(tab, options={"resultTypes": ["violations"],
                                                    "runOnly": {"type": "tag", "values": [
                                                        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
                    serious = [f"{v['id']} ({v['impact']}): " + "; ".join(n["target"][0] for n in v["nodes"][:3])
                               for v in results.response["violations"] if v["impact"] in SERIOUS]
                    layout = tab.evaluate(_LAYOUT)
                    if shots := os.environ.get("CLEARWAY_SCREENSHOTS"):  # a folder: keep what a person would see
                        name = f"{username}-{label}-{path.strip('/').replace('/', '-') or 'home'}.png"
                        tab.screenshot(path=str(Path(shots) / name), full_page=True)
                    found = {"axe": serious, "overflow_px": max(0, layout["overflow"]), "outside": layout["outside"]}
                    if label == "desktop":
                        found["tables_scrolling"] = layout["scrolling"]
                        found["words_split"] = layout["split"]
                    else:  # on a phone each row is a card whose cells name their column
                        found["tables_not_stacked"] = layout["unstacked"]
                    if any(found.values()):
                        problems[where] = found
                    checked += 1
            finally:
                context.close()
    assert checked == 2 * sum(len(p) for p in MAIN_PAGES.values())
    assert problems == {}, "\n".join(f"{where}: {found}" for where, found in problems.items())
