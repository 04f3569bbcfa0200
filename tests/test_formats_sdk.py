"""Each provider's answer built from its SDK's own types (field names exactly as the SDK
defines them), recorded as the recorder stores it, and read through ``recctl show``: the
usage contract (prompt = every input token, completion = every output token, reasoning and
cached inside, total only as reported), ``finish_reason`` as sent with its ``stop_kind``,
and the formats the 2025 corpus lacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, invoke


def _show(tmp_path: Path, recording: dict[str, Any]) -> dict[str, Any]:
    (tmp_path / "recordings").mkdir(exist_ok=True)
    path = tmp_path / "recordings" / "a.json"
    path.write_text(json.dumps(recording, indent=2) + "\n")
    result = invoke(["show", "-f", "json", str(path)])
    assert result.exit_code == 0, result.output
    record: dict[str, Any] = json.loads(result.stdout)
    usage = record["usage"]
    if usage["cached_tokens"] is not None:
        assert (
            usage["prompt_tokens"] is not None and usage["cached_tokens"] <= usage["prompt_tokens"]
        )
    if usage["reasoning_tokens"] is not None:
        assert usage["completion_tokens"] is not None
        assert usage["reasoning_tokens"] <= usage["completion_tokens"]
    return record


def _payload(url: str, body: Any, streaming: bool = False) -> dict[str, Any]:
    return {
        "test_id": "tests/t.py::test_x",
        "request": {"test_id": "tests/t.py::test_x", "url": url, "method": "POST", "payload": {}},
        "response": {"body": body, "is_streaming": streaming, "status": 200},
    }


def test_anthropic_usage_counts_cache_reads_and_writes_and_thinking(tmp_path: Path) -> None:
    types = pytest.importorskip("anthropic.types")
    message = types.Message(
        id="msg_1",
        type="message",
        role="assistant",
        model="claude-sonnet-4-5",
        content=[types.TextBlock(type="text", text="Hi", citations=None)],
        stop_reason="end_turn",
        stop_sequence=None,
        usage=types.Usage(
            input_tokens=10,
            cache_creation_input_tokens=5,
            cache_read_input_tokens=20,
            output_tokens=30,
            output_tokens_details={"thinking_tokens": 12},
        ),
    )
    body = message.model_dump(mode="json")
    record = _show(tmp_path, _payload("https://api.anthropic.com/v1/messages", body))
    assert record["usage"] == {
        "prompt_tokens": 35,
        "completion_tokens": 30,
        "total_tokens": None,
        "cached_tokens": 20,
        "reasoning_tokens": 12,
    }
    assert (record["finish_reason"], record["stop_kind"]) == ("end_turn", "stop")


def _gemini(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "test_id": "tests/t.py::test_x",
        "request": {
            "method": "POST",
            "url": "vertexai:///generate_content_stream",
            "headers": {},
            "body": {"model": "gemini-2.5-flash", "contents": "hi"},
            "endpoint": "/generate_content_stream",
            "model": "gemini-2.5-flash",
            "provider_metadata": {"provider": "vertexai"},
        },
        "response": {"body": chunks, "is_streaming": True},
    }


def test_gemini_completion_holds_thoughts_and_stop_stays_stop(tmp_path: Path) -> None:
    genai = pytest.importorskip("google.genai.types")
    last = genai.GenerateContentResponse(
        candidates=[
            genai.Candidate(
                content=genai.Content(
                    role="model",
                    parts=[genai.Part(function_call=genai.FunctionCall(name="weather", args={}))],
                ),
                finish_reason=genai.FinishReason.STOP,
            )
        ],
        usage_metadata=genai.GenerateContentResponseUsageMetadata(
            prompt_token_count=10,
            tool_use_prompt_token_count=2,
            candidates_token_count=4,
            thoughts_token_count=6,
            cached_content_token_count=3,
            total_token_count=22,
        ),
        model_version="gemini-2.5-flash",
    )
    chunk = last.model_dump(mode="json", exclude_none=True)
    record = _show(tmp_path, _gemini([chunk]))
    usage = record["usage"]
    assert usage == {
        "prompt_tokens": 12,
        "completion_tokens": 10,
        "total_tokens": 22,
        "cached_tokens": 3,
        "reasoning_tokens": 6,
    }
    assert usage["prompt_tokens"] + usage["completion_tokens"] == usage["total_tokens"]
    # STOP as Gemini sent it; the kind says what it means.
    assert (record["finish_reason"], record["stop_kind"]) == ("STOP", "tool_calls")


def test_gemini_interactions_thought_summaries_and_usage(tmp_path: Path) -> None:
    interactions = pytest.importorskip("google.genai._gaos.types.interactions")
    delta = interactions.ThoughtSummaryDelta(
        content=interactions.TextContent(type="text", text="Thinking it over.")
    ).model_dump(mode="json", by_alias=True, exclude_none=True)
    usage = interactions.Usage(
        total_input_tokens=8, total_output_tokens=5, total_thought_tokens=7, total_tokens=20
    ).model_dump(mode="json", exclude_none=True)
    events = [
        {"event_type": "interaction.start", "interaction": {"model": "gemini-3-pro"}},
        {"event_type": "content.start", "index": 0, "content": {"type": "thought"}},
        {"event_type": "content.delta", "index": 0, "delta": delta},
        {"event_type": "content.start", "index": 1, "content": {"type": "text"}},
        {"event_type": "content.delta", "index": 1, "delta": {"type": "text", "text": "Hi"}},
        {
            "event_type": "interaction.complete",
            "interaction": {"status": "completed", "usage": usage},
        },
    ]
    lines = [f"data: {json.dumps(event)}\n\n" for event in events] + ["data: [DONE]\n\n"]
    record = _show(
        tmp_path,
        _payload("https://generativelanguage.googleapis.com/v1beta/interactions", lines, True),
    )
    assert record["reasoning"] == "Thinking it over."
    assert record["text"] == "Hi"
    assert record["usage"]["completion_tokens"] == 12  # output and thoughts
    assert record["usage"]["reasoning_tokens"] == 7
    assert record["stop_kind"] == "stop"
    # A body's thought step: its summary is a list of content objects.
    body = {
        "status": "completed",
        "model": "gemini-3-pro",
        "outputs": [
            {
                "type": "thought",
                "summary": [{"type": "text", "text": "First, "}, {"type": "text", "text": "plan."}],
            },
            {"type": "text", "text": "Done"},
        ],
        "usage": {"total_input_tokens": 3, "total_output_tokens": 2, "total_reasoning_tokens": 4},
    }
    shown = _show(tmp_path, _payload("https://x/v1beta/interactions", body))
    assert shown["reasoning"] == "First, plan."
    assert shown["usage"]["reasoning_tokens"] == 4  # the older key
    assert shown["usage"]["completion_tokens"] == 6


def _response(status: str = "completed", **extra: Any) -> Any:
    responses = pytest.importorskip("openai.types.responses")
    return responses.Response.model_validate(
        {
            "id": "resp_1",
            "object": "response",
            "created_at": 0,
            "model": "gpt-4.1",
            "status": status,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "output": [
                {
                    "type": "reasoning",
                    "id": "rs_1",
                    "summary": [{"type": "summary_text", "text": "Weighing it."}],
                },
                {
                    "type": "message",
                    "id": "msg_1",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": "Paris", "annotations": []}],
                },
                {
                    "type": "function_call",
                    "id": "fc_1",
                    "call_id": "call_1",
                    "name": "lookup",
                    "arguments": '{"city": "Paris"}',
                },
            ],
            "usage": {
                "input_tokens": 40,
                "input_tokens_details": {"cached_tokens": 32, "cache_write_tokens": 0},
                "output_tokens": 20,
                "output_tokens_details": {"reasoning_tokens": 8},
                "total_tokens": 60,
            },
            **extra,
        }
    )


def _typed(kind: str, value: Any) -> dict[str, Any]:
    return {"__type__": f"openai.types.responses.{kind}", "__data__": value.model_dump(mode="json")}


def _inference(body: Any, streaming: bool) -> dict[str, Any]:
    return {
        "test_id": "tests/t.py::test_x",
        "request": {
            "method": "POST",
            "url": "https://api.openai.com/v1/responses",
            "headers": {},
            "body": {"model": "gpt-4.1", "input": "Capital of France?", "stream": streaming},
            "endpoint": "/v1/responses",
            "model": "gpt-4.1",
        },
        "response": {"body": body, "is_streaming": streaming},
    }


EXPECTED_USAGE = {
    "prompt_tokens": 40,
    "completion_tokens": 20,
    "total_tokens": 60,
    "cached_tokens": 32,
    "reasoning_tokens": 8,
}


def test_openai_responses_body_and_stream(tmp_path: Path) -> None:
    responses = pytest.importorskip("openai.types.responses")
    response = _response()
    body = _show(tmp_path, _inference(_typed("Response", response), False))
    assert (body["format"], body["text"], body["reasoning"]) == (
        "openai-responses",
        "Paris",
        "Weighing it.",
    )
    assert body["tool_calls"][0]["name"] == "lookup"
    assert body["usage"] == EXPECTED_USAGE
    # Completed with a function call: the model waits for the tool's result.
    assert (body["finish_reason"], body["stop_kind"]) == ("completed", "tool_calls")
    created = responses.ResponseCreatedEvent(
        type="response.created", sequence_number=0, response=_response("in_progress")
    )
    delta = responses.ResponseTextDeltaEvent(
        type="response.output_text.delta",
        sequence_number=1,
        item_id="msg_1",
        output_index=1,
        content_index=0,
        delta="Par",
        logprobs=[],
    )
    completed = responses.ResponseCompletedEvent(
        type="response.completed", sequence_number=3, response=response
    )
    stream = [
        _typed("ResponseCreatedEvent", created),
        _typed("ResponseTextDeltaEvent", delta),
        _typed("ResponseCompletedEvent", completed),
    ]
    streamed = _show(tmp_path, _inference(stream, True))
    assert streamed["format"] == "openai-responses-stream"
    assert (streamed["text"], streamed["usage"]) == ("Paris", EXPECTED_USAGE)
    assert streamed["chunks"] == 3
    # A stream cut before response.completed: the deltas are the answer.
    cut = _show(tmp_path, _inference(stream[:2], True))
    assert cut["text"] == "Par"
    incomplete = _response("incomplete", incomplete_details={"reason": "max_output_tokens"})
    stopped = _show(tmp_path, _inference(_typed("Response", incomplete), False))
    assert (stopped["finish_reason"], stopped["stop_kind"]) == ("max_output_tokens", "length")


def test_rerank_and_its_usage(tmp_path: Path) -> None:
    body = {
        "model": "bge-reranker",
        "results": [
            {"index": 1, "relevance_score": 0.91, "document": {"text": "Paris is..."}},
            {"index": 0, "relevance_score": 0.12, "document": {"text": "Berlin is..."}},
        ],
        "usage": {"prompt_tokens": 42, "total_tokens": 42},
    }
    record = _show(tmp_path, _payload("http://localhost:8000/v1/rerank", body))
    assert record["format"] == "rerank"
    assert record["text"] == "1: 0.91\n0: 0.12"
    assert record["usage"]["prompt_tokens"] == 42 and record["usage"]["total_tokens"] == 42
    assert record["usage"]["completion_tokens"] is None


def test_ollama_pull_progress(tmp_path: Path) -> None:
    body = [
        {"status": "pulling manifest"},
        {"status": "pulling 6a0746a1ec1a", "digest": "sha256:6a07", "total": 100, "completed": 10},
        {"status": "pulling 6a0746a1ec1a", "digest": "sha256:6a07", "total": 100, "completed": 100},
        {"status": "verifying sha256 digest"},
        {"status": "success"},
    ]
    recording = _payload("http://localhost:11434/api/pull", body, True)
    record = _show(tmp_path, recording)
    assert record["format"] == "ollama-progress"
    assert record["text"].splitlines() == [
        "pulling manifest",
        "pulling 6a0746a1ec1a",
        "verifying sha256 digest",
        "success",
    ]
    assert (record["finish_reason"], record["stop_kind"]) == ("success", "stop")


def _stored(name: str) -> dict[str, Any]:
    case: dict[str, Any] = json.loads((DATA / "formats" / f"{name}.json").read_text())
    recording: dict[str, Any] = case["recording"]
    return recording


def test_the_stored_cases_use_the_sdks_own_field_names() -> None:
    """The made-up recordings in tests/data/formats/sdk-*.json are what the SDKs' types
    produce: each body parses with the SDK and dumps back unchanged (an unknown or
    misspelt field would not)."""
    anthropic_types = pytest.importorskip("anthropic.types")
    genai = pytest.importorskip("google.genai.types")
    interactions = pytest.importorskip("google.genai._gaos.types.interactions")
    body = _stored("sdk-anthropic-cache-and-thinking-usage")["response"]["body"]
    parsed = anthropic_types.Message.model_validate(body)
    assert parsed.model_dump(mode="json", exclude_unset=True) == body
    assert set(body["usage"]) <= set(anthropic_types.Usage.model_fields)
    [chunk] = _stored("sdk-gemini-thoughts-and-tool-use-usage")["response"]["body"]
    reparsed = genai.GenerateContentResponse.model_validate(chunk)
    assert reparsed.model_dump(mode="json", exclude_unset=True) == chunk
    assert set(chunk["usage_metadata"]) <= set(
        genai.GenerateContentResponseUsageMetadata.model_fields
    )
    lines = _stored("sdk-gemini-interactions-thought-summary")["response"]["body"]
    events = [json.loads(line[len("data: ") :]) for line in lines if "[DONE]" not in line]
    usage = events[-1]["interaction"]["usage"]
    assert set(usage) <= set(interactions.Usage.model_fields)
    delta = events[2]["delta"]
    summary = interactions.ThoughtSummaryDelta.model_validate(delta)
    assert summary.content is not None and summary.content.text == "Thinking it over."
