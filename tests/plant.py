"""Secrets planted in recordings, every kind in every place a recorder can leak one.

Built on a real streamed recording (the hand-made chat stream), each file holds one kind of
secret in one place, and is named by its request hash as the recorder would name it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from recctl.secret_rules import RULES
from tests import recorder
from tests.conftest import DATA

# Every kind with a shape, by the rule's example; the bearer rule stands for a header value.
SHAPED: dict[str, str] = {}
for _rule in RULES:
    if _rule.kind == "bearer-token":
        continue
    name = _rule.kind if _rule.kind not in SHAPED else f"{_rule.kind}-2"
    SHAPED[name] = _rule.example
# Kinds without a shape: found by the name of the field, header or parameter that holds them.
SHAPELESS: dict[str, str] = {
    "azure-key": "9f3b2c7d1e0a4f6b8c5d2e1f0a9b8c7d",
    "mistral-key": "Zq7Lm9Xw2Vb5Nc8Kp3Rt6Yh4Jd1Fs0G",
    "aws-secret-access-key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq7Lm9Xw2V",
    "password": "hunter2-correct-Horse",
}
KINDS: dict[str, str] = {**SHAPED, **SHAPELESS}


def base() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "recordings" / "chat-stream.json").read_text())
    data["request"]["headers"] = {"User-Agent": "OpenAI/Python 1.0"}
    return data


def _chunks(data: dict[str, Any]) -> list[dict[str, Any]]:
    body = data["response"]["body"]
    return [chunk for chunk in body if chunk["__data__"]["choices"]]


def _header(data: dict[str, Any], secret: str) -> None:
    data["request"]["headers"]["X-Api-Key"] = secret


def _url_query(data: dict[str, Any], secret: str) -> None:
    data["request"]["url"] += "?api_key=" + quote(secret, safe="")


def _userinfo(data: dict[str, Any], secret: str) -> None:
    url = data["request"]["url"]
    scheme, rest = url.split("://", 1)
    data["request"]["url"] = f"{scheme}://user:{quote(secret, safe='')}@{rest}"


def _cookie(data: dict[str, Any], secret: str) -> None:
    data["request"]["headers"]["Cookie"] = f"session={quote(secret, safe='')}; theme=dark"


def _body_field(data: dict[str, Any], secret: str) -> None:
    data["request"]["body"]["api_key"] = secret


def _extra_body(data: dict[str, Any], secret: str) -> None:
    data["request"]["body"]["extra_body"] = {"auth": {"token": secret}}


def _message(data: dict[str, Any], secret: str) -> None:
    data["request"]["body"]["messages"][0]["content"] += f" my key is {secret} ok"


def _response_chunk(data: dict[str, Any], secret: str) -> None:
    _chunks(data)[1]["__data__"]["choices"][0]["delta"]["content"] = f" here: {secret} ok"


def _split(data: dict[str, Any], secret: str) -> None:
    first, second = _chunks(data)[1:3]
    half = len(secret) // 2
    first["__data__"]["choices"][0]["delta"]["content"] = " use " + secret[:half]
    second["__data__"]["choices"][0]["delta"]["content"] = secret[half:] + " now"


def _mapping_key(data: dict[str, Any], secret: str) -> None:
    data["id_normalization_mapping"] = {secret: "rec-0123456789ab"}


def _mapping_value(data: dict[str, Any], secret: str) -> None:
    data["id_normalization_mapping"] = {"file-0123456789ab": secret}


# Escaped and duplicate keys are made in the bytes, once written (see ``write``).
_escaped = _duplicate = _header


PLACES: dict[str, Callable[[dict[str, Any], str], None]] = {
    "header": _header,
    "url query": _url_query,
    "userinfo": _userinfo,
    "cookie": _cookie,
    "body field": _body_field,
    "nested extra_body": _extra_body,
    "message text": _message,
    "response chunk": _response_chunk,
    "split across two chunks": _split,
    "mapping key": _mapping_key,
    "mapping value": _mapping_value,
    "escaped": _escaped,
    "duplicate key": _duplicate,
}
# Where only a pattern can tell a secret: shapeless kinds are not expected to be found there.
FREE_TEXT = frozenset(
    {
        "message text",
        "response chunk",
        "split across two chunks",
        "mapping key",
        "mapping value",
    }
)
# Places the request hash covers: redact must leave them, and report them.
HASHED = frozenset({"body field", "nested extra_body", "message text"})


def _escape_first_letter(text: str, secret: str) -> str:
    """The header's value with its first letter (or - or _) as a JSON escape, as no recorder
    writes it: ``sk\\u002dproj-...``."""
    escaped = json.dumps(secret)[1:-1]
    position = next(i for i, char in enumerate(escaped) if char.isalpha() or char in "-_")
    hidden = f"{escaped[:position]}\\u{ord(escaped[position]):04x}{escaped[position + 1 :]}"
    return text.replace(f'"X-Api-Key": "{escaped}"', f'"X-Api-Key": "{hidden}"')


def _duplicate_key(text: str, secret: str) -> str:
    """The header twice, the secret first: a parser keeps only the second."""
    escaped = json.dumps(secret)[1:-1]
    return text.replace(
        f'"X-Api-Key": "{escaped}"', f'"X-Api-Key": "{escaped}",\n      "X-Api-Key": "x"'
    )


def write(directory: Path, kind: str, place: str) -> Path:
    """One recording holding the ``kind`` secret in ``place``, named as the recorder names it."""
    secret = KINDS[kind]
    data = base()
    data["test_id"] = f"tests/test_plant.py::test_{kind}_{place.replace(' ', '_')}"
    PLACES[place](data, secret)
    name, text = recorder.record(data, "4")
    if place == "escaped":
        text = _escape_first_letter(text, secret)
    elif place == "duplicate key":
        text = _duplicate_key(text, secret)
    assert secret in json.loads(text)["request"]["headers"].get("X-Api-Key", secret) or (
        place == "duplicate key"
    )
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text)
    return path


def expected(kind: str, place: str) -> bool:
    """Whether the scan must find ``kind`` in ``place``."""
    return not (kind in SHAPELESS and place in FREE_TEXT)


def every_file(directory: Path) -> Iterator[tuple[str, str, Path]]:
    for kind in KINDS:
        for place in PLACES:
            yield kind, place, write(directory / place.replace(" ", "-"), kind, place)


def pieces(secret: str, size: int = 16) -> list[str]:
    """Every ``size``-character piece of a secret: none may reach any output."""
    return [secret[index : index + size] for index in range(max(1, len(secret) - size + 1))]
