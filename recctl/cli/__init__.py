"""The command line: options are parsed here and handed to one core function per command.

These modules do without ``from __future__ import annotations``: typer reads every command's
signature at start-up, and string annotations would make it compile and eval each one, which
doubled the time it takes to build the commands.
"""

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from recctl import __version__
from recctl.errors import ExitCode, RecctlError

# Each command's module, in the order ``recctl --help`` lists them. A run imports and builds
# only the command it runs (the others' imports and signatures are start-up it would pay on
# every pre-commit run); help and completion build them all.
COMMAND_MODULES: dict[str, str] = {
    "validate": "validate",
    "rehash": "rehash",
    "hash": "rehash",
    "show": "show",
    "ls": "show",
    "diff": "diff",
    "prune": "prune",
    "check": "check",
    "fix": "fix",
    "normalize": "normalize",
    "redact": "redact",
    "why": "why",
    "coverage": "coverage",
}


class RecctlGroup(TyperGroup):
    """Maps recctl's errors to exit codes and one error style in one place, for every
    command: ``recctl: error: ...`` on stderr, whether recctl or the option parser refused."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        call = {
            "args": args,
            "prog_name": prog_name,
            "complete_var": complete_var,
            "windows_expand_args": windows_expand_args,
            **extra,
        }
        if not standalone_mode:
            return super().main(**call, standalone_mode=False)
        from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

        try:
            code = super().main(**call, standalone_mode=False)
        except NoArgsIsHelpError as help_shown:
            help_shown.show()
            sys.exit(help_shown.exit_code)
        except ClickException as error:
            typer.echo(_error_text(error.format_message()), err=True)
            context = error.ctx if isinstance(error, UsageError) else None
            if context is not None:
                typer.echo(f"Try '{context.command_path} -h' for help.", err=True)
            sys.exit(error.exit_code)
        sys.exit(code if isinstance(code, int) else int(ExitCode.OK))

    # ctx is typer's vendored click Context, which typer does not export: hence Any.
    def invoke(self, ctx: Any) -> Any:
        from recctl.project import forget_file_system

        allow_json_depth()
        forget_file_system()
        try:
            return super().invoke(ctx)
        except RecctlError as error:
            typer.echo(_error_text(str(error)), err=True)
            raise typer.Exit(int(error.exit_code)) from None
        except BrokenPipeError:
            quiet_stdout()
            raise typer.Exit(int(ExitCode.CLOSED_PIPE)) from None


# orjson parses documents nested up to 1024 levels; recctl's recursive walks (hashing, the
# id rewrite, rendering) take up to three frames a level. Python's default of 1000 frames
# would make such a file a traceback; since 3.11 these frames cost no C stack.
RECURSION_LIMIT = 8_000


def quiet_stdout() -> None:
    """After the reader closed the pipe: standard output goes nowhere, so that the flush at
    exit cannot fail a second time (and print a traceback about it)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def allow_json_depth() -> None:
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)


def _error_text(message: str) -> str:
    """``recctl: error: ...``, every line of it made safe (a message quotes paths and
    arguments, which anyone can name); later lines indented."""
    from recctl.output import visible

    first, *rest = message.split("\n")
    return "\n".join(
        [f"recctl: error: {visible(first)}", *(f"  {visible(line.strip())}" for line in rest)]
    )


def _version(value: bool) -> None:
    if value:
        typer.echo(f"recctl {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Show the version and exit.",
    ),
) -> None:
    """Validate, rehash, read, diff and prune LLM API recordings.

    Exit codes: 0 clean, 1 findings, 2 usage error, 130 interrupted.
    """


def build(command: str | None = None) -> typer.Typer:
    """The command line, with every command, or only ``command`` (the one a run invokes)."""
    app = typer.Typer(
        cls=RecctlGroup,
        name="recctl",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    modules = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else COMMAND_MODULES.values()
    for name in dict.fromkeys(modules):
        importlib.import_module(f"recctl.cli.{name}").register(app)
    return app


def __getattr__(name: str) -> Any:
    """``recctl.cli.app``: the whole command line, built when first asked for."""
    if name == "app":
        app = build()
        globals()["app"] = app
        return app
    raise AttributeError(name)


def main() -> int:
    """Console-script entry point."""
    arguments = sys.argv[1:]
    app = build(arguments[0] if arguments else None)
    try:
        app(prog_name="recctl")
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else int(ExitCode.USAGE))
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)
    return int(ExitCode.OK)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
