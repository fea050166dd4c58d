"""The dependency audit: a known advisory is found, and an audit that could check nothing fails instead of passing."""

from __future__ import annotations

import json
import runpy
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

AUDIT = runpy.run_path(str(Path(__file__).resolve().parents[2] / "scripts" / "dependency_audit.py"))


def _advisory(folder: Path, name: str, introduced: str, fixed: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps({
        "id": f"TEST-{name}", "summary": "test advisory",
        "affected": [{"package": {"ecosystem": "PyPI", "name": name},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": introduced}, {"fixed": fixed}]}]}]}))


def test_an_installed_version_inside_an_advisory_range_fails_the_audit(tmp_path, capsys):
    version = metadata.version("urllib3")
    _advisory(tmp_path / "db", "urllib3", "0", version + ".post999")
    assert AUDIT["main"](["--advisory-db", str(tmp_path / "db")]) == 1
    assert "urllib3" in capsys.readouterr().out


def test_fixed_versions_pass(tmp_path):
    _advisory(tmp_path / "db", "urllib3", "0", "1.0")
    assert AUDIT["main"](["--advisory-db", str(tmp_path / "db")]) == 0


def test_an_empty_advisory_database_is_inconclusive_and_fails(tmp_path, capsys):
    (tmp_path / "db").mkdir()
    assert AUDIT["main"](["--advisory-db", str(tmp_path / "db")]) == 2
    assert "nothing was checked" in capsys.readouterr().out


def test_pip_audit_with_skipped_dependencies_or_no_service_fails():
    judge = AUDIT["judge_pip_audit"]
    skipped = {"dependencies": [{"name": "urllib3", "version": "2.0.0",
                                 "skip_reason": "Dependency not found on PyPI and could not be audited"}]}
    assert judge(0, skipped, 1)[0] == 2  # pip-audit itself exits 0 here
    assert judge(1, None, 1)[0] == 2
    assert judge(0, {"dependencies": []}, 3)[0] == 2
    clean = {"dependencies": [{"name": "urllib3", "version": "2.5.0", "vulns": []}]}
    assert judge(0, clean, 1)[0] == 0
    found = {"dependencies": [{"name": "urllib3", "version": "2.0.0",
                               "vulns": [{"id": "GHSA-x", "fix_versions": ["2.0.7"]}]}]}
    assert judge(1, found, 1)[0] == 1


def test_advisories_that_concern_no_python_package_check_nothing_and_fail(tmp_path, capsys):
    folder = tmp_path / "db"
    folder.mkdir()
    (folder / "npm.json").write_text(json.dumps({"id": "GHSA-npm", "affected": [
        {"package": {"ecosystem": "npm", "name": "left-pad"}, "ranges": []}]}))
    (folder / "not-osv.json").write_text(json.dumps({"hello": "world"}))
    (folder / "list.json").write_text(json.dumps([1, 2]))
    assert AUDIT["main"](["--advisory-db", str(folder)]) == 2
    assert "nothing was checked" in capsys.readouterr().out


def test_an_advisory_with_a_version_it_cannot_read_fails_closed(tmp_path, capsys):
    _advisory(tmp_path / "db", "urllib3", "not a version", "also not")
    assert AUDIT["main"](["--advisory-db", str(tmp_path / "db")]) == 2
    assert "cannot be read" in capsys.readouterr().out


ROOT = Path(__file__).resolve().parents[2]


def test_the_lock_pins_every_dependency_with_hashes_and_is_what_is_installed():
    pins = AUDIT["lock_pins"](ROOT / "requirements.lock")
    assert len(pins) > 100
    project = metadata.requires("clearway") or []
    named = {canonicalize_name(Requirement(r).name) for r in project}
    assert named - set(pins) == set(), "a dependency of pyproject.toml is not in requirements.lock (make lock)"
    installed = AUDIT["locked"]()
    # make install installs the lock with --require-hashes: what runs is what the audit reads.
    differ = {n: (v, installed[n]) for n, v in pins.items() if n in installed and installed[n] != v}
    assert differ == {}
    assert set(installed) - set(pins) == set()


def test_a_pin_without_a_hash_makes_the_lock_audit_fail(tmp_path, capsys):
    lock = tmp_path / "requirements.lock"
    lock.write_text("urllib3==2.5.0 \\\n    --hash=sha256:" + "0" * 64 + "\nidna==3.10\n")
    assert AUDIT["main"](["--requirements", str(lock), "--advisory-db", str(tmp_path)]) == 2
    assert "pins without a hash" in capsys.readouterr().out and "idna" in lock.read_text()


def test_the_lock_audit_reads_the_pins_of_the_lock(tmp_path, capsys):
    lock = tmp_path / "requirements.lock"
    lock.write_text("urllib3==1.26.0 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    _advisory(tmp_path / "db", "urllib3", "1.0", "1.26.5")
    assert AUDIT["main"](["--requirements", str(lock), "--advisory-db", str(tmp_path / "db")]) == 1
    assert "urllib3 1.26.0" in capsys.readouterr().out
