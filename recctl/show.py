"""``recctl show`` and ``recctl ls``: find fixtures by path or hash, reassemble every
interaction's answer, summarize."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from recctl import masking, recorders, store
from recctl.discovery import (
    display_path,
    find_fixture_names,
    fixture_dirs_below,
    in_fixture_folder,
    walk_fixtures,
)
from recctl.errors import NotFoundError, UsageError
from recctl.formats import Reassembled, reassemble
from recctl.hashing.names import parse_name
from recctl.parallel import process_map
from recctl.project import Project
from recctl.urls import url_host, url_path

# ``PATH:N``: one interaction of a file (0-based).
_INTERACTION_REF = re.compile(r"^(.+):(\d+)$")
Ref = tuple[str, int | None]
"""A file to show, and the one interaction of it to show (None: every one)."""
# A hash, a unique prefix of one, or a model listing's: models-<hash>-<digest>, any prefix of
# the hash, then optionally of the digest.
_HEX_REF = re.compile(r"^(?:models-)?([0-9a-f]{4,64})(?:-([0-9a-f]{1,8}))?$")
MIN_PREFIX = 4


def recording_id(file_name: str) -> str:
    """What tells a recording apart by name: its hash, and a model listing's digest too
    (replay merges every listing of one hash, so many files share it)."""
    name = parse_name(file_name)
    if name.hash is None:
        return name.stem
    return f"{name.hash}-{name.digest}" if name.models and name.digest else name.hash


def _matches(file_name: str, hash_prefix: str, digest_prefix: str | None) -> bool:
    """Whether a reference's hash (and digest) prefixes name this file. A bare prefix of up
    to 8 hex digits may also be a model listing's digest."""
    name = parse_name(file_name)
    if name.hash is None:
        return digest_prefix is None and name.stem.startswith(hash_prefix)
    listing_digest = name.digest if name.models else None
    if digest_prefix is not None:
        return (
            listing_digest is not None
            and name.hash.startswith(hash_prefix)
            and listing_digest.startswith(digest_prefix)
        )
    if name.hash.startswith(hash_prefix):
        return True
    return (
        listing_digest is not None
        and len(hash_prefix) <= 8
        and (listing_digest.startswith(hash_prefix))
    )


def _name_hash(file_name: str) -> str:
    """The hash a file is named by, else its stem (so any name can be looked up)."""
    return parse_name(file_name).hash or file_name.removesuffix(".json")


def split_ref(ref: str, cwd: Path) -> Ref:
    """``PATH:N`` as (PATH, N) when PATH exists and the whole does not; else (ref, None)."""
    match = _INTERACTION_REF.match(ref)
    if match and not os.path.lexists(os.path.join(cwd, ref)):
        path = match.group(1)
        if os.path.lexists(os.path.join(cwd, path)):
            return path, int(match.group(2))
    return ref, None


def looks_like_path(ref: str, cwd: Path) -> bool:
    """Whether a ``show`` reference names a file or directory rather than a hash."""
    ref = split_ref(ref, cwd)[0]
    return (
        os.path.lexists(os.path.join(cwd, ref))
        or os.sep in ref
        or ref.endswith(".json")
        or ref in (".", "..")
        or not _HEX_REF.match(ref)
    )


def _search_dirs(project: Project, cwd: Path) -> Iterator[list[str]]:
    """Where hashes are looked up, nearest first: the recordings folder the user stands in,
    then the project's configured paths, else every recordings folder in the project."""
    here = os.path.abspath(cwd)
    if in_fixture_folder(here):
        yield [here]
    if project.config.paths:
        yield [str(path) for path in project.config.paths]
    else:
        yield fixture_dirs_below(str(project.root), "hash")


def resolve_refs(refs: Sequence[str], project: Project, cwd: Path) -> list[Ref]:
    """Files named by paths (``PATH:N`` for one interaction of a file), full hashes or
    unique hash prefixes (at least 4 hex digits).

    Hashes are looked up by file name (no other file is parsed), in the recordings folder
    the user stands in first, then across the project. A path is read wherever it lies.
    """
    found: dict[Ref, None] = {}
    for ref in refs:
        if re.fullmatch(r"[0-9a-f]{1,3}", ref):
            raise UsageError(f"{ref}: a hash prefix needs at least {MIN_PREFIX} hex digits")
        if looks_like_path(ref, cwd):
            path, index = split_ref(ref, cwd)
            # Strings, not Path objects: a directory of 100,000 files is shown in one run.
            names = find_fixture_names([path], project, cwd, "show")
            found.update(dict.fromkeys((name, index) for name in names))
            continue
        parsed = _HEX_REF.match(ref)
        assert parsed is not None  # looks_like_path took everything else
        prefix, digest = parsed.group(1), parsed.group(2)
        matches: list[str] = []
        for directories in _search_dirs(project, cwd):
            names = [path for root in directories for path in walk_fixtures(root, "hash")]
            matches = sorted(
                path for path in names if _matches(os.path.basename(path), prefix, digest)
            )
            if matches:
                break
        if not matches:
            raise NotFoundError(f"{ref}: no recording with that hash")
        if len(matches) > 1:
            listed = "\n  ".join(
                f"{recording_id(os.path.basename(path))}  {display_path(path, cwd)}"
                for path in matches[:20]
            )
            more = f"\n  ... and {len(matches) - 20} more" if len(matches) > 20 else ""
            raise UsageError(
                f"{ref} is ambiguous; it names {len(matches)} recordings:\n  {listed}{more}"
            )
        found.setdefault((matches[0], None), None)
    return sorted(found, key=lambda ref: (ref[0], -1 if ref[1] is None else ref[1]))


@dataclass
class Shown:
    """One interaction (a recording, or one request of a cassette) as ``show`` presents it."""

    path: str
    hash: str | None
    test_id: str | None
    endpoint: str | None
    model: str | None
    provider: str | None
    streaming: bool
    size: int
    answer: Reassembled
    id: str | None = None
    """What addresses it (``recording_id``): the hash, and a model listing's digest; for
    an interaction of a cassette, ``NAME:N``."""
    request: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    interaction: int = 0
    """Its place among the file's interactions (0-based)."""
    interactions: int = 1
    """How many the file holds."""

    def record(self) -> dict[str, Any]:
        """The ``--format json`` line."""
        answer = self.answer
        return {
            "path": self.path,
            "interaction": self.interaction,
            "hash": self.hash,
            "id": self.id,
            "test_id": self.test_id,
            "endpoint": self.endpoint,
            "model": self.model,
            "format": answer.format,
            "streaming": self.streaming,
            "chunks": answer.chunks,
            "text": answer.text,
            "reasoning": answer.reasoning,
            "refusal": answer.refusal,
            "tool_calls": [asdict(call) for call in answer.tool_calls],
            "finish_reason": answer.finish_reason,
            "stop_kind": answer.stop_kind,
            # Every choice when there are several (n > 1); the fields above are the first's.
            "choices": [
                {**asdict(choice), "tool_calls": [asdict(call) for call in choice.tool_calls]}
                for choice in answer.choices
            ],
            "usage": asdict(answer.usage),
            "error": answer.error,
        }


def describe(
    data: Any, display: str, name: str, size: int, test_id: Any = None, hash_named: bool = True
) -> Shown:
    """One interaction's view (what formats read) as ``show`` presents it; ``name``: the
    file's name, which addresses a hash-named recording."""
    data = data if isinstance(data, dict) else {}
    request = data.get("request") if isinstance(data.get("request"), dict) else {}
    assert isinstance(request, dict)
    answer = reassemble(data)
    url = request.get("url")
    endpoint = request.get("endpoint") or (url_path(url) if isinstance(url, str) else None)
    if endpoint is None and "tool_name" in request:
        endpoint = f"tool:{request['tool_name']}"
    model = request.get("model") or _body_model(request) or answer.model
    provider = _provider(request, url)
    response = data.get("response") if isinstance(data.get("response"), dict) else {}
    assert isinstance(response, dict)
    return Shown(
        path=display,
        hash=(_name_hash(name) or None) if hash_named else None,
        id=recording_id(name) if hash_named else None,
        test_id=_text(test_id or data.get("test_id") or request.get("test_id")),
        endpoint=_text(endpoint),
        model=model if isinstance(model, str) else None,
        provider=provider if isinstance(provider, str) else None,
        streaming=bool(response.get("is_streaming")),
        size=size,
        answer=answer,
        request=request,
        body=response.get("body"),
    )


def _provider(request: dict[str, Any], url: Any) -> str | None:
    """The host the request went to, else what the recorder says the provider was (Vertex AI
    calls have a ``vertexai:///`` url and ``provider_metadata``)."""
    host = url_host(url) if isinstance(url, str) else None
    metadata = request.get("provider_metadata")
    for value in (
        host,
        metadata.get("provider") if isinstance(metadata, dict) else None,
        request.get("provider"),
    ):
        if isinstance(value, str) and value:
            return value
    return None


def _text(value: Any) -> str | None:
    """A field shown as text, whatever a broken recording put there."""
    return None if value is None else value if isinstance(value, str) else str(value)


def _body_model(request: dict[str, Any]) -> Any:
    for key in ("body", "payload"):
        body = request.get(key)
        if isinstance(body, dict) and isinstance(body.get("model"), str):
            return body["model"]
    return None


def shown_of(fixture: recorders.Fixture, display: str, reveal: bool = False) -> list[Shown]:
    """Every interaction of a fixture as ``show`` presents it, secrets masked unless
    ``reveal``; LoadError for a file that holds no recording."""
    recorder = fixture.recorder
    interactions = fixture.interactions
    problem = recorder.no_interactions(fixture)
    if problem is not None:
        raise store.LoadError(problem)
    masker = None if reveal else masking.Masker.of(recorder.secrets(fixture, None))
    hash_named = recorder.hash_named
    test = recorder.test_name(fixture)
    stem = fixture.name.split(".", 1)[0] if not hash_named else fixture.name
    shown = []
    for item in interactions:
        view = masker.data(dict(item.view)) if masker else item.view
        one = describe(view, display, fixture.name, len(fixture.raw), test, hash_named)
        one.interaction, one.interactions = item.index, len(interactions)
        if not hash_named:
            one.id = f"{stem}:{item.index}"
        if item.problem is not None and one.answer.error is None:
            one.answer.error = item.problem[1]
        shown.append(one)
    return shown


def load_shown(
    path: str | Path, max_size: int, reveal: bool = False, index: int | None = None
) -> list[Shown]:
    """The interactions of one file (only the ``index``-th when given) as ``show`` presents
    them, secrets masked unless ``reveal``; LoadError for a file that cannot be read, holds
    no recording, or has no such interaction."""
    fixture = recorders.load(path, max_size)
    shown = shown_of(fixture, str(path), reveal)
    if index is None:
        return shown
    if index >= len(shown):
        raise store.LoadError(
            f"no interaction {index}: the {fixture.recorder.noun} holds {len(shown)} "
            f"(0 to {len(shown) - 1})"
            if shown
            else f"no interaction {index}: the {fixture.recorder.noun} holds none"
        )
    return [shown[index]]


def raw_view(path: str | Path, max_size: int, reveal: bool = False) -> bytes:
    """The file's bytes as ``show --raw`` prints them (a gzipped cassette decompressed):
    secrets masked unless ``reveal``."""
    raw = store.read_bytes(path, max_size)
    try:
        fixture = recorders.recorder_for(path, raw).load(path, raw, max_size)
    except store.LoadError:
        # A file no recorder reads is printed as it is, every shaped key in it masked.
        return raw if reveal else masking.masker_for(raw, None).raw(raw)
    recorder = fixture.recorder
    return recorder.readable(
        fixture, None if reveal else masking.Masker.of(recorder.secrets(fixture, None))
    )


# --- whole-corpus runs: small results from worker processes ---------------------------------


@dataclass(frozen=True)
class Part:
    """One interaction of a file, as ``ls --summary`` groups it."""

    test_id: str | None
    endpoint: str | None
    model: str | None
    provider: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None

    @classmethod
    def of(cls, shown: Shown) -> Part:
        usage = shown.answer.usage
        return cls(
            shown.test_id,
            shown.endpoint,
            shown.model,
            shown.provider,
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens,
        )

    @classmethod
    def of_entry(cls, entry: Entry) -> Part:
        """A file that could not be read: one part, without usage."""
        return cls(entry.test_id, entry.endpoint, entry.model, entry.provider, None, None, None)


@dataclass(frozen=True)
class Entry:
    """A file summed up in a line (a cassette: all its interactions), or the reason it
    could not be read."""

    path: str
    hash: str | None
    test_id: str | None
    endpoint: str | None
    model: str | None
    provider: str | None
    streaming: bool
    size: int
    chunks: int | None
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None
    error: str | None = None
    records: tuple[dict[str, Any], ...] | None = None
    """``show --format json``'s objects, one per interaction."""
    id: str | None = None
    """What addresses the recording (``recording_id``)."""
    interactions: int = 1
    models: tuple[str, ...] = ()
    """Every model of the file's interactions, first seen first (``model`` is the first)."""
    providers: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()
    parts: tuple[Part, ...] = ()
    """Every interaction, as the summary groups them."""

    @classmethod
    def failed(cls, path: str, error: str) -> Entry:
        """A file that could not be read as a recording, and why."""
        return cls(path, None, None, None, None, None, False, 0, None, None, None, None, error)

    @classmethod
    def of(cls, shown: Sequence[Shown], with_record: bool) -> Entry:
        first = shown[0]

        def distinct(values: Iterable[str | None]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(value for value in values if value))

        def summed(name: str) -> int | None:
            counts = [getattr(one.answer.usage, name) for one in shown]
            reported = [count for count in counts if count is not None]
            return sum(reported) if reported else None

        chunks = [one.answer.chunks for one in shown if one.answer.chunks is not None]
        models = distinct(one.model for one in shown)
        providers = distinct(one.provider for one in shown)
        endpoints = distinct(one.endpoint for one in shown)
        return cls(
            first.path,
            first.hash,
            first.test_id,
            endpoints[0] if endpoints else None,
            models[0] if models else None,
            providers[0] if providers else None,
            any(one.streaming for one in shown),
            first.size,
            sum(chunks) if chunks else None,
            summed("prompt_tokens"),
            summed("completion_tokens"),
            summed("total_tokens"),
            records=tuple(one.record() for one in shown) if with_record else None,
            # A cassette is addressed by its name; its interactions by NAME:N.
            id=first.id if first.hash else (first.id or "").rsplit(":", 1)[0] or None,
            interactions=len(shown),
            models=models,
            providers=providers,
            endpoints=endpoints,
            parts=tuple(Part.of(one) for one in shown),
        )


_worker: dict[str, Any] = {}


def _init(max_size: int, with_record: bool) -> None:
    _worker.update(max_size=max_size, with_record=with_record)


def _entry(ref: Ref | str | Path) -> Entry | None:
    path, index = ref if isinstance(ref, tuple) else (ref, None)
    display = str(path)
    try:
        shown = load_shown(path, _worker["max_size"], index=index)
    except recorders.NotARecording:
        return None  # another tool's file in a fixture folder: not listed
    except store.LoadError as error:
        return Entry.failed(display, error.message)
    if not shown:
        return Entry(
            display,
            None,
            None,
            None,
            None,
            None,
            False,
            0,
            None,
            None,
            None,
            None,
            records=() if _worker["with_record"] else None,
            interactions=0,
        )
    return Entry.of(shown, _worker["with_record"])


def entries(
    paths: Sequence[Ref | str | Path], max_size: int, jobs: int | None, with_record: bool = False
) -> Iterator[Entry]:
    """A summary line of every file, in path order, named by the path given; files of no
    recorder (a project's own data beside its cassettes) are left out."""
    for entry in process_map(_entry, paths, jobs, _init, (max_size, with_record)):
        if entry is not None:
            yield entry


@dataclass(frozen=True)
class Filters:
    test: str | None = None
    model: str | None = None
    endpoint: str | None = None
    provider: str | None = None

    def keep(self, entry: Entry) -> bool:
        """Whether the file matches every filter (a cassette: any of its interactions)."""
        checks = (
            (self.test, (entry.test_id,)),
            (self.model, entry.models or (entry.model,)),
            (self.endpoint, entry.endpoints or (entry.endpoint,)),
            (self.provider, entry.providers or (entry.provider,)),
        )
        return all(
            pattern is None
            or any(value is not None and fnmatch.fnmatchcase(value, pattern) for value in values)
            for pattern, values in checks
        )


GROUPS = ("model", "provider", "endpoint", "test")


def group_key(part: Part, by: str) -> str:
    if by == "test":
        return (part.test_id or "(no test)").split("::", 1)[0]
    value = getattr(part, by)
    return value if isinstance(value, str) and value else f"(no {by})"


TOKEN_FIELDS = ("prompt_tokens", "completion_tokens", "total_tokens")


@dataclass
class Group:
    """Totals of one group. ``recordings``: the files whose first interaction is in it;
    ``interactions``: every interaction in it (a recording is one). A token total is None
    when no interaction of the group reported that count (never an invented 0);
    ``reported`` says how many reported any usage."""

    key: str
    recordings: int = 0
    bytes: int = 0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    reported: int = 0
    interactions: int = 0

    def add(self, part: Part, size: int | None) -> None:
        """One interaction; ``size``: its file's, for the file's first interaction."""
        if size is not None:
            self.recordings += 1
            self.bytes += size
        self.interactions += 1
        counted = False
        for name in TOKEN_FIELDS:
            value = getattr(part, name)
            if value is not None:
                setattr(self, name, (getattr(self, name) or 0) + value)
                counted = True
        self.reported += counted

    def merge(self, other: Group) -> None:
        self.recordings += other.recordings
        self.interactions += other.interactions
        self.bytes += other.bytes
        self.reported += other.reported
        for name in TOKEN_FIELDS:
            value = getattr(other, name)
            if value is not None:
                setattr(self, name, (getattr(self, name) or 0) + value)


def total(groups: Sequence[Group]) -> Group:
    """The grand total of every group."""
    whole = Group("(total)")
    for group in groups:
        whole.merge(group)
    return whole


def summarize(items: Iterable[Entry], by: str) -> list[Group]:
    """Totals per group, heaviest first: the entries are folded in as they come."""
    if by not in GROUPS:
        raise UsageError(f"--by takes one of {', '.join(GROUPS)}")
    groups: dict[str, Group] = {}
    for entry in items:
        for index, part in enumerate(entry.parts or (Part.of_entry(entry),)):
            key = group_key(part, by)
            groups.setdefault(key, Group(key)).add(part, entry.size if index == 0 else None)
    return sorted(groups.values(), key=lambda group: (-group.bytes, group.key))
