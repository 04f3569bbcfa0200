"""VCR.py cassettes (pytest-recording, pytest-vcr): YAML files named after their test, each
holding the test's HTTP interactions with raw bodies.

Layouts read: plain VCR.py (``interactions:`` of ``request``/``response``), pydantic-ai's
serializer (``parsed_body`` instead of ``body``), langchain's gzipped ``requests:`` and
``responses:`` lists (``.yaml.gz``), and VCR.py's JSON serializer. A YAML file in a
cassettes folder that holds none of these (a project's own fixtures) is not a cassette.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recctl.files import LoadError
from recctl.recorders.base import Fixture, Interaction, NotARecording, Position, Recorder

if TYPE_CHECKING:
    from recctl.masking import Masker
    from recctl.recorders.yaml_source import Source
    from recctl.secrets import Secret

GZIP_MAGIC = b"\x1f\x8b"
SUFFIXES = (".yaml", ".yml", ".yaml.gz", ".yml.gz", ".json")


def _layout(data: Any) -> str:
    """``interactions`` or ``requests`` (langchain's parallel lists); NotARecording for a
    document no VCR.py serializer writes."""
    if isinstance(data, dict):
        items = data.get("interactions")
        if isinstance(items, list):
            foreign = items and all(
                isinstance(item, dict) and "request" not in item and "response" not in item
                for item in items
            )
            if not foreign:
                return "interactions"
            keys = ", ".join(sorted({str(key) for item in items for key in item})[:4])
            raise NotARecording(f"not a VCR.py cassette: its interactions hold {keys}")
        if isinstance(data.get("requests"), list) and isinstance(data.get("responses"), list):
            return "requests"
        if "interactions" in data:
            return "interactions"  # a cassette whose interactions are broken: validate says
        keys = ", ".join(sorted(str(key) for key in data)[:4])
        raise NotARecording(f"not a VCR.py cassette: its top level holds {keys or 'nothing'}")
    raise NotARecording(f"not a VCR.py cassette: the document is a {type(data).__name__}")


def pairs(data: Any) -> list[tuple[str, Any, Any]]:
    """(pointer, request, response) of every interaction, whatever the layout."""
    if not isinstance(data, dict):
        return []
    items = data.get("interactions")
    if isinstance(items, list):
        return [
            (
                f"/interactions/{index}",
                item.get("request") if isinstance(item, dict) else None,
                item.get("response") if isinstance(item, dict) else None,
            )
            for index, item in enumerate(items)
        ]
    requests, responses = data.get("requests"), data.get("responses")
    if isinstance(requests, list) and isinstance(responses, list):
        return [
            (f"/requests/{index}", request, responses[index] if index < len(responses) else None)
            for index, request in enumerate(requests)
        ]
    return []


def body_value(message: Any) -> tuple[str, Any]:
    """(pointer suffix, value) of a request's or response's body as stored: ``parsed_body``
    (already parsed), ``body/string`` (a response), or ``body`` (a request)."""
    if not isinstance(message, dict):
        return "", None
    if "parsed_body" in message:
        return "/parsed_body", message["parsed_body"]
    if "content" in message and "body" not in message:
        return "/content", message["content"]  # VCR.py 4's httpx responses
    body = message.get("body")
    if isinstance(body, dict) and "string" in body:
        return "/body/string", body["string"]
    return "/body", body  # text, bytes, or (pydantic-ai's requests) the parsed JSON itself


def _status(response: Any) -> int | None:
    if not isinstance(response, dict):
        return None
    status = response.get("status", response.get("status_code"))
    code = status.get("code") if isinstance(status, dict) else status
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _view(request: Any, response: Any, limit: int) -> tuple[dict[str, Any], str | None]:
    """What provider formats read, and why the answer could not be decoded (None: it could)."""
    # Loaded with the first cassette's interactions: a run over recordings alone does without.
    from recctl import bodies

    request = request if isinstance(request, dict) else {}
    response = response if isinstance(response, dict) else {}
    request_headers = request.get("headers") or {}
    where, stored = body_value(request)
    parsed = where == "/parsed_body" or isinstance(stored, (dict, list))
    request_body = stored if parsed else bodies.request_body(as_bytes(stored), request_headers)
    response_headers = response.get("headers") or {}
    where, stored = body_value(response)
    problem = None
    if where == "/parsed_body" or isinstance(stored, (dict, list)):
        answer = bodies.Answer(stored, False)
    else:
        try:
            answer = bodies.answer_of(as_bytes(stored) or b"", response_headers, limit)
        except bodies.BodyError as error:
            answer, problem = bodies.Answer(None, False), f"undecodable body: {error}"
    uri = request.get("uri")
    view = {
        "request": {
            "method": request.get("method"),
            "url": uri if isinstance(uri, str) else None,
            "headers": request_headers,
            "body": request_body,
        },
        "response": {
            "body": answer.body,
            "is_streaming": answer.streaming,
            "status": _status(response),
            "headers": response_headers,
        },
    }
    return view, problem


def as_bytes(value: Any) -> bytes | None:
    """A stored body as bytes (text encoded), or None for anything else."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return None


def cassette_test(path: str | Path) -> tuple[str, str]:
    """(module, test) a cassette belongs to by pytest-recording's naming: the folder it lies
    in names the module, the file the test (``Class.test`` for a method)."""
    name = os.path.basename(path)
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    module = os.path.basename(os.path.dirname(os.path.abspath(path)))
    return module, name


def node_name(test: str) -> str:
    """A cassette's test name as pytest names the test: ``Class.test[id]`` is
    ``Class::test[id]`` (the id may hold dots)."""
    name, bracket, parameters = test.partition("[")
    return f"{name.replace('.', '::')}{bracket}{parameters}"


class Vcr(Recorder):
    name = "vcr"
    noun = "cassette"
    folder = "cassettes"
    checks = frozenset({"schema", "secret"})
    schema_file = "cassette.schema.json"
    # Renaming by hash is llama-stack's; ``why CASSETTE`` reads the one cassette it is given.
    commands = frozenset(
        {"check", "validate", "fix", "redact", "show", "ls", "prune", "diff", "normalize"}
    )
    hash_named = False

    def owns_name(self, name: str) -> bool:
        return name.endswith(SUFFIXES)

    def load(self, path: str | Path, raw: bytes, max_size: int, exact: bool = False) -> Fixture:
        text = raw
        if raw[:2] == GZIP_MAGIC:
            from recctl import bodies

            try:
                text = bodies.decompress(raw, "gzip", max_size)
            except bodies.BodyError as error:
                raise LoadError(str(error).replace("gzip body", "gzipped cassette")) from None
        if text.lstrip()[:1] == b"{":
            from recctl import store

            data = store.parse_exact(text) if exact else store.parse(text)
            source = None
        else:
            from recctl.recorders.yaml_source import parse

            source = parse(text)
            data = source.data
        _layout(data)
        return Fixture(path, raw, data, self, _Parsed(text, source, raw[:2] == GZIP_MAGIC))

    def interactions(self, fixture: Fixture) -> list[Interaction]:
        # A compressed body may expand to 64 times the file that holds it, no more: a gzip
        # bomb in a small cassette is an undecodable body, not an exhausted memory.
        limit = len(fixture.raw) * 64 + 2**20
        found = []
        for index, (pointer, request, response) in enumerate(pairs(fixture.data)):
            view, problem = _view(request, response, limit)
            body_at = body_value(response)[0] if isinstance(response, dict) else ""
            found.append(
                Interaction(
                    index,
                    pointer,
                    view,
                    None if problem is None else (f"{pointer}/response{body_at}", problem),
                )
            )
        return found

    def positions(self, fixture: Fixture, pointers: Iterable[str]) -> dict[str, Position]:
        parsed: _Parsed = fixture.source
        if parsed.source is None:
            from recctl.locate import locate

            return dict(locate(parsed.text, pointers))
        return parsed.source.positions(pointers)

    def secrets(self, fixture: Fixture, salt: str | None) -> list[Secret]:
        from recctl.recorders.vcr_secrets import scan

        return scan(fixture, salt)

    def redacted(self, fixture: Fixture, found: Sequence[Secret]) -> bytes:
        from recctl.recorders.vcr_redact import redacted

        return redacted(fixture, found)

    def schema_document(self, fixture: Fixture, exact: bool = False) -> Any:
        from recctl.schema import json_ready

        return json_ready(fixture.data)

    def no_interactions(self, fixture: Fixture) -> str | None:
        return None  # a cassette may hold none (interactions: []): it is shown as empty

    def readable(self, fixture: Fixture, masker: Masker | None) -> bytes:
        text: bytes = fixture.source.text
        if masker is None:
            return text
        return masker.text(text.decode("utf-8", "replace")).encode("utf-8")

    def without_headers(
        self, fixture: Fixture, matches: Callable[[str], bool], requests: bool
    ) -> tuple[bytes, list[str]]:
        from recctl.recorders.vcr_edit import without_headers

        return without_headers(fixture, matches, requests)

    def without_interactions(self, fixture: Fixture, drop: Iterable[int]) -> bytes:
        from recctl.recorders.vcr_edit import without_interactions

        return without_interactions(fixture, drop)

    def test_name(self, fixture: Fixture) -> str | None:
        module, test = cassette_test(fixture.path)
        return f"{module}.py::{node_name(test)}"


class _Parsed:
    """What a cassette's load keeps: the YAML text (decompressed), its node tree (None for a
    JSON cassette), and whether the file was gzipped."""

    __slots__ = ("gzipped", "source", "text")

    def __init__(self, text: bytes, source: Source | None, gzipped: bool) -> None:
        self.text = text
        self.source = source
        self.gzipped = gzipped


def header_items(headers: Any) -> list[tuple[str, int | None, str]]:
    """(name, index in its list or None, value) of every header value."""
    items: list[tuple[str, int | None, str]] = []
    if not isinstance(headers, Mapping):
        return items
    for name, value in headers.items():
        if isinstance(value, list):
            items += [(str(name), i, v) for i, v in enumerate(value) if isinstance(v, str)]
        elif isinstance(value, str):
            items.append((str(name), None, value))
    return items


RECORDER = Vcr()
