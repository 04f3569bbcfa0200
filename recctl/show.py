"""``recctl show`` and ``recctl ls``: find recordings by hash, reassemble, summarize."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from recctl import secrets, store
from recctl.discovery import (
    display_path,
    find_recording_names,
    recordings_dirs_below,
    under_recordings,
    walk_recordings,
)
from recctl.errors import NotFoundError, UsageError
from recctl.formats import Reassembled, reassemble
from recctl.hashing.names import parse_name
from recctl.parallel import process_map
from recctl.project import Project
from recctl.urls import url_host, url_path

NOT_A_RECORDING = "not a recording: no request and response objects"
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


def looks_like_path(ref: str, cwd: Path) -> bool:
    """Whether a ``show`` reference names a file or directory rather than a hash."""
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
    if under_recordings(here):
        yield [here]
    if project.config.paths:
        yield [str(path) for path in project.config.paths]
    else:
        yield recordings_dirs_below(str(project.root))


def resolve_refs(refs: Sequence[str], project: Project, cwd: Path) -> list[str]:
    """Files named by paths, full hashes or unique hash prefixes (at least 4 hex digits).

    Hashes are looked up by file name (no other file is parsed), in the recordings folder
    the user stands in first, then across the project. A path is read wherever it lies.
    """
    found: dict[str, None] = {}
    for ref in refs:
        if re.fullmatch(r"[0-9a-f]{1,3}", ref):
            raise UsageError(f"{ref}: a hash prefix needs at least {MIN_PREFIX} hex digits")
        if looks_like_path(ref, cwd):
            # Strings, not Path objects: a directory of 100,000 files is shown in one run.
            found.update(dict.fromkeys(find_recording_names([ref], project, cwd)))
            continue
        parsed = _HEX_REF.match(ref)
        assert parsed is not None  # looks_like_path took everything else
        prefix, digest = parsed.group(1), parsed.group(2)
        matches: list[str] = []
        for directories in _search_dirs(project, cwd):
            names = [path for root in directories for path in walk_recordings(root)]
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
        found.setdefault(matches[0], None)
    return sorted(found)


@dataclass
class Shown:
    """One recording as ``show`` presents it."""

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
    """What addresses it (``recording_id``): the hash, and a model listing's digest."""
    request: dict[str, Any] = field(default_factory=dict)
    body: Any = None

    def record(self) -> dict[str, Any]:
        """The ``--format json`` line."""
        answer = self.answer
        return {
            "path": self.path,
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


def describe(recording: store.Recording, display: str) -> Shown:
    data = recording.data if isinstance(recording.data, dict) else {}
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
        hash=_name_hash(recording.name) or None,
        id=recording_id(recording.name),
        test_id=_text(data.get("test_id") or request.get("test_id")),
        endpoint=_text(endpoint),
        model=model if isinstance(model, str) else None,
        provider=provider if isinstance(provider, str) else None,
        streaming=bool(response.get("is_streaming")),
        size=len(recording.raw),
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


def is_recording(data: Any) -> bool:
    """Whether a parsed document is a recording at all: a request and a response."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("request"), dict)
        and isinstance(data.get("response"), dict)
    )


def _text(value: Any) -> str | None:
    """A field shown as text, whatever a broken recording put there."""
    return None if value is None else value if isinstance(value, str) else str(value)


def _body_model(request: dict[str, Any]) -> Any:
    for key in ("body", "payload"):
        body = request.get(key)
        if isinstance(body, dict) and isinstance(body.get("model"), str):
            return body["model"]
    return None


def masked(recording: store.Recording) -> store.Recording:
    """The recording with every secret the scan finds masked: what show and ls present."""
    masker = secrets.masker_for(recording.raw, recording.data)
    if not masker:
        return recording
    return store.Recording(recording.path, recording.raw, masker.data(recording.data))


def load_shown(path: str | Path, max_size: int, reveal: bool = False) -> Shown:
    """One recording as ``show`` presents it, secrets masked unless ``reveal``; a file that
    cannot be read, or is no recording, raises LoadError."""
    recording = store.load(path, max_size)
    if not is_recording(recording.data):
        raise store.LoadError(NOT_A_RECORDING)
    return describe(recording if reveal else masked(recording), str(path))


def raw_view(path: str | Path, max_size: int, reveal: bool = False) -> bytes:
    """The file's bytes as ``show --raw`` prints them: secrets masked unless ``reveal``."""
    raw = store.read_bytes(path, max_size)
    if reveal:
        return raw
    try:
        data = store.parse(raw)
    except store.LoadError:
        data = None
    return secrets.masker_for(raw, data).raw(raw)


# --- whole-corpus runs: small results from worker processes ---------------------------------


@dataclass(frozen=True)
class Entry:
    """A recording summed up in a line, or the reason it could not be read."""

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
    record: dict[str, Any] | None = None
    id: str | None = None
    """What addresses the recording (``recording_id``)."""

    @classmethod
    def failed(cls, path: str, error: str) -> Entry:
        """A file that could not be read as a recording, and why."""
        return cls(path, None, None, None, None, None, False, 0, None, None, None, None, error)

    @classmethod
    def of(cls, shown: Shown, with_record: bool) -> Entry:
        usage = shown.answer.usage
        return cls(
            shown.path,
            shown.hash,
            shown.test_id,
            shown.endpoint,
            shown.model,
            shown.provider,
            shown.streaming,
            shown.size,
            shown.answer.chunks,
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens,
            record=shown.record() if with_record else None,
            id=shown.id,
        )


_worker: dict[str, Any] = {}


def _init(max_size: int, with_record: bool) -> None:
    _worker.update(max_size=max_size, with_record=with_record)


def _entry(path: str | Path) -> Entry:
    display = str(path)
    try:
        recording = store.load(path, _worker["max_size"])
    except store.LoadError as error:
        return Entry.failed(display, error.message)
    if not is_recording(recording.data):
        return Entry.failed(display, NOT_A_RECORDING)
    return Entry.of(describe(masked(recording), display), _worker["with_record"])


def entries(
    paths: Sequence[str | Path], max_size: int, jobs: int | None, with_record: bool = False
) -> Iterator[Entry]:
    """A summary line of every file, in path order, named by the path given."""
    yield from process_map(_entry, paths, jobs, _init, (max_size, with_record))


@dataclass(frozen=True)
class Filters:
    test: str | None = None
    model: str | None = None
    endpoint: str | None = None
    provider: str | None = None

    def keep(self, entry: Entry) -> bool:
        checks = (
            (self.test, entry.test_id),
            (self.model, entry.model),
            (self.endpoint, entry.endpoint),
            (self.provider, entry.provider),
        )
        return all(
            pattern is None or (value is not None and fnmatch.fnmatchcase(value, pattern))
            for pattern, value in checks
        )


GROUPS = ("model", "provider", "endpoint", "test")


def group_key(entry: Entry, by: str) -> str:
    if by == "test":
        return (entry.test_id or "(no test)").split("::", 1)[0]
    value = getattr(entry, by)
    return value if isinstance(value, str) and value else f"(no {by})"


TOKEN_FIELDS = ("prompt_tokens", "completion_tokens", "total_tokens")


@dataclass
class Group:
    """Totals of one group. A token total is None when no recording of the group reported
    that count (never an invented 0); ``reported`` says how many reported any usage."""

    key: str
    recordings: int = 0
    bytes: int = 0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    reported: int = 0

    def add(self, entry: Entry) -> None:
        self.recordings += 1
        self.bytes += entry.size
        counted = False
        for name in TOKEN_FIELDS:
            value = getattr(entry, name)
            if value is not None:
                setattr(self, name, (getattr(self, name) or 0) + value)
                counted = True
        self.reported += counted

    def merge(self, other: Group) -> None:
        self.recordings += other.recordings
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
        key = group_key(entry, by)
        groups.setdefault(key, Group(key)).add(entry)
    return sorted(groups.values(), key=lambda group: (-group.bytes, group.key))
