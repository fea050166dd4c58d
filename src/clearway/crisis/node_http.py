"""The offline post node's HTTP API, for the post's own network while the link to the centre is down.

Traders at the post lodge through it and read their declarations; officers decide on the goods that wait, read
the node's status and take its signed export to the centre when the link is back. Every caller presents a key
the node issued (`clearway crisis node key`); a trader lodges only as the declarant its key names, so the AEO
lane answers for the trader who actually lodges, not for whatever party a document claims. The app runs on the
node's own SQLite file, never on the centre's database, and uses the same problem+json errors as the centre.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from clearway.crisis import node as post
from clearway.errors import DomainError, Forbidden, NotFound, Problem
from clearway.handlers import install_handlers

PREFIX = "/node/v1"


class LodgedRead(BaseModel):
    """What the post tells the trader at once: the offline reference, channel, whether the goods may go."""

    offline_ref: str
    channel: str
    released: bool
    duty: str
    reasons: list[str]


class NodeDeclarationRead(BaseModel):
    """A declaration as the node holds it."""

    offline_ref: str
    declarant: str
    lrn: str
    channel: str
    status: str
    duty: str
    reasons: list[str]
    lodged_at: str


class DecisionCreate(BaseModel):
    """An officer's decision on goods waiting at the post."""

    decision: str = Field(pattern="^(release|detain)$")
    note: str = Field(default="", max_length=200)


class DecisionRead(BaseModel):
    """Where the declaration stands after the decision."""

    offline_ref: str
    status: str


class NodeKeyRefused(DomainError):
    """No key, or a key this node never issued: the caller is not known at the post."""

    status = 401
    slug = "unauthenticated"
    title_code = "problem.unauthenticated"

    def __init__(self, code: str) -> None:
        super().__init__([Problem(code, "", {})])
        self.headers = {"WWW-Authenticate": 'Bearer realm="clearway-post-node"'}


def _now() -> datetime:
    return datetime.now(UTC)


def _session(request: Request) -> Session:
    return Session(request.app.state.engine)


def caller_of(request: Request) -> post.NodeCaller:
    """The trader or officer whose node key the request carries (401 without a key the node issued)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NodeKeyRefused("crisis.node_key_missing")
    with _session(request) as db:
        found = post.node_caller(db=db, token=token.strip())
    if found is None:
        raise NodeKeyRefused("crisis.node_key_invalid")
    return found


Caller = Annotated[post.NodeCaller, Depends(caller_of)]


def _must_be(caller: post.NodeCaller, role: str) -> None:
    if caller.role != role:
        raise Forbidden([Problem("crisis.node_role", "", {"role": role})])


def _read(row: post.NodeDeclaration) -> NodeDeclarationRead:
    return NodeDeclarationRead(offline_ref=row.offline_ref, declarant=row.declarant, lrn=row.lrn, channel=row.channel,
                               status=row.status, duty=row.duty, reasons=list(row.reasons), lodged_at=row.lodged_at)


def node_app(engine: Engine) -> FastAPI:
    """The node's HTTP API on its engine."""
    app = FastAPI(title="Clearway post node", version="1", docs_url=None, redoc_url=None)
    app.state.engine = engine
    install_handlers(app)

    @app.post(f"{PREFIX}/declarations", status_code=201, operation_id="nodeLodgeDeclaration")
    def lodge(request: Request, caller: Caller, raw: Annotated[dict[str, Any], Body()]) -> LodgedRead:
        """Lodge at the post as the trader the key names (a retry of the same lodgement gives the same answer)."""
        _must_be(caller, "trader")
        declarant = raw.get("declarant")
        if not isinstance(declarant, dict) or str(declarant.get("id", "")).strip() != caller.party:
            raise Forbidden([Problem("crisis.node_declarant_not_caller", "/declarant/id", {"party": caller.party})])
        with _session(request) as db, db.begin():
            out = post.node_lodge(db=db, raw=raw, now=_now())
        return LodgedRead(offline_ref=out.offline_ref, channel=out.channel, released=out.released,
                          duty=format(out.duty, "f"), reasons=out.reasons)

    @app.get(f"{PREFIX}/declarations/{{offline_ref}}", operation_id="nodeGetDeclaration")
    def read(request: Request, caller: Caller, offline_ref: str) -> NodeDeclarationRead:
        """One declaration: a trader sees its own only (another's answers 404, as if it did not exist)."""
        with _session(request) as db:
            row = post.node_declaration(db=db, offline_ref=offline_ref)
            if row is None or (caller.role == "trader" and row.declarant != caller.party):
                raise NotFound([Problem("crisis.node_declaration_unknown", "/offline_ref", {"ref": offline_ref})])
            return _read(row)

    @app.post(f"{PREFIX}/declarations/{{offline_ref}}/decision", operation_id="nodeDecide")
    def decide(request: Request, caller: Caller, offline_ref: str, body: DecisionCreate) -> DecisionRead:
        """An officer releases or detains goods waiting at the post, journalled under the officer's name."""
        _must_be(caller, "officer")
        with _session(request) as db, db.begin():
            status = post.node_decide(db=db, offline_ref=offline_ref, decision=body.decision, officer=caller.party,
                                      note=body.note, now=_now())
        return DecisionRead(offline_ref=offline_ref, status=status)

    @app.get(f"{PREFIX}/status", operation_id="nodeStatus")
    def status(request: Request, caller: Caller) -> dict[str, Any]:
        """The node's post, snapshot validity, declarations by status and whether its journal is whole."""
        _must_be(caller, "officer")
        with _session(request) as db:
            return post.node_status(db=db)

    @app.get(f"{PREFIX}/export", operation_id="nodeExport")
    def export(request: Request, caller: Caller) -> dict[str, Any]:
        """Everything the post did offline, signed with the node's key, for the centre's reconciliation."""
        _must_be(caller, "officer")
        with _session(request) as db:
            return post.node_export(db=db, now=_now())

    return app
