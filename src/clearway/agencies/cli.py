"""`clearway agencies …`: make agencies live from their profile files, print the profile schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Single window: partner agencies", no_args_is_help=True)


@app.command("load")
def load(directory: Annotated[Path, typer.Argument(help="Folder of agency profiles (*.json)")]) -> None:
    """Validate every profile of a folder and make the agencies live (no code change); one bad file loads none."""
    from pydantic import ValidationError

    from clearway.agencies.profiles import profiles_read
    from clearway.agencies.registry import agencies_load
    from clearway.agencies.service import referrals_backfill
    from clearway.auth.schemas import Principal
    from clearway.db import get_sessionmaker, utcnow

    if not directory.is_dir():
        typer.secho(f"{directory}: not a folder", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2)
    try:
        profiles = profiles_read(directory)
    except (ValidationError, ValueError) as exc:
        typer.secho(f"profiles refused: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    actor = Principal(user_id=0, username="cli", role="admin", organisation_id=0, organisation_code="cli")
    with get_sessionmaker()() as db, db.begin():
        secrets: dict[str, str] = {}
        changed = agencies_load(db=db, actor=actor, profiles=profiles, now=utcnow(), secrets=secrets)
        referred = referrals_backfill(db=db, now=utcnow()) if changed else 0
    typer.echo(f"{len(profiles)} profiles read; live now or changed: {', '.join(changed) or 'none'}; "
               f"{referred} open declaration items referred")
    for code, secret in secrets.items():  # shown once, like any webhook endpoint's first secret
        typer.echo(f"webhook signing secret for {code}'s system: {secret}")


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema an agency profile must follow."""
    from clearway.agencies.profiles import profile_schema

    typer.echo(json.dumps(profile_schema(), indent=2))
