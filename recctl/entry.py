"""The console script's entry point: ``recctl --version`` answers before the command line
framework and the commands are imported (a quarter of the start-up they cost)."""

import sys


def main() -> int:
    if sys.argv[1:] == ["--version"]:
        from recctl import __version__

        try:
            sys.stdout.write(f"recctl {__version__}\n")
            sys.stdout.flush()
        except BrokenPipeError:
            return 0
        return 0
    from recctl.cli import main as run

    return run()
