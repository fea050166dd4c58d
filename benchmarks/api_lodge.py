"""Lodgement throughput on PostgreSQL, next to the HTTP stack's and the database's ceilings.

Prints, in one run, at 32 concurrent clients on 127.0.0.1:
  (a) a no-op endpoint (/healthz) through the same server: the HTTP stack's ceiling;
  (b) the same database writes one lodgement makes, replayed by pgbench: the database's ceiling;
  (c) lodging a one-item declaration through the API (validate, assess duties against the demo tariff,
      store the declaration, events, audit, assessment with lines and revenue, ask the release decision
      (duty and control holds), note "awaiting payment", idempotency record; committed durably: fsync
      and synchronous_commit on),
and the ratios (c)/(a) and (c)/(b). Load comes from wrk (Debian) and pgbench; the server runs
with --workers processes (default 3: each process waits on the database part of the time). With --nginx 1,2,3,
(c) is measured again through nginx in front of 1, 2 and 3 separate single-worker API processes (the scale-out
shape of deploy/). Usage: python benchmarks/api_lodge.py [--seconds 15] [--workers 3] [--nginx 1,2,3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.server import free_port, start_server, stop_server  # noqa: E402

CLIENTS = 32
PGBIN = "/usr/lib/postgresql/15/bin"


def _pg_start(tmp: Path) -> tuple[str, int]:
    port = free_port()
    url = subprocess.check_output([str(ROOT / "scripts/pgcluster.sh"), "start", str(tmp / "pg"), str(port)],
                                  text=True).strip()
    return url, port


def _prepare(url: str) -> str:
    """Migrate, create the demo accounts and load the demo tariff, return a bearer token for trader-a."""
    os.environ.update(CLEARWAY_DATABASE_URL=url)
    from clearway.db import get_sessionmaker, utcnow
    from clearway.demo import demo_accounts
    from clearway.migrate import upgrade_head
    from clearway.tariff.demo import demo_seed

    upgrade_head(url)
    from tests.factories import bearer_for

    with get_sessionmaker()() as db, db.begin():
        demo_accounts(db=db, now=utcnow())
        demo_seed(db=db, now=utcnow())  # lodging assesses duties: measure the real path, not "no schedule"
    return bearer_for("trader-a")


def _wrk(url: str, seconds: int, script: Path | None = None) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)  # type: ignore[union-attr]
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rate": rate, "p50": pct("50"), "p99": pct("99"), "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}  # type: ignore[dict-item]


LUA = """
local counter = 0
local tid = 0
local threads = {}
function setup(thread) thread:set("tid", #threads + 1); table.insert(threads, thread) end
function init(args) math.randomseed(os.time() + tid) end
template = %s
request = function()
  counter = counter + 1
  local id = string.format("B%%s-%%d-%%d", run, tid, counter)
  local body = string.gsub(template, "LRN_PLACEHOLDER", id)
  return wrk.format("POST", "/api/v1/declarations",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %s", ["Idempotency-Key"] = id}, body)
end
run = "%s"
"""

PGBENCH = """
\\set n random(1, 1000000000)
BEGIN;
SELECT request_hash FROM idempotency_records WHERE owner = 'org' || chr(58) || 'KR1000000001' AND key = 'pg-' || CAST(:client_id AS text) || '-' || CAST(:n AS text);
SELECT id FROM declarations WHERE declarant_id = 'KR1000000001' AND lrn = 'pg-' || CAST(:client_id AS text) || '-' || CAST(:n AS text);
INSERT INTO declarations (mrn, lrn, version, type, office, status, channel, declarant_id, importer_id, buyer_id,
  lodged_by, currency, total_value, item_count, document, channel_reasons, lodged_at, updated_at)
  VALUES (substr(md5(random()::text), 1, 18), 'pg-' || CAST(:client_id AS text) || '-' || CAST(:n AS text) || '-' || substr(md5(random()::text), 1, 8), 1,
  'IM', 'KR0101', 'channelled', 'green', 'KR1000000001', 'KR1000000001', 'KR1000000001', 'KR1000000001', 'USD',
  12500, 1, CAST(:doc AS json), '[{"rule": "default.no_risk", "text": "no risk indicator: release"}]', now(), now())
  RETURNING id \\gset
INSERT INTO declaration_events (declaration_id, kind, from_status, to_status, at, actor, actor_org, reason, version)
  VALUES (CAST(:id AS integer), 'lodged', NULL, 'lodged', now(), 'trader-a', 'KR1000000001', NULL, 1),
         (CAST(:id AS integer), 'accepted', 'lodged', 'accepted', now(), 'system', 'system', 'MRN x', 1),
         (CAST(:id AS integer), 'assessed', 'accepted', 'assessed', now(), 'system', 'system', 'duties assessed', 1),
         (CAST(:id AS integer), 'channelled', 'assessed', 'channelled', now(), 'system', 'system', 'green: no risk', 1),
         (CAST(:id AS integer), 'awaiting_payment', 'channelled', 'channelled', now(), 'system', 'system', 'awaiting payment', 1);
INSERT INTO tariff_assessments (declaration_id, declaration_version, office, schedule_version_id, assessed_on, currency,
  customs_value, total, final, superseded, payment_reference, created_at)
  VALUES (CAST(:id AS integer), 1, 'KR0101', NULL, current_date, 'KRW', 17608830, 1760883, true, false,
  'RF' || substr(md5(random()::text), 1, 21), now()) RETURNING id AS a_id \\gset
INSERT INTO tariff_assessment_lines (assessment_id, item_index, line_code, tax, base, quantity, rate, amount, measure_ref,
  preference, relief)
  VALUES (CAST(:a_id AS integer), 0, '85171300', 'duty', 17608830, NULL, '0%', 0, '8517-duty-GEN-20220101', NULL, NULL),
         (CAST(:a_id AS integer), 0, '85171300', 'vat', 17608830, NULL, '10%', 1760883, 'vat-GEN-20220101', NULL, NULL);
INSERT INTO tariff_revenue (declaration_id, assessment_id, office, tax, kind, amount, currency, booked_on, reason,
  finding_ref, created_at)
  VALUES (CAST(:id AS integer), CAST(:a_id AS integer), 'KR0101', 'vat', 'assessed', 1760883, 'KRW', current_date,
  'assessment', NULL, now());
INSERT INTO audit_records (at, actor, actor_org, action, target_type, target_id, detail, row_hash)
  VALUES (now(), 'trader-a', 'KR1000000001', 'declaration.lodged', 'declaration', 'x',
  '{"lrn": "x", "channel": "green", "status": "released"}', md5(random()::text) || md5(random()::text));
SELECT a.id, a.total, (SELECT coalesce(sum(amount), 0) FROM tariff_payments WHERE declaration_id = CAST(:id AS integer) AND status = 'confirmed'),
  (SELECT coalesce(sum(amount), 0) FROM tariff_guarantee_uses WHERE declaration_id = CAST(:id AS integer) AND discharged_at IS NULL)
  FROM tariff_assessments a WHERE a.declaration_id = CAST(:id AS integer) AND NOT a.superseded ORDER BY a.id DESC LIMIT 1;
SELECT 'task', id, kind, closed FROM control_tasks WHERE declaration_id = CAST(:id AS integer)
  UNION ALL SELECT 'hold', id, kind, false FROM control_holds WHERE declaration_id = CAST(:id AS integer) AND lifted_at IS NULL;
INSERT INTO audit_records (at, actor, actor_org, action, target_type, target_id, detail, row_hash)
  VALUES (now(), 'system', 'system', 'declaration.awaiting_payment', 'declaration', 'x',
  '{"reason": "awaiting payment"}', md5(random()::text) || md5(random()::text));
INSERT INTO idempotency_records (owner, key, request_hash, status_code, response, created_at)
  VALUES ('org' || chr(58) || 'KR1000000001', 'pg-' || CAST(:client_id AS text) || '-' || CAST(:n AS text) || '-' || md5(random()::text),
  md5(random()::text), 201, CAST(:doc AS json), now());
END;
"""


def _pgbench(port: int, seconds: int, tmp: Path, doc: str) -> float:
    script = tmp / "lodge.sql"
    script.write_text(PGBENCH)
    os.chmod(script, 0o644)
    cmd = [f"{PGBIN}/pgbench", "-n", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", str(CLIENTS),
           "-j", "2", "-M", "prepared", "-T", str(seconds), "-D", f"doc={doc}", "-f", str(script), "clearway"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("pgbench failed: " + done.stderr[-2000:])
    out = done.stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]


def _behind_nginx(processes: int, tmp: Path, lua: Path, seconds: int) -> dict[str, float]:
    """Lodge through nginx (Debian, scripts/nginx.sh) in front of `processes` single-worker API processes."""
    ports = [free_port() for _ in range(processes)]
    procs = [start_server(p, workers=1) for p in ports]
    where = tmp / f"nginx-{processes}"
    try:
        url = subprocess.check_output([str(ROOT / "scripts/nginx.sh"), "start", str(where), str(free_port()),
                                       *map(str, ports)], text=True).strip()
        try:
            _wrk(url, 3, lua)  # warm-up
            return _wrk(url, seconds, lua)
        finally:
            subprocess.run([str(ROOT / "scripts/nginx.sh"), "stop", str(where)], check=False)
    finally:
        for proc in procs:
            stop_server(proc)


def main() -> None:
    """Run the three measurements and print them with their ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--with-worker", action="store_true", help="run `clearway worker` alongside")
    parser.add_argument("--nginx", default="", help="also lodge through nginx in front of 1,2,3... single-worker "
                                                  "API processes (e.g. --nginx 1,2,3)")
    args = parser.parse_args()
    os.environ.update(CLEARWAY_ENVIRONMENT="demo", CLEARWAY_SECRET_KEY="benchmark-secret-0123456789abcdef",
                      CLEARWAY_AUDIT_SEAL_INTERVAL_S="2")
    from clearway.declarations.schemas import EXAMPLE

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        os.chmod(tmp, 0o755)  # the cluster runs as the postgres user when we are root
        url, pg_port = _pg_start(tmp)
        try:
            token = _prepare(url)
            port = free_port()
            proc = start_server(port, workers=args.workers)
            # --with-worker: the background worker (audit sealing, notification relay and webhooks)
            # shares the same 2 cores; without it those jobs are left for later, as off-peak batches.
            worker = subprocess.Popen([sys.executable, "-m", "clearway.cli", "worker"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if args.with_worker else None
            try:
                base = f"http://127.0.0.1:{port}"
                template = json.dumps(json.dumps({**EXAMPLE, "lrn": "LRN_PLACEHOLDER"}))
                lua = tmp / "lodge.lua"
                lua.write_text(LUA % (template, token, os.urandom(4).hex()))
                _wrk(base + "/healthz", 3)  # warm-up
                noop = _wrk(base + "/healthz", args.seconds)
                _wrk(base, 3, lua)  # warm-up: connection pools, caches
                lodge = _wrk(base, args.seconds, lua)
            finally:
                stop_server(proc)
                if worker:
                    worker.terminate()
                    worker.wait(timeout=30)
            farms = {n: _behind_nginx(n, tmp, lua, args.seconds)
                     for n in map(int, filter(None, args.nginx.split(",")))}
            db_rate = _pgbench(pg_port, args.seconds, tmp, json.dumps(EXAMPLE))
        finally:
            subprocess.run([str(ROOT / "scripts/pgcluster.sh"), "stop", str(tmp / "pg")], check=False)
    print(f"clients: {CLIENTS}, server workers: {args.workers}, background worker: {args.with_worker}, "
          f"{args.seconds} s per measurement, 2 cores shared")
    print(f"(a) no-op endpoint       {noop['rate']:8.0f} req/s   p50 {noop['p50']:6.1f} ms   p99 {noop['p99']:6.1f} ms")
    print(f"(b) pgbench, same writes {db_rate:8.0f} tx/s")
    print(f"(c) lodge one-item decl. {lodge['rate']:8.0f} decl/s  p50 {lodge['p50']:6.1f} ms   p99 {lodge['p99']:6.1f} ms"
          f"   non-2xx {lodge['non2xx']} {lodge['socket_errors']}")
    print(f"ratios: (c)/(a) = {lodge['rate'] / noop['rate']:.1%}   (c)/(b) = {lodge['rate'] / db_rate:.1%}")
    for n, farm in farms.items():
        print(f"(c) behind nginx, {n} API process(es) of 1 worker: {farm['rate']:8.0f} decl/s  p50 {farm['p50']:6.1f} ms"
              f"   p99 {farm['p99']:6.1f} ms   non-2xx {farm['non2xx']}   "
              f"{farm['rate'] / farms[min(farms)]['rate']:.2f}x of {min(farms)}")


if __name__ == "__main__":
    main()
