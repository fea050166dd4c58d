"""Single-window costs on PostgreSQL, each next to a baseline measured in the same run.

  (1) the permit check and reservation inside a lodgement: lodging one item that cites a permit
      against the same item citing none (both referred to MFDS), in-process, alternating; and the
      draw itself (check + conditional UPDATE + use row) timed alone; p50/p99 in ms;
  (2) lodging rate through the API with three agency referrals per declaration (MFDS, RRA, APQA)
      against the same three-item declaration with no agency live (api_lodge.py shape: a server with
      --workers processes driven by wrk at 32 clients; the two kinds alternate, --rounds times each);
  (3) 1,000 concurrent reservations against one permit (32 threads): the final balance must be exact;
      throughput next to 1,000 reservations spread over 1,000 permits (no contention).

Usage: python benchmarks/single_window.py [--seconds 10] [--workers 3] [--lodgements 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from api_lodge import LUA, _pg_start, _prepare, _wrk  # noqa: E402
from tests.server import free_port, start_server, stop_server  # noqa: E402

FISH = {"hs_code": "030389", "description": "Frozen mackerel", "origin_country": "NO", "net_mass_kg": "10",
        "quantity": {"value": "10", "unit": "KGM"}, "value": "10.00"}
PHONE = {"hs_code": "851713", "description": "Smartphones", "origin_country": "CN", "net_mass_kg": "4",
         "quantity": {"value": "20", "unit": "NAR"}, "value": "10.00"}
ORANGES = {"hs_code": "080510", "description": "Fresh oranges", "origin_country": "US", "net_mass_kg": "10",
           "quantity": {"value": "10", "unit": "KGM"}, "value": "10.00"}


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of a list of milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def document(lrn: str, *items: dict) -> dict:
    """A trader-a declaration with the given items."""
    from clearway.declarations.schemas import EXAMPLE

    doc = copy.deepcopy(EXAMPLE)
    doc.update(lrn=lrn, items=[copy.deepcopy(i) for i in items],
               invoice_total=str(sum(Decimal(i["value"]) for i in items)))
    return doc


def agencies_live(on: bool) -> None:
    """Load the shipped profiles, or take every agency out (the baseline)."""
    from sqlalchemy import delete

    from clearway.agencies.demo import agency_organisations
    from clearway.agencies.models import Agency
    from clearway.agencies.profiles import SHIPPED, profiles_read
    from clearway.agencies.registry import agencies_load
    from clearway.auth.schemas import Principal
    from clearway.db import get_sessionmaker, utcnow

    admin = Principal(user_id=0, username="bench", role="admin", organisation_id=0, organisation_code="KRCUSTOMS")
    with get_sessionmaker()() as db, db.begin():
        if on:
            agency_organisations(db=db, now=utcnow())
            agencies_load(db=db, actor=admin, profiles=profiles_read(SHIPPED), now=utcnow())
        else:
            db.execute(delete(Agency))


def permit(value: str, hs: str = "0303") -> tuple[int, str]:
    """An approved MFDS-FOOD permit of trader-a with a value balance."""
    from clearway.agencies import permits
    from clearway.agencies.registry import live_agencies
    from clearway.auth.schemas import Principal
    from clearway.db import get_sessionmaker, utcnow

    trader = Principal(user_id=0, username="bench", role="trader", organisation_id=0, organisation_code="KR1000000001")
    with get_sessionmaker()() as db, db.begin():
        now = utcnow()
        profile = live_agencies(db)["MFDS"]
        p = permits.application_submit(db=db, actor=trader, profile=profile, lpco="MFDS-FOOD", hs_prefixes=[hs],
                                       origin=None, quantity=None, unit=None, value=Decimal(value), currency="USD",
                                       purpose="benchmark", now=now)
        permits.application_decide(db=db, actor=trader, permit=p, profile=profile, outcome="approved", quantity=None,
                                   value=None, valid_from=(now - timedelta(days=1)).date(), valid_to=None,
                                   conditions=None, reason=None, now=now)
        return p.id, p.number


def part_one(n: int) -> dict[str, float]:
    """Lodge n declarations citing a permit and n citing none, alternating; time the draw alone too."""
    from clearway.agencies import permits as permit_module
    from clearway.agencies.service import SingleWindowStep
    from clearway.assembly import wiring_build
    from clearway.auth.schemas import Principal
    from clearway.clearance.lodge import declaration_lodge
    from clearway.db import get_sessionmaker, utcnow

    _, number = permit("1000000000")
    wiring = wiring_build()
    trader = Principal(user_id=0, username="bench", role="trader", organisation_id=0, organisation_code="KR1000000001")
    timed: dict[str, list[float]] = {"plain": [], "permit": [], "draw": [], "step": [], "draw_cpu": []}
    original_reserve, original_lodged = permit_module.draws_reserve, SingleWindowStep.lodged

    def reserve(**kw):  # time the permit check + reservation without changing it
        start, cpu = time.perf_counter(), time.thread_time()
        out = original_reserve(**kw)
        timed["draw"].append((time.perf_counter() - start) * 1000)
        # This process's CPU alone: what the check costs here, without the scheduler's queue on a busy host.
        timed["draw_cpu"].append((time.thread_time() - cpu) * 1000)
        return out

    def lodged(self, **kw):
        start = time.perf_counter()
        original_lodged(self, **kw)
        timed["step"].append((time.perf_counter() - start) * 1000)

    permit_module.draws_reserve = reserve  # type: ignore[assignment]
    SingleWindowStep.lodged = lodged  # type: ignore[method-assign]
    sessions = get_sessionmaker()
    try:
        for i in range(n + 20):
            for kind in ("plain", "permit"):
                item = {**FISH, "permits": [number]} if kind == "permit" else FISH
                doc = document(f"SW1-{kind}-{i}", item)
                start = time.perf_counter()
                with sessions() as db, db.begin():
                    declaration_lodge(db=db, wiring=wiring, actor=trader, raw=doc, now=utcnow())
                if i >= 20:  # the first rounds warm caches and the pool
                    timed[kind].append((time.perf_counter() - start) * 1000)
    finally:
        permit_module.draws_reserve = original_reserve
        SingleWindowStep.lodged = original_lodged  # type: ignore[method-assign]
    draws, cpu = timed["draw"][-n:], timed["draw_cpu"][-n:]
    return {"plain_p50": pct(timed["plain"], 50), "plain_p99": pct(timed["plain"], 99),
            "permit_p50": pct(timed["permit"], 50), "permit_p99": pct(timed["permit"], 99),
            "draw_p50": pct(draws, 50), "draw_p99": pct(draws, 99), "cpu_p50": pct(cpu, 50),
            "cpu_p99": pct(cpu, 99), "step_p99": pct(timed["step"][-2 * n:], 99)}


def part_three(total: int = 1000, threads: int = 32) -> dict[str, float]:
    """1,000 concurrent reservations against one permit, and spread over 1,000 permits."""
    from sqlalchemy import select

    from clearway.agencies import permits as permit_module
    from clearway.agencies.models import Permit
    from clearway.db import get_sessionmaker, utcnow
    from clearway.declarations.models import Declaration

    sessions = get_sessionmaker()
    with sessions() as db:
        declaration_id = db.scalar(select(Declaration.id).limit(1))
    one_id, one_number = permit("700")
    spread = [permit("1")[1] for _ in range(total)]

    def reserve(number: str) -> bool:
        """The lodgement's own check and reservation of one unit of value, in its own transaction."""
        document = {"currency": "USD", "items": [{**FISH, "value": "1", "permits": [number]}]}
        with sessions() as db, db.begin():
            return not permit_module.draws_reserve(
                db=db, document=document, holders={"KR1000000001"}, agency_lpco={("MFDS", "MFDS-FOOD")},
                declaration_id=declaration_id, state="reserved", on=utcnow().date(), now=utcnow())

    out: dict[str, float] = {}
    for name, ids in (("spread", spread), ("one", [one_number] * total)):
        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(reserve, ids))
        out[f"{name}_rate"] = total / (time.perf_counter() - start)
        out[f"{name}_ok"] = sum(results)
    with sessions() as db:
        out["one_used"] = float(db.scalar(select(Permit.value_used).where(Permit.id == one_id)))
    return out


def wrk_rate(base: str, token: str, seconds: int, tmp: Path, items: list[dict], tag: str) -> dict[str, float]:
    """Lodging rate through the API (wrk, 32 clients) for a document with the given items."""
    template = json.dumps(json.dumps(document("LRN_PLACEHOLDER", *items)))
    lua = tmp / f"{tag}.lua"
    lua.write_text(LUA % (template, token, tag + os.urandom(3).hex()))
    _wrk(base, 2, lua)  # warm-up
    return _wrk(base, seconds, lua)


def main() -> None:
    """Run the three measurements and print them with their baselines."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--lodgements", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(CLEARWAY_ENVIRONMENT="demo", CLEARWAY_SECRET_KEY="benchmark-secret-0123456789abcdef",
                      CLEARWAY_AUDIT_SEAL_INTERVAL_S="2")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        os.chmod(tmp, 0o755)
        url, _ = _pg_start(tmp)
        try:
            token = _prepare(url)
            three = [FISH, PHONE, ORANGES]
            port = free_port()
            proc = start_server(port, workers=args.workers)
            try:
                base = f"http://127.0.0.1:{port}"
                plain_runs, referred_runs = [], []
                for r in range(args.rounds):  # alternate, so a busier minute hurts both kinds alike
                    agencies_live(False)
                    plain_runs.append(wrk_rate(base, token, args.seconds, tmp, three, f"plain{r}"))
                    agencies_live(True)
                    referred_runs.append(wrk_rate(base, token, args.seconds, tmp, three, f"referred{r}"))
            finally:
                stop_server(proc)
            agencies_live(True)
            one = part_one(args.lodgements)
            three_result = part_three()
        finally:
            subprocess.run([str(ROOT / "scripts/pgcluster.sh"), "stop", str(tmp / "pg")], check=False)
    baseline = statistics.mean(r["rate"] for r in plain_runs)
    referred_rate = statistics.mean(r["rate"] for r in referred_runs)
    print(f"PostgreSQL 15 (fsync on), 2 cores shared; {args.lodgements} lodgements per kind in (1)")
    print("(1) permit check + reservation inside a lodgement (in-process, one connection)")
    print(f"    lodge, no permit cited (baseline)  p50 {one['plain_p50']:6.2f} ms   p99 {one['plain_p99']:6.2f} ms")
    print(f"    lodge, citing a permit             p50 {one['permit_p50']:6.2f} ms   p99 {one['permit_p99']:6.2f} ms")
    print(f"    the draw alone (check + reserve)   p50 {one['draw_p50']:6.2f} ms   p99 {one['draw_p99']:6.2f} ms")
    print(f"    the draw, this process's CPU       p50 {one['cpu_p50']:6.2f} ms   p99 {one['cpu_p99']:6.2f} ms")
    print(f"    the whole single-window step (match, draw, refer)          p99 {one['step_p99']:6.2f} ms")
    print(f"(2) API lodging rate, 3 items, wrk 32 clients, {args.workers} server workers, {args.seconds} s each")
    print("    no agency live (baseline)   " + " / ".join(f"{r['rate']:.0f}" for r in plain_runs) + " decl/s   p99 "
          + " / ".join(f"{r['p99']:.0f}" for r in plain_runs) + " ms")
    print("    three agency referrals      " + " / ".join(f"{r['rate']:.0f}" for r in referred_runs)
          + " decl/s   p99 " + " / ".join(f"{r['p99']:.0f}" for r in referred_runs) + " ms   non-2xx "
          + str(sum(r["non2xx"] for r in referred_runs)))
    print(f"    ratio referred / baseline = {referred_rate / baseline:.1%} (means of {args.rounds} alternating runs)")
    print("(3) 1,000 concurrent reservations, 32 threads")
    print(f"    1,000 permits (no contention)  {three_result['spread_rate']:7.0f} reservations/s, "
          f"{three_result['spread_ok']:.0f} held")
    print(f"    one permit of 700              {three_result['one_rate']:7.0f} reservations/s, "
          f"{three_result['one_ok']:.0f} held, final balance used {three_result['one_used']:.0f} (exact: 700)")


if __name__ == "__main__":
    main()
