"""``check --changed``: the recordings git reports as changed, added or untracked since a
base revision (by default the merge base with the default branch, what a pull request
changes), so that a check of a pull request reads its files and no others."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from recctl.discovery import default_paths, in_fixture_folder
from recctl.errors import UsageError
from recctl.git import default_branch, git, revision
from recctl.project import Project, missing_path

WHY = "check --changed asks git what changed"


def base_revision(project: Project, base: str | None) -> str:
    """``base``, else the merge base of HEAD and the default branch."""
    if base is not None:
        return revision(base, "--base")
    branch = default_branch(project.root, WHY)
    if branch is None:
        raise UsageError(
            "check --changed: no default branch (origin/HEAD, main, master): pass --base REV"
        )
    merge_base = ["merge-base", "--end-of-options", "HEAD", branch]
    return git(merge_base, project.root, why=WHY).decode().strip()


def changed_recordings(
    project: Project, named: Sequence[str], base: str | None, cwd: Path
) -> list[str]:
    """The recordings below ``named`` (or the default paths) that differ from the base: in
    commits since it, in the index, in the work tree, or untracked. Deleted ones are gone,
    so not checked."""
    base_rev = base_revision(project, base)
    top = Path(git(["rev-parse", "--show-toplevel"], project.root, why=WHY).decode().strip())
    since = ["diff", "--name-only", "--no-renames", "-z", "--end-of-options", base_rev, "--"]
    changed = git(since, top, why=WHY)
    untracked = git(["ls-files", "--others", "--exclude-standard", "-z"], top, why=WHY)
    roots = [os.path.abspath(os.path.join(cwd, arg)) for arg in named]
    for arg, root in zip(named, roots, strict=True):
        if not os.path.lexists(root):
            raise missing_path(arg)
    roots = [os.path.realpath(root) for root in (roots or default_paths(project, cwd))]
    found = set()
    for name in (changed + b"\0" + untracked).split(b"\0"):
        if not name.endswith(b".json"):
            continue
        path = os.path.join(str(top), os.fsdecode(name))
        if not os.path.isfile(path) or not in_fixture_folder(path):
            continue
        if any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots):
            found.add(path)
    return sorted(found)
