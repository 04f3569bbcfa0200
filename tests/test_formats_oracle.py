"""Differential tests: recctl's reassembly against the provider SDKs' own accumulators."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from recctl.formats import reassemble
from tests.conftest import recording_files

openai_streaming = pytest.importorskip("openai.lib.streaming.chat")
ChatCompletionChunk = pytest.importorskip("openai.types.chat").ChatCompletionChunk


def without_nulls(value: Any) -> Any:
    # The SDK asserts on continuation tool deltas when fed explicit nulls (stream-formats.md).
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def chat_streams(corpus: Path) -> list[Path]:
    found = []
    for path in recording_files(corpus):
        raw = path.read_bytes()
        if b"chat.completion.chunk" in raw and b'"is_streaming": true' in raw:
            found.append(path)
    return found


def sdk_snapshot(chunks: list[Any]) -> Any:
    state = openai_streaming.ChatCompletionStreamState()
    for chunk in chunks:
        data = chunk.get("__data__", chunk)
        if data.get("object") != "chat.completion.chunk":
            continue
        state.handle_chunk(ChatCompletionChunk.model_validate(without_nulls(data)))
    # Not get_final_completion(): it raises on finish_reason == "length".
    return state.current_completion_snapshot


def same_id(mine: str | None, theirs: str | None) -> bool:
    # Like role, the SDK concatenates an id that a provider repeats in every fragment
    # (vLLM sends "0" nine times: the SDK says "000000000"); the first one is the id.
    if mine == theirs:
        return True
    if not mine or theirs is None:
        return False
    return theirs == mine * (len(theirs) // len(mine))


_INLINE = re.compile(r"<reasoning>(.*?)</reasoning>", re.DOTALL)


def test_every_chat_stream_matches_the_openai_sdk(corpus: Path) -> None:
    streams = chat_streams(corpus)
    assert len(streams) == 410  # the count quoted in the closing note of issue #4
    for path in streams:
        data = orjson.loads(path.read_bytes())
        ours = reassemble(data)
        snapshot = sdk_snapshot(data["response"]["body"])
        assert ours.format == "openai-chat-stream", path
        assert len(snapshot.choices) == max(1, len(ours.choices)), path
        for index, theirs in enumerate(snapshot.choices):
            mine = ours.choices[index] if ours.choices else ours
            content = theirs.message.content
            # Bedrock's inline reasoning moves out of the text (stream-formats.md).
            if content is not None and "<reasoning>" in content:
                content = _INLINE.sub("", content)
            assert mine.text == content, path
            assert mine.finish_reason == theirs.finish_reason, path
            expected_calls = [
                (c.type, c.function.name, c.function.arguments)
                for c in theirs.message.tool_calls or []
            ]
            got = [(c.type, c.name, c.arguments) for c in mine.tool_calls]
            assert got == expected_calls, path
            for call, their_call in zip(
                mine.tool_calls, theirs.message.tool_calls or [], strict=True
            ):
                assert same_id(call.id, their_call.id), (path, call.id, their_call.id)
        usage = snapshot.usage
        if usage is None:
            assert not ours.usage.reported, path
        else:
            assert ours.usage.prompt_tokens == usage.prompt_tokens, path
            assert ours.usage.completion_tokens == usage.completion_tokens, path
            assert ours.usage.total_tokens == usage.total_tokens, path
    print(f"{len(streams)} chat streams agree with the openai SDK")


def test_every_anthropic_stream_matches_the_anthropic_sdk(corpus: Path) -> None:
    """The SDK's own accumulator (``accumulate_event``) is the oracle: text, thinking, stop
    reason, and the usage under recctl's contract (the prompt counts cache reads and
    writes)."""
    streaming = pytest.importorskip("anthropic.lib.streaming._messages")
    models = pytest.importorskip("anthropic._models")
    types = pytest.importorskip("anthropic.types")
    from recctl.formats.base import sse_events

    checked = 0
    for path in recording_files(corpus):
        raw = path.read_bytes()
        if b"content_block_delta" not in raw:
            continue
        data = orjson.loads(raw)
        snapshot: Any = None
        buffers: dict[int, bytes] = {}
        for _, event in sse_events(data["response"]["body"]):
            if isinstance(event, dict):
                typed = models.construct_type(type_=types.RawMessageStreamEvent, value=event)
                snapshot = streaming.accumulate_event(
                    event=typed, current_snapshot=snapshot, json_bufs=buffers
                )
        ours = reassemble(data)
        blocks = snapshot.content
        assert (ours.text or "") == "".join(b.text for b in blocks if b.type == "text"), path
        thinking = "".join(b.thinking for b in blocks if b.type == "thinking")
        assert ours.reasoning == (thinking or None), path
        assert ours.finish_reason == snapshot.stop_reason, path
        usage = snapshot.usage
        prompt = usage.input_tokens + (usage.cache_creation_input_tokens or 0)
        prompt += usage.cache_read_input_tokens or 0
        assert ours.usage.prompt_tokens == prompt, path
        assert ours.usage.completion_tokens == usage.output_tokens, path
        checked += 1
    assert checked >= 2
