"""Audit the installed (locked) dependencies for known vulnerabilities; an audit that checked nothing fails.

    python scripts/dependency_audit.py --lock requirements.lock          # write the lock of this environment
    python scripts/dependency_audit.py --advisory-db DIR                 # match against local OSV advisories
    python scripts/dependency_audit.py                                   # ask pip-audit (needs its service)
    python scripts/dependency_audit.py --requirements requirements.lock  # the same, for every pin of the lock

Exit 0: every dependency was checked and none is affected. Exit 1: a dependency is affected. Exit 2: the
audit could not check everything (no advisories, a service that did not answer, a dependency skipped),
which must never read as a pass.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PROJECT = "clearway"


def locked() -> dict[str, str]:
    """Every installed distribution but the project itself: canonical name -> version."""
    found = {}
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"] or "")
        if name and name != PROJECT:
            found[name] = dist.version
    return dict(sorted(found.items()))


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def lock_pins(path: Path) -> dict[str, str]:
    """Every pin of a hashed requirements lock: canonical name -> version; a pin without a hash is refused."""
    pins: dict[str, str] = {}
    name = ""
    hashed: dict[str, bool] = {}
    for line in path.read_text("utf-8").splitlines():
        found = _PIN.match(line)
        if found:
            name = canonicalize_name(found.group(1))
            pins[name] = found.group(2)
            hashed[name] = False
        elif name and line.strip().startswith("--hash=sha256:"):
            hashed[name] = True
    unhashed = sorted(n for n, ok in hashed.items() if not ok)
    if unhashed:
        raise ValueError(f"pins without a hash in {path}: {', '.join(unhashed)}")
    return dict(sorted(pins.items()))


def _affected(version: str, affected: dict[str, Any]) -> bool:
    if version in affected.get("versions", []):
        return True
    try:
        mine = Version(version)
    except InvalidVersion:
        return True  # cannot tell: fail closed
    for span in affected.get("ranges", []):
        if span.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        inside = False
        for event in span.get("events", []):
            if "introduced" in event:
                inside = event["introduced"] == "0" or mine >= Version(event["introduced"])
            elif inside and (("fixed" in event and mine >= Version(event["fixed"]))
                             or ("last_affected" in event and mine > Version(event["last_affected"]))):
                inside = False
        if inside:
            return True
    return False


def advisories(folder: Path) -> Iterable[dict[str, Any]]:
    """OSV advisories (JSON objects) under a folder, e.g. an export of the PyPA advisory database."""
    for path in sorted(folder.rglob("*.json")):
        try:
            found = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(found, dict):
            yield found


def _python_entries(advisory: dict[str, Any]) -> list[dict[str, Any]]:
    affected = advisory.get("affected")
    return [a for a in affected if isinstance(a, dict) and isinstance(a.get("package"), dict)
            and a["package"].get("ecosystem") == "PyPI"] if isinstance(affected, list) else []


def local_audit(packages: dict[str, str], folder: Path) -> tuple[int, list[str]]:
    """Findings of the installed packages against local OSV advisories, and the exit code."""
    # Only advisories about Python packages count as checked: a folder of npm advisories, or of JSON that
    # is not OSV, checks nothing and must not read as a pass.
    seen, findings, unreadable = 0, [], []
    for advisory in advisories(folder):
        entries = _python_entries(advisory)
        seen += bool(entries)
        for affected in entries:
            name = canonicalize_name(affected["package"].get("name", ""))
            if name not in packages:
                continue
            try:
                hit = _affected(packages[name], affected)
            except InvalidVersion:
                unreadable.append(f"{name} {packages[name]}: {advisory.get('id')} has a range that cannot be read")
                continue
            if hit:
                findings.append(f"{name} {packages[name]}: {advisory.get('id')} {advisory.get('summary', '')}")
    if seen == 0:
        return 2, [f"no advisories about Python packages under {folder}: nothing was checked"]
    if findings:
        return 1, findings + unreadable
    if unreadable:
        return 2, unreadable  # cannot tell whether those versions are affected: inconclusive, never a pass
    return 0, [f"{len(packages)} packages checked against {seen} advisories"]


def judge_pip_audit(returncode: int, report: dict[str, Any] | None, expected: int) -> tuple[int, list[str]]:
    """The verdict on a pip-audit JSON report: skipped or missing dependencies make it inconclusive."""
    if report is None:
        return 2, [f"pip-audit gave no report (exit {returncode}): the advisory service was not reachable"]
    deps = report.get("dependencies", [])
    skipped = [f"{d.get('name')} {d.get('version', '')}: {d['skip_reason']}" for d in deps if d.get("skip_reason")]
    if skipped or len(deps) < expected:
        return 2, [f"{len(skipped)} of {expected} dependencies could not be audited", *skipped[:20]]
    findings = [f"{d['name']} {d['version']}: {v.get('id')} (fixed in {', '.join(v.get('fix_versions', []))})"
                for d in deps for v in d.get("vulns", [])]
    return (1 if findings else 0), findings or [f"{len(deps)} packages checked, none affected"]


def pip_audit(packages: dict[str, str]) -> tuple[int, list[str]]:
    """Run pip-audit on the lock of this environment (hashes are not needed: versions are exact)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as lock:
        lock.write("".join(f"{n}=={v}\n" for n, v in packages.items()))
    run = subprocess.run([sys.executable, "-m", "pip_audit", "-r", lock.name, "--no-deps", "--disable-pip",
                          "--format", "json", "--progress-spinner", "off"], capture_output=True, text=True)
    Path(lock.name).unlink(missing_ok=True)
    try:
        report = json.loads(run.stdout) if run.stdout.strip() else None
    except ValueError:
        report = None
    return judge_pip_audit(run.returncode, report, len(packages))


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advisory-db", type=Path, help="a folder of OSV JSON advisories (offline audit)")
    parser.add_argument("--lock", type=Path, help="write the lock (name==version) of this environment and stop")
    parser.add_argument("--requirements", type=Path,
                        help="audit every pin of this hashed lock (requirements.lock) instead of this environment")
    args = parser.parse_args(argv)
    try:
        packages = lock_pins(args.requirements) if args.requirements else locked()
    except (OSError, ValueError) as err:
        print(f"dependency audit: INCONCLUSIVE (fails)\n  {err}")
        return 2
    if args.lock:
        args.lock.write_text("".join(f"{n}=={v}\n" for n, v in packages.items()), "utf-8")
        return 0
    code, lines = local_audit(packages, args.advisory_db) if args.advisory_db else pip_audit(packages)
    verdict = {0: "PASS", 1: "VULNERABLE", 2: "INCONCLUSIVE (fails)"}[code]
    print(f"dependency audit: {verdict}")
    for line in lines:
        print("  " + line)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
