"""What every check returns: findings about files, never printed output."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    value_digest: str | None = field(default=None, compare=False, repr=False)
    """For a secret: SHA-256 of its value, never shown; the baseline keys it (with a salt of
    its own) so that another key at the same place is a new finding."""
    renames_to: str | None = field(default=None, compare=False, repr=False)
    """For a file a rename would repair: its new name, which another file may hold already
    (``check`` settles it against the files there, as ``rehash`` does)."""
    outdated: tuple[str, str] | None = field(default=None, compare=False, repr=False)
    """With ``renames_to``: the scheme the name is under and the verdict's detail, so that a
    run the cache answers words the finding again without reading the file."""
    count: int = 1
    """How many of one kind at one place this finding stands for (keys of one kind in one
    answer are one finding)."""


@dataclass
class FileResult:
    """The outcome of checking one file."""

    path: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def payload(self) -> list[list[Any]]:
        """The findings as the result cache keeps them (the path is the cache's key)."""
        return [
            [
                *(f.line, f.column, f.pointer, f.check, f.message, f.value_digest),
                *(f.renames_to, list(f.outdated) if f.outdated else None, f.count),
            ]
            for f in self.findings
        ]

    @classmethod
    def from_payload(cls, path: str | Path, payload: Any) -> FileResult | None:
        """A cached result named by the path given; None for a payload of the wrong shape
        (a cache is never trusted: that is a miss)."""
        if not isinstance(payload, list):
            return None
        display = str(path)
        if not payload:
            return cls(display)
        findings = []
        for item in payload:
            if not isinstance(item, list) or len(item) != 9:
                return None
            line, column, pointer, check, message, digest, renames_to, outdated, count = item
            if not (
                (line is None or type(line) is int)
                and (column is None or type(column) is int)
                and (pointer is None or isinstance(pointer, str))
                and isinstance(check, str)
                and isinstance(message, str)
                and (digest is None or isinstance(digest, str))
                and (renames_to is None or isinstance(renames_to, str))
                and type(count) is int
                and count >= 1
                and (
                    outdated is None
                    or (
                        isinstance(outdated, list)
                        and len(outdated) == 2
                        and all(isinstance(part, str) for part in outdated)
                    )
                )
            ):
                return None
            findings.append(
                Finding(
                    display,
                    *(line, column, pointer, check, message, digest, renames_to),
                    tuple(outdated) if outdated else None,
                    count,
                )
            )
        return cls(display, findings)


# The commands ``recctl fix --write`` runs, as advice names them (not with more options:
# ``rehash --write --include-mismatch`` is no fix's): a finding that advises one, fix repairs.
FIXED_BY_FIX = re.compile(r"recctl (?:normalize|rehash|redact) --write(?! --)")


def fixable(finding: Finding) -> bool:
    """Whether ``recctl fix --write`` repairs this finding (its advice names a command that
    fix runs; every finding's advice names what changes it)."""
    return FIXED_BY_FIX.search(finding.message) is not None


def per_check(findings: Iterable[Finding]) -> list[tuple[str, int, int]]:
    """(check, findings, of which fix repairs) for every check with findings, in CHECKS order."""
    counts: dict[str, list[int]] = {}
    for finding in findings:
        count = counts.setdefault(finding.check, [0, 0])
        count[0] += 1
        count[1] += fixable(finding)
    order = {check: index for index, check in enumerate(CHECKS)}
    return [
        (check, total, fixed)
        for check, (total, fixed) in sorted(counts.items(), key=lambda item: order.get(item[0], 9))
    ]


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
    quiet: bool = False
    """Findings only: no summary (``-q``)."""
    paths: list[str] = field(default_factory=list)
    """Every file checked, as named (the summary counts each kind)."""

    @classmethod
    def of(cls, results: Iterable[FileResult]) -> CheckReport:
        report = cls()
        for result in results:
            report.total += 1
            report.paths.append(result.path)
            if not result.ok:
                report.failed.append(result)
        return report

    def counted(self) -> str:
        """The files checked, by kind: "3 recordings", "2 recordings and 40 cassettes"."""
        from recctl.recorders import count_phrase

        if len(self.paths) != self.total:
            return f"{self.total} recording{'' if self.total == 1 else 's'}"
        return count_phrase(self.paths)

    def merge(self, other: CheckReport) -> None:
        """Add another run's results (of another project), keeping path order."""
        self.total += other.total
        self.paths += other.paths
        self.baselined += other.baselined
        self.baseline_gone += other.baseline_gone
        self.failed = sorted([*self.failed, *other.failed], key=lambda result: result.path)

    @property
    def findings(self) -> list[Finding]:
        return [finding for result in self.failed for finding in result.findings]

    @property
    def failed_files(self) -> int:
        return len(self.failed)
