"""Exit codes and the errors that map to them: the one place that decides how recctl exits."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What the process tells its caller (a shell, CI, pre-commit)."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    INTERRUPTED = 130
    CLOSED_PIPE = 141
    """The reader of the output went away (``recctl ls | head -1``): 128 + SIGPIPE, as a
    process the signal ended reports, never the findings code."""


class RecctlError(Exception):
    """An error the user can act on; shown as one line, never as a traceback."""

    exit_code: ExitCode = ExitCode.USAGE


class UsageError(RecctlError):
    """Bad options, paths, configuration or references."""

    exit_code = ExitCode.USAGE


class NotFoundError(RecctlError):
    """A reference that names nothing (``recctl show`` of an unknown hash)."""

    exit_code = ExitCode.FINDINGS


class NotARecordingError(RecctlError):
    """Input that is neither a recording nor a request: a finding, not a usage error."""

    exit_code = ExitCode.FINDINGS
