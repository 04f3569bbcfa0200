"""The console script's entry point: ``recctl --version`` answers before the command line
framework and the commands are imported, which are most of a run's start-up (bench/cold.py:
35 ms against 169 ms)."""

import gc
import sys


def main() -> int:
    # A run is short, and what it allocates mostly lives to its end (modules, classes, the
    # command line, a result cache's entries): the cyclic collector's passes over them free
    # nothing. At the default threshold they cost 7-14 ms of every run; at 50,000, a warm
    # check of 10,660 recordings still made one pass of 7-10 ms over its cache; at 200,000,
    # none. Passes are made rarer, not stopped: a command that makes cycles still has them
    # freed.
    gc.set_threshold(200_000, 10, 10)
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
