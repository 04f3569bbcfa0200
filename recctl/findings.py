"""What every check returns: findings about files, never printed output."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """One problem in one file, located as precisely as the check can."""

    path: str
    line: int | None
    column: int | None
    pointer: str | None
    check: str
    message: str


@dataclass
class FileResult:
    """The outcome of checking one file."""

    path: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass
class CheckReport:
    """The outcome of a run over many files, in path order."""

    files: list[FileResult] = field(default_factory=list)
    clean_word: str = "valid"
    """How the text summary calls a file without findings."""

    @property
    def findings(self) -> list[Finding]:
        return [finding for result in self.files for finding in result.findings]

    @property
    def failed_files(self) -> int:
        return sum(not result.ok for result in self.files)
