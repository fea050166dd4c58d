"""What every command of the `clearway` command line is handed by the root command: the wiring, built on demand.

Domain commands take `ctx: typer.Context` and call `wiring_of(ctx)`; the root command (`clearway.cli`)
puts a `CliState` in `ctx.obj`. Nothing is kept in a module global.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import typer


@dataclass
class CliState:
    """The root command's state: how to build the wiring, and the wiring once built."""

    build: Callable[[], Any]
    built: list[Any] = field(default_factory=list)

    def wiring(self) -> Any:
        """The wiring (`clearway.clearance.wiring.Wiring`), built the first time a command needs it."""
        if not self.built:
            self.built.append(self.build())
        return self.built[0]


def wiring_of(ctx: typer.Context) -> Any:
    """The wiring of the running command."""
    state = ctx.find_root().obj
    if not isinstance(state, CliState):
        raise RuntimeError("clearway commands run under the `clearway` root command")
    return state.wiring()
