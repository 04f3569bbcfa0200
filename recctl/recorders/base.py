"""The common model every recorder loads its files into, and what a recorder must say.

A fixture is one file; it holds one or more interactions, each a request and its answer.
Provider formats read an interaction's ``view``: the request (method, url, parsed body) and
the answer decoded (a parsed body, or a stream's events), the same shape whichever recorder
wrote the file. Commands work on fixtures and ask the recorder for anything that depends on
the file format: its schema, where a value stands in the file, its secrets, its bytes after
a redaction.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from recctl.files import LoadError

if TYPE_CHECKING:
    from recctl.masking import Masker
    from recctl.secrets import Secret

Position = tuple[int | None, int | None]


class NotARecording(LoadError):
    """A file in a fixture folder that no recorder writes (a project's own data file)."""


@dataclass(frozen=True)
class Interaction:
    """One request and its recorded answer."""

    index: int
    pointer: str
    """Where the interaction stands in the file ("" for a one-request file)."""
    view: Mapping[str, Any]
    """What provider formats read: ``{"request": {...}, "response": {"body", "is_streaming",
    "status"}}``."""
    problem: tuple[str, str] | None = None
    """(pointer, message) of a body that could not be decoded."""


@dataclass
class Fixture:
    """One recorded file, parsed once: every check and view is taken from this."""

    path: str | Path
    raw: bytes
    data: Any
    recorder: Recorder
    source: Any = None
    """The recorder's own parse result (positions, text), when it keeps one."""
    _interactions: list[Interaction] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    @property
    def interactions(self) -> list[Interaction]:
        """The file's interactions, decoded on first use."""
        if self._interactions is None:
            self._interactions = self.recorder.interactions(self)
        return self._interactions


class Recorder(ABC):
    """A recording tool's file format: which files are its own, how to read one into the
    common model, where values stand in it, and how to write it back."""

    name: ClassVar[str]
    """How configuration and output name it: ``llama-stack``, ``vcr``."""
    noun: ClassVar[str]
    """What one file is called: recording, cassette."""
    folder: ClassVar[str]
    """The folder name discovery looks for."""
    checks: ClassVar[frozenset[str]]
    """The checks of ``recctl check`` that apply to its files."""
    schema_file: ClassVar[str]
    commands: ClassVar[frozenset[str]]
    """The commands that work on its files."""
    hash_named: ClassVar[bool]
    """Whether its files are named by the hash of their request (else by their test)."""

    @abstractmethod
    def owns_name(self, name: str) -> bool:
        """Whether a file of this name inside its folder is a candidate."""

    @abstractmethod
    def load(self, path: str | Path, raw: bytes, max_size: int, exact: bool = False) -> Fixture:
        """Parse one file's bytes (``exact``: every number as written, for writers);
        LoadError when they cannot be, NotARecording when they are some other tool's data."""

    @abstractmethod
    def interactions(self, fixture: Fixture) -> list[Interaction]:
        """The file's interactions in the common model."""

    @abstractmethod
    def positions(self, fixture: Fixture, pointers: Iterable[str]) -> dict[str, Position]:
        """Line and column of each JSON pointer's value in the file."""

    @abstractmethod
    def secrets(self, fixture: Fixture, salt: str | None) -> list[Secret]:
        """Every secret in the file, the keys of one kind at one place as one (none
        allowlisted: the caller filters)."""

    def secrets_in(
        self, path: str | Path, raw: bytes, max_size: int, salt: str | None
    ) -> list[Secret]:
        """``secrets`` of a file from its bytes, parsed only as far as the scan needs (what
        ``check --select secret`` asks); a file that does not load is scanned as text."""
        from recctl import secrets

        try:
            fixture = self.load(path, raw, max_size)
        except LoadError:
            return secrets.scan_places(raw, None, frozenset(), salt)
        return self.secrets(fixture, salt)

    @abstractmethod
    def redacted(self, fixture: Fixture, found: Sequence[Secret]) -> bytes:
        """The file's bytes with each secret replaced by its placeholder, every other byte
        as it was; LoadError when that cannot be done safely."""

    @abstractmethod
    def schema_document(self, fixture: Fixture, exact: bool = False) -> Any:
        """The file as its JSON Schema judges it (``exact``: every number as written)."""

    @abstractmethod
    def no_interactions(self, fixture: Fixture) -> str | None:
        """Why the file holds nothing to show (a JSON file that is no recording), or None."""

    @abstractmethod
    def readable(self, fixture: Fixture, masker: Masker | None) -> bytes:
        """The file's text as ``show --raw`` prints it (a gzipped file decompressed), every
        secret of ``masker`` masked (None: revealed)."""

    def test_name(self, fixture: Fixture) -> str | None:
        """The test a file belongs to, as its format says."""
        return None

    def without_headers(
        self, fixture: Fixture, matches: Callable[[str], bool], requests: bool
    ) -> tuple[bytes, list[str]]:
        """The file's bytes without the headers whose lowercased name ``matches`` (of its
        responses, and its requests when ``requests``), and the names removed."""
        raise LoadError(f"a {self.noun}'s headers are not normalized by name")

    def without_interactions(self, fixture: Fixture, drop: Iterable[int]) -> bytes:
        """The file's bytes less the interactions ``drop``, every other byte as it was;
        LoadError where that cannot be done (a file that holds one request)."""
        raise LoadError(f"a {self.noun} holds one request: delete the file instead")
