"""What every check returns: findings about files, never printed output."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

CHECKS = ("schema", "hash", "normalization", "secret")
"""Every per-file check, in the order ``check`` runs them."""


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
    """The outcome of a run over many files: how many, and those with findings, in path
    order. Clean files are only counted, so a run over 100,000 files stays small."""

    failed: list[FileResult] = field(default_factory=list)
    total: int = 0
    clean_word: str = "valid"
    """How the text summary calls a file without findings."""
    baselined: int = 0
    """Findings left out because the baseline holds them."""
    baseline_gone: int = 0
    """Baseline entries of the files checked that no longer occur."""

    @classmethod
    def of(cls, results: Iterable[FileResult]) -> CheckReport:
        report = cls()
        for result in results:
            report.total += 1
            if not result.ok:
                report.failed.append(result)
        return report

    def merge(self, other: CheckReport) -> None:
        """Add another run's results (of another project), keeping path order."""
        self.total += other.total
        self.baselined += other.baselined
        self.baseline_gone += other.baseline_gone
        self.failed = sorted([*self.failed, *other.failed], key=lambda result: result.path)

    @property
    def findings(self) -> list[Finding]:
        return [finding for result in self.failed for finding in result.findings]

    @property
    def failed_files(self) -> int:
        return len(self.failed)
