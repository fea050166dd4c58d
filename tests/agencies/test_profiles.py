"""Agencies as configuration: every shipped profile conforms; `clearway agencies load DIR` makes one live."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from clearway.agencies.profiles import SHIPPED, AgencyProfile, profile_parse, profiles_read

SHIPPED_FILES = sorted(SHIPPED.glob("*.json"))


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_every_shipped_profile_conforms(path):
    profile = profile_parse(path.read_text("utf-8"), source=str(path))
    assert profile.competence and profile.sees and profile.service_level_minutes > 0
    for rule in profile.competence:
        assert rule.lpco is None or profile.lpco_of(rule.lpco) is not None
    if profile.reach.kind == "system":
        assert profile.reach.webhook_url and profile.reach.fallback in ("hold", "release_flagged")


def test_the_four_kinds_of_agency_ship():
    codes = {p.code for p in profiles_read(SHIPPED)}
    assert {"MFDS", "APQA", "RRA", "KNPA"} <= codes


def test_a_profile_with_a_typo_is_refused_not_silently_narrowed():
    data = json.loads((SHIPPED / "mfds.json").read_text())
    data["competence"][0]["hs_codes"] = data["competence"][0].pop("hs")
    with pytest.raises(ValidationError):
        AgencyProfile.model_validate(data)


def test_an_agency_reached_by_its_system_needs_a_webhook():
    data = json.loads((SHIPPED / "rra.json").read_text())
    del data["reach"]["webhook_url"]
    with pytest.raises(ValidationError, match="webhook_url"):
        AgencyProfile.model_validate(data)


def test_loading_a_folder_makes_a_new_agency_live_without_a_code_change(client, tmp_path):
    from clearway.cli import app
    from tests.agencies.helpers import FISH, doc_with
    from tests.factories import auth

    data = json.loads((SHIPPED / "mfds.json").read_text())
    data.update(code="KFISH", name="Fisheries Inspection (test)", tariff_agency=None,
                competence=[{"hs": ["0303"], "regimes": ["IM"]}], lpco=[])
    (tmp_path / "kfish.json").write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["agencies", "load", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "KFISH" in result.output
    again = CliRunner().invoke(app, ["agencies", "load", str(tmp_path)])
    assert "none" in again.output  # unchanged profiles are left as they are
    r = client.post("/api/v1/declarations", json=doc_with(FISH), headers=auth(client, "trader-a"))
    holds = client.get(f"/api/v1/declarations/{r.json()['mrn']}/holds", headers=auth(client, "trader-a")).json()
    assert [(h["code"], h["party"]) for h in holds["holds"]] == [("agency.pending", "agency:KFISH")]


def test_a_bad_file_loads_no_agency(client, tmp_path):
    from clearway.cli import app

    (tmp_path / "a.json").write_text((SHIPPED / "mfds.json").read_text())
    (tmp_path / "b.json").write_text("{not json")
    result = CliRunner().invoke(app, ["agencies", "load", str(tmp_path)])
    assert result.exit_code == 1
    assert client.get("/api/v1/agencies", headers={"Authorization": "Bearer x"}).status_code == 401
