"""Every answer recctl reads from the corpus's cassettes against what the provider's payload
holds, read independently: PyYAML and gzip here, the provider SDKs' own types and stream
accumulators (openai, anthropic, google-genai) for the answer."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import recctl
from tests.test_formats_oracle import without_nulls

openai_streaming = pytest.importorskip("openai.lib.streaming.chat")
openai_chat = pytest.importorskip("openai.types.chat")
openai_responses = pytest.importorskip("openai.types.responses")
openai_models = pytest.importorskip("openai._models")
anthropic_streaming = pytest.importorskip("anthropic.lib.streaming._messages")
anthropic_models = pytest.importorskip("anthropic._models")
anthropic_types = pytest.importorskip("anthropic.types")
genai = pytest.importorskip("google.genai.types")

Expected = tuple[str | None, int | None]
"""The answer's text and its output tokens, as the payload holds them."""


def _cassettes(folder: Path) -> Iterator[tuple[Path, int, dict[str, Any], dict[str, Any]]]:
    for path in sorted(folder.rglob("*.yaml")):
        document = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        items = document.get("interactions") if isinstance(document, dict) else None
        for index, item in enumerate(items or []):
            if isinstance(item, dict) and "request" in item:
                yield path, index, item["request"], item["response"]


def _header(headers: Any, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return ""


def _payload(response: dict[str, Any]) -> Any:
    """The answer's body: parsed JSON, or the list of a stream's events."""
    if "parsed_body" in response:
        return response["parsed_body"]
    body = response["content"] if "content" in response else response["body"]["string"]
    if isinstance(body, bytes):
        if _header(response.get("headers"), "content-encoding") == "gzip":
            body = gzip.decompress(body)
        try:
            body = body.decode()
        except UnicodeDecodeError:
            return None  # an image, audio: no answer to read
    if body.lstrip().startswith(("data:", "event:")):
        events = []
        for line in body.splitlines():
            if line.startswith("data:") and line[5:].strip() != "[DONE]":
                events.append(json.loads(line[5:]))
        return events
    try:
        return json.loads(body)
    except ValueError:
        return None  # text, or JSON lines: no provider payload this test reads


def _chat(payload: Any) -> Expected | None:
    if isinstance(payload, list):
        state = openai_streaming.ChatCompletionStreamState()
        for chunk in payload:
            # The SDK takes the last chunk's usage, None included: a moderation chunk after
            # the usage chunk (no choices, no usage) would erase the count the payload holds.
            if not chunk.get("choices") and chunk.get("usage") is None:
                continue
            if chunk.get("object") == "chat.completion.chunk":
                typed = openai_chat.ChatCompletionChunk.model_validate(without_nulls(chunk))
                state.handle_chunk(typed)
        snapshot = state.current_completion_snapshot
        usage = snapshot.usage
        return snapshot.choices[0].message.content, usage.completion_tokens if usage else None
    if isinstance(payload, dict) and payload.get("object") == "chat.completion":
        completion = openai_models.construct_type(type_=openai_chat.ChatCompletion, value=payload)
        usage = completion.usage
        text = completion.choices[0].message.content if completion.choices else None
        return text, usage.completion_tokens if usage else None
    return None


def _responses(payload: Any) -> Expected | None:
    if isinstance(payload, list):
        done = [e for e in payload if e.get("type") in ("response.completed", "response.done")]
        if not done:
            return None
        payload = done[-1]["response"]
    if not isinstance(payload, dict) or payload.get("object") != "response":
        return None
    # Built as the SDK builds what the API sends: leniently (older payloads lack newer fields).
    response = openai_models.construct_type(type_=openai_responses.Response, value=payload)
    usage = response.usage
    return response.output_text or None, usage.output_tokens if usage else None


def _anthropic(payload: Any) -> Expected | None:
    if isinstance(payload, list):
        snapshot: Any = None
        buffers: dict[int, bytes] = {}
        for event in payload:
            typed = anthropic_models.construct_type(
                type_=anthropic_types.RawMessageStreamEvent, value=event
            )
            snapshot = anthropic_streaming.accumulate_event(
                event=typed, current_snapshot=snapshot, json_bufs=buffers
            )
        message = snapshot
    elif isinstance(payload, dict) and payload.get("type") == "message":
        # Leniently, as the SDK builds a response (newer block types than it knows occur).
        message = anthropic_models.construct_type(type_=anthropic_types.Message, value=payload)
    else:
        return None
    text = "".join(block.text for block in message.content if block.type == "text")
    return text or None, message.usage.output_tokens


def _gemini(payload: Any) -> Expected | None:
    chunks = payload if isinstance(payload, list) else [payload]
    if not all(isinstance(chunk, dict) and "candidates" in chunk for chunk in chunks):
        return None
    text = ""
    tokens = None
    for chunk in chunks:
        # As the SDK reads an API response: fields newer than the SDK are dropped first. The
        # finish reason is not compared here (some payloads send it as a number).
        # Enums as numbers occur too (a Vertex payload): only text and counts are compared.
        for candidate in chunk["candidates"]:
            candidate.pop("finishReason", None)
        usage = chunk.get("usageMetadata")
        if isinstance(usage, dict):
            chunk["usageMetadata"] = {k: v for k, v in usage.items() if k.endswith("Count")}
        response = genai.GenerateContentResponse._from_response(response=chunk, kwargs={})
        for part in response.candidates[0].content.parts or [] if response.candidates else []:
            if part.text is not None and not part.thought:
                text += part.text
        counts = response.usage_metadata
        if counts is not None and counts.candidates_token_count is not None:
            tokens = counts.candidates_token_count + (counts.thoughts_token_count or 0)
    return text or None, tokens


def _converse(payload: Any) -> Expected | None:
    message = (payload.get("output") or {}).get("message") if isinstance(payload, dict) else None
    if not isinstance(message, dict):
        return None
    text = "".join(block.get("text") or "" for block in message.get("content") or [])
    return text or None, (payload.get("usage") or {}).get("outputTokens")


def _expected(request: dict[str, Any], response: dict[str, Any]) -> tuple[str, Expected] | None:
    status = (response.get("status") or {}).get("code", response.get("status_code", 200))
    if status >= 400:
        return None
    uri = request["uri"].split("?")[0]
    payload = _payload(response)
    for family, suffixes, oracle in (
        ("openai chat", ("/chat/completions",), _chat),
        ("openai responses", ("/responses",), _responses),
        ("anthropic", ("/messages",), _anthropic),
        ("gemini", (":generateContent", ":streamGenerateContent"), _gemini),
        ("bedrock converse", ("/converse", "/invoke"), _converse),
    ):
        if uri.endswith(suffixes):
            expected = oracle(payload)
            return None if expected is None else (family, expected)
    return None


def test_every_answer_in_the_corpus_cassettes_is_what_the_payload_holds(corpus: Path) -> None:
    checked: dict[str, int] = {}
    mismatches = []
    for folder in sorted(corpus.glob("vcr-*")):
        shown = recctl("show", "-f", "json", folder.name, cwd=corpus, timeout=300)
        assert shown.returncode == 0, shown.stderr
        records = {
            (str((corpus / record["path"]).resolve()), record["interaction"]): record
            for record in map(json.loads, shown.stdout.splitlines())
        }
        for path, index, request, response in _cassettes(folder):
            found = _expected(request, response)
            if found is None:
                continue
            family, (text, tokens) = found
            record = records[(str(path.resolve()), index)]
            ours = (record["text"] or None, record["usage"]["completion_tokens"])
            if ours != (text or None, tokens):
                mismatches.append((path.name, index, family, ours, (text, tokens)))
            checked[family] = checked.get(family, 0) + 1
    assert mismatches[:5] == [], len(mismatches)
    # Every family the corpus holds was checked, each many times.
    assert sum(checked.values()) >= 400, checked
    assert min(checked.values()) >= 5, checked
    print(f"{sum(checked.values())} answers agree: {checked}")
