"""The console script's entry point: ``recctl --version`` answers before the command line
framework and the commands are imported, which are most of a run's start-up (bench/cold.py:
35 ms against 169 ms)."""

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
