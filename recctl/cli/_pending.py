"""Commands whose issues have not landed yet: listed with their help, and honest about it.

Each exits 2 with a message instead of printing fake output. When an issue lands, its
command gets a module of its own under recctl/cli/ and leaves this table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from recctl.errors import NotImplementedYet

PENDING: dict[str, tuple[str, int]] = {
    "diff": ("Review changes between versions", 5),
    "prune": ("Find and remove stale recordings", 5),
}

Args = Annotated[list[str] | None, typer.Argument(help="Not available yet.", show_default=False)]


def _pending(name: str, summary: str, issue: int) -> Callable[[Args], None]:
    def command(args: Args = None) -> None:
        raise NotImplementedYet(f"`recctl {name}` is not available yet (planned in issue #{issue})")

    command.__doc__ = f"{summary} (not available yet)."
    return command


def register(app: typer.Typer) -> None:
    for name, (summary, issue) in PENDING.items():
        app.command(name, short_help=f"{summary} (pending).")(_pending(name, summary, issue))
