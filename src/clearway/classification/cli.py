"""`clearway classification ...`: retrain the classifier (a new version, not in force), list, promote and roll
back versions, try a description."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from clearway.classification import registry, versions
from clearway.classification.bundle import model_current, reusable_models, shipped_dir
from clearway.classification.learning import learned_pairs
from clearway.classification.suggest import mismatch, suggest
from clearway.classification.train import model_train
from clearway.db import get_sessionmaker, utcnow
from clearway.errors import DomainError
from clearway.i18n import translate

app = typer.Typer(help="Goods classification: retrain the model, try a description", no_args_is_help=True)
MODELS_ENV = registry.MODELS_ENV


@app.command("train")
def train_cmd(
    out: Annotated[Path | None, typer.Option("--out", help="Bundle directory (default: a new version folder)")] = None,
    from_db: Annotated[bool, typer.Option("--from-db/--no-db", help="Learn released declarations and rulings")] = True,
    shipped: Annotated[bool, typer.Option("--shipped", help="Overwrite the bundle shipped in the package")] = False,
    reuse: Annotated[bool, typer.Option("--reuse/--no-reuse",
                                        help="Reuse the embeddings of unchanged texts (bundles at hand)")] = True,
) -> None:
    """Fit the model (nomenclature, glossary, examples, trade prior, what was learned) and write a bundle."""
    learned = []
    if from_db:
        with get_sessionmaker()() as db:
            learned = learned_pairs(db=db)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task("embedding documents", total=None)
        model = model_train(learned=learned, reuse=reusable_models() if reuse else (),
                            progress=lambda done, total: progress.update(task, completed=done, total=total))
    if shipped:
        target = shipped_dir()
    elif out is not None:
        target = out
    else:
        target = Path(os.environ.get(MODELS_ENV, "classification-models")) / model.version
    model.save(target)
    typer.echo(json.dumps({"version": model.version, "dir": str(target), **model.trained}))


@app.command("suggest")
def suggest_cmd(description: str, limit: Annotated[int, typer.Option(min=1, max=20)] = 5,
                code: Annotated[str | None, typer.Option("--code", help="Declared code to check")] = None) -> None:
    """Print the proposed HS6 codes for a description (and the mismatch of a declared code)."""
    model = model_current()
    for c in suggest(model, description, k=limit):
        typer.echo(f"{c.hs6}  {c.confidence:5.2f}  {model.hs_text.get(c.hs6, '')[:90]}  [{', '.join(c.matched)}]")
    if code:
        m = mismatch(model, description, code)
        typer.echo(f"declared {code}: distance {m.distance}, heading rank {m.declared_rank}, far {m.far}")


def _fail(exc: DomainError) -> None:
    for p in exc.problems:
        typer.echo(translate(p.code, "en", **p.params), err=True)
    raise typer.Exit(1)


@app.command("retrain")
def retrain_cmd() -> None:
    """Fit a new version from the nomenclature and what was learned, and register it (not in force)."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with get_sessionmaker()() as db, db.begin(), Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task("embedding documents", total=None)
        entry = versions.classification_retrain(
            db=db, actor=None, now=utcnow(),
            progress=lambda done, total: progress.update(task, completed=done, total=total))
    typer.echo(json.dumps({"version": entry["version"], "dir": entry["dir"], "status": entry["status"],
                           **entry["trained"]}))


@app.command("models")
def models_cmd() -> None:
    """List registered versions, newest first, and the one in force."""
    typer.echo(f"in force: {model_current().version}")
    for m in registry.models_list():
        typer.echo(f"{m['version']}  {m['status']:<12} registered {m['registered_at']} by {m['registered_by']}"
                   f"  documents {m['trained'].get('documents', '?')}  learned {m['trained'].get('learned', '?')}"
                   f"  {_figures(m['trained'].get('metrics') or {})}")


def _figures(metrics: dict[str, Any]) -> str:
    """Held-out examples' HS6@1 / HS6@5 / HS4@1, as the versions list prints them."""
    if not metrics.get("n"):
        return "held-out examples: -"
    return (f"held-out examples (n={metrics['n']}): HS6@1 {metrics['hs6_top1']:.3f}  HS6@5 {metrics['hs6_top5']:.3f}"
            f"  HS4@1 {metrics['hs4_top1']:.3f}")


@app.command("promote")
def promote_cmd(version: str) -> None:
    """Put a registered version in force."""
    try:
        with get_sessionmaker()() as db, db.begin():
            versions.classification_promote(db=db, actor=None, version=version, now=utcnow())
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"in force: {model_current().version}")


@app.command("rollback")
def rollback_cmd() -> None:
    """Return to the version in force before the current one (the shipped bundle after the first)."""
    try:
        with get_sessionmaker()() as db, db.begin():
            versions.classification_rollback(db=db, actor=None, now=utcnow())
    except DomainError as exc:
        _fail(exc)
    typer.echo(f"in force: {model_current().version}")
