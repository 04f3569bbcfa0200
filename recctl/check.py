"""``recctl check``.

It runs every per-file check on one parse of each file: the schema (as ``validate``),
the name against the target hash scheme (as ``rehash``), the recorder's normalization of ids
and timestamps, and secrets. Placement and staleness are ``prune``'s business.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from recctl.cache import ResultCache, cached_map, file_digest, settings_key
from recctl.config import NO_PATH_IGNORES, PathIgnores
from recctl.errors import UsageError
from recctl.findings import CHECKS, CheckReport, FileResult
from recctl.parallel import process_map

if TYPE_CHECKING:
    from recctl.hashing import HashScheme
    from recctl.verdicts import Verdict

__all__ = ["CHECKS", "CheckSettings", "check_paths", "selected_checks"]


def selected_checks(select: Iterable[str], ignore: Iterable[str]) -> frozenset[str]:
    """The checks to run: ``select`` (default all) minus ``ignore``; unknown names are errors."""
    chosen = [name.strip() for value in select for name in value.split(",") if name.strip()]
    dropped = [name.strip() for value in ignore for name in value.split(",") if name.strip()]
    unknown = sorted(set(chosen + dropped) - set(CHECKS))
    if unknown:
        raise UsageError(f"unknown check {', '.join(unknown)} (checks: {', '.join(CHECKS)})")
    return frozenset(chosen or CHECKS) - frozenset(dropped)


@dataclass(frozen=True)
class CheckSettings:
    checks: frozenset[str]
    target: str
    allowlist: frozenset[str]
    max_size: int
    schema: Path | None
    """The schema to validate against (None: the bundled one)."""
    salt: str | None = None
    """Keys the secrets' fingerprints (``secret-salt``)."""
    root: str = ""
    """The project root, which ``ignores`` globs are relative to."""
    ignores: PathIgnores = NO_PATH_IGNORES

    def checks_for(self, path: str | Path) -> frozenset[str]:
        """The checks to run on one file: the selected ones less its per-path ignores."""
        if not self.ignores:
            return self.checks
        return self.checks - self.ignores.ignored_for(path, self.root)

    def cache_key(self) -> str:
        """Everything in these settings that can change a verdict, digested."""
        from recctl.schema import Validators, schema_files

        validators = Validators(self.schema)
        return settings_key(
            "check",
            {
                "checks": sorted(self.checks),
                "target": self.target,
                "allowlist": sorted(self.allowlist),
                "max_size": self.max_size,
                "schema": [file_digest(validators.schema_path(name)) for name in schema_files()]
                if "schema" in self.checks
                else None,
                "salt": _digest(self.salt),
                "ignores": [[glob, sorted(checks)] for glob, _, checks in self.ignores.rules],
            },
        )


def _digest(text: str | None) -> str | None:
    import hashlib

    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


def check_paths(
    paths: Sequence[str | Path],
    settings: CheckSettings,
    jobs: int | None = None,
    cache: ResultCache | None = None,
) -> CheckReport:
    """Every selected check on every file, in path order; findings name files by the paths
    given. With a cache, files unchanged since it judged them are not read."""

    def run(misses: list[str | Path]) -> Iterator[FileResult]:
        from recctl.filecheck import check_item, init_worker

        return process_map(check_item, misses, jobs, init_worker, (settings, len(misses)))

    if cache is None:
        report = CheckReport.of(run(list(paths)))
    else:
        report = CheckReport.of(
            cached_map(paths, cache, FileResult.payload, FileResult.from_payload, run, save=False)
        )
    settle_renames(report, settings, cache)
    if cache is not None:
        cache.save()
    return report


def settle_renames(
    report: CheckReport, settings: CheckSettings, cache: ResultCache | None = None
) -> None:
    """Word the findings of files a rename would repair as ``rehash`` settles them: a file
    whose new name another file already holds (or another file of this run takes first) is
    a duplicate or a conflict, and its advice says so. A verdict on one file alone cannot
    know it; only the files whose new name is wanted twice or taken are read again, and
    with a ``cache``, only those whose answer it does not keep."""
    pending = [
        (result, index, os.path.join(os.path.dirname(result.path), finding.renames_to))
        for result in report.failed
        for index, finding in enumerate(result.findings)
        if finding.renames_to is not None
    ]
    wanted = Counter(new_path for _, _, new_path in pending)
    taken = [
        (result, index)
        for result, index, new_path in pending
        if wanted[new_path] > 1 or os.path.lexists(new_path)
    ]
    if not taken:
        return
    from recctl import verdicts as naming
    from recctl.hashing import SCHEMES
    from recctl.renames import Settlements, settle

    target = SCHEMES[settings.target]
    verdicts = [_verdict(result, index, target, settings.max_size) for result, index in taken]
    renames = settle(verdicts, target, Path(settings.root or os.sep), Settlements.of(cache))
    for (result, index), verdict in zip(taken, verdicts, strict=True):
        rename = renames.get(verdict.path)
        message = naming.naming_message(
            verdict, naming.word_of(verdict, rename), settings.target, rename
        )
        result.findings[index] = replace(result.findings[index], message=message)


def _verdict(result: FileResult, index: int, target: HashScheme, max_size: int) -> Verdict:
    """The rename verdict a finding stands for: from the finding, as the check (or the
    cache) left it, else from the file again."""
    from recctl import verdicts

    finding = result.findings[index]
    if finding.outdated is None or finding.renames_to is None:
        return verdicts.classify_file(result.path, result.path, target, max_size)
    scheme, detail = finding.outdated
    name = os.path.basename(result.path)
    expected = finding.renames_to
    return verdicts.Verdict(result.path, "outdated", scheme, expected, name, detail, "rename")
