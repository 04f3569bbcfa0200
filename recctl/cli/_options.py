"""Options shared by several commands, so each is spelt and documented once."""

import enum
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from recctl.errors import ExitCode
from recctl.interrupt import Interruption, deferred_interrupt
from recctl.reporters import default_format

if TYPE_CHECKING:
    from recctl.cache import ResultCache
    from recctl.project import Project
    from recctl.usage import UsageLog


class ChangeFormat(str, enum.Enum):
    """How a command that changes files reports them."""

    text = "text"
    json = "json"


ChangeFormatOption = Annotated[
    ChangeFormat, typer.Option("--format", "-f", help="text for people, json for JSON lines.")
]
Write = Annotated[bool, typer.Option("--write", help="Change the files (default: a dry run).")]


class OutputFormat(str, enum.Enum):
    """How findings are written."""

    text = "text"
    json = "json"
    github = "github"


Paths = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="PATHS",
        help="Recording files or directories (default: [tool.recctl] paths, else ./recordings).",
        show_default=False,
    ),
]

Quiet = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print the findings only, without the summary."),
]
ExitZero = Annotated[
    bool,
    typer.Option("--exit-zero", help="Exit 0 even when there are findings (default: 1)."),
]

IgnoreMissing = Annotated[
    bool,
    typer.Option(
        "--ignore-missing",
        help="Pass over named files that no longer exist (a file an earlier pre-commit hook "
        "renamed); without it a missing path is a usage error.",
    ),
]


def existing(paths: list[str] | None, ignore_missing: bool) -> list[str] | None:
    """The paths to work on: with ``ignore_missing``, those still there; when every path
    named is gone there is nothing to do (never the default paths instead)."""
    if not ignore_missing or not paths:
        return paths
    kept = [path for path in paths if os.path.lexists(path)]
    if not kept:
        raise typer.Exit(int(ExitCode.OK))
    return kept


Format = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format (default: github under GitHub Actions, else text).",
        show_default=False,
    ),
]

Schema = Annotated[
    Path | None,
    typer.Option(
        "--schema",
        metavar="PATH",
        help="Validate against this JSON Schema instead of the bundled one.",
        show_default=False,
        dir_okay=False,
    ),
]

Jobs = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        metavar="N",
        min=1,
        help="Worker processes (default: one per CPU from 64 files on; 1 runs serially).",
        show_default=False,
    ),
]


def complete_schemes(incomplete: str) -> list[str]:
    """Shell completion of --scheme: the registry's schemes."""
    from recctl.hashing import SCHEMES

    return [name for name in SCHEMES if name.startswith(incomplete)]


def complete_checks(incomplete: str) -> list[str]:
    """Shell completion of --select and --ignore: the checks, after those already typed
    (comma-separated)."""
    from recctl.findings import CHECKS

    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    return [prefix + check for check in CHECKS if check.startswith(last)]


def complete_hashes(incomplete: str) -> list[str]:
    """Shell completion of a hash: the hashes of the recordings under the current project
    whose names start with what is typed (paths are the shell's own business)."""
    from recctl.discovery import fixture_dirs_below, walk_fixtures
    from recctl.hashing.names import parse_name
    from recctl.project import find_project

    if not incomplete or any(char not in "0123456789abcdef" for char in incomplete.lower()):
        return []
    root = find_project([], Path.cwd()).root
    found: set[str] = set()
    for directory in fixture_dirs_below(str(root), "rehash"):
        for path in walk_fixtures(directory, "rehash"):
            name = parse_name(os.path.basename(path))
            if name.hash is not None and name.hash.startswith(incomplete.lower()):
                found.add(name.hash)
    return sorted(found)[:200]


Scheme = Annotated[
    str | None,
    typer.Option(
        "--scheme",
        metavar="NAME",
        autocompletion=complete_schemes,
        help="Target hash scheme: 1, 2, 3, 4a, 4b or 4 (default: hash-scheme in "
        "[tool.recctl], else the newest, 4).",
        show_default=False,
    ),
]


class ReportFormat(str, enum.Enum):
    """How a report that a pull request may quote is written."""

    text = "text"
    json = "json"
    github = "github"
    markdown = "markdown"


ReportFormatOption = Annotated[
    ReportFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format (default: github under GitHub Actions, else text); markdown for "
        "a pull-request comment.",
        show_default=False,
    ),
]


def format_name(chosen: OutputFormat | ReportFormat | None) -> str:
    """The format the user chose, else the environment's default."""
    return chosen.value if chosen is not None else default_format()


Used = Annotated[
    list[str] | None,
    typer.Option(
        "--used",
        metavar="LOG",
        help="A usage log of a replay run (pytest --recctl-used=LOG), a directory of them or "
        "a quoted glob; repeat for several runs.",
        show_default=False,
    ),
]


AllowEmpty = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-empty",
        metavar="LOG",
        help="A usage log whose tests passed opening no recording, taken all the same (a "
        "job that needs none); refused otherwise. Repeat for several.",
        show_default=False,
    ),
]


def usage_logs(
    arguments: Sequence[str], found: "Project", allow_empty: Sequence[str] | None = None
) -> "UsageLog":
    """The usage logs named (and the empty ones allowed), merged and checked (see
    ``recctl.usage``)."""
    from recctl.usage import expand, load_usage

    allowed = expand(allow_empty or [], Path.cwd())
    logs = expand([*arguments, *(allow_empty or [])], Path.cwd())
    return load_usage(list(dict.fromkeys(logs)), found, allowed)


NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Judge every file afresh, neither reading nor writing the result cache "
        "(.recctl_cache at the root, or cache-dir).",
    ),
]


def result_cache(found: "Project", command: str, key: str, no_cache: bool) -> "ResultCache":
    """The project's cache of ``command`` results under settings ``key`` (off: no_cache)."""
    from recctl.cache import ResultCache, cache_directory

    # A directory that is no project (no pyproject.toml, no git, no --root) gets no cache
    # folder: recctl does not litter a tree it was only asked to read.
    enabled = not no_cache and found.found_by != "path"
    directory = cache_directory(found.config.cache_dir, found.root, enabled)
    return ResultCache.open(directory, found.root, command, key)


Root = Annotated[
    Path | None,
    typer.Option(
        "--root",
        metavar="DIR",
        help="The project root (default: searched upwards from the paths given: "
        "[tool.recctl], else the git work tree, else pyproject.toml).",
        show_default=False,
        file_okay=False,
    ),
]


def project(paths: Sequence[str] | None, root: Path | None) -> "Project":
    """The one project of the paths the user named (of the current directory for none)."""
    from recctl.project import find_project

    return find_project(paths or [], Path.cwd(), root)


def projects(paths: Sequence[str] | None, root: Path | None) -> "list[tuple[Project, list[str]]]":
    """Each project of the paths the user named, with its paths: for commands that judge
    every file on its own and so can run once per project."""
    from recctl.project import find_projects

    return find_projects(paths or [], Path.cwd(), root)


@contextmanager
def writing(files: Sequence[str | Path], write: bool = True) -> Iterator[Interruption]:
    """Around a command that writes: sweep the temporary files a killed run left, and defer
    Ctrl-C to the end of the file in hand."""
    from recctl.store import sweep_temp_files

    if not write:
        yield Interruption()
        return
    sweep_temp_files(files)
    with deferred_interrupt() as stop:
        yield stop


def stop_if_interrupted(stop: Interruption) -> None:
    """After the report of what was done: exit 130 if Ctrl-C stopped the command."""
    if stop.requested:
        typer.echo(
            "interrupted: stopped after the file in hand; the report above is what was done",
            err=True,
        )
        raise typer.Exit(int(ExitCode.INTERRUPTED))


def step_summary(markdown: Callable[[], str]) -> None:
    """Under GitHub Actions with ``$GITHUB_STEP_SUMMARY`` set, append the markdown report to
    the job's summary; a summary that cannot be written is a warning, not a failure."""
    if not os.environ.get("GITHUB_STEP_SUMMARY") or os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from recctl.output import visible
    from recctl.reporters.markdown import append_step_summary

    problem = append_step_summary(markdown())
    if problem:
        typer.echo(f"recctl: warning: {visible(problem)}", err=True)
