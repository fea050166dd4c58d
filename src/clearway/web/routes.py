"""Mount the server-rendered web UI: static files and every domain's views."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def install_web(app: FastAPI) -> None:
    """Add the web UI routes and static files to an app."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
