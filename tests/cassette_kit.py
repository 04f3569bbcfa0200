"""Cassettes made as VCR.py makes them: interactions in its dictionary shape, written with
its own YAML serializer, and the wire formats real answers come in (SSE, gzip, AWS event
stream frames)."""

from __future__ import annotations

import binascii
import gzip
import json
import struct
from pathlib import Path
from typing import Any

from vcr.serializers import yamlserializer


def interaction(
    uri: str,
    request_body: str | bytes | None,
    response_body: str | bytes,
    *,
    method: str = "POST",
    request_headers: dict[str, list[str]] | None = None,
    response_headers: dict[str, list[str]] | None = None,
    status: int = 200,
) -> dict[str, Any]:
    """One interaction in VCR.py's cassette dictionary."""
    return {
        "request": {
            "body": request_body,
            "headers": request_headers or {"content-type": ["application/json"]},
            "method": method,
            "uri": uri,
        },
        "response": {
            "body": {"string": response_body},
            "headers": response_headers or {"Content-Type": ["application/json"]},
            "status": {"code": status, "message": "OK" if status == 200 else "Error"},
        },
    }


def serialize(interactions: list[dict[str, Any]]) -> str:
    """The cassette's text, by VCR.py's YAML serializer."""
    return str(yamlserializer.serialize({"interactions": interactions, "version": 1}))


def write(path: Path, interactions: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(serialize(interactions))
    return path


def sse(events: list[dict[str, Any]], named: bool = False, done: bool = True) -> str:
    """A server-sent event stream: ``data:`` lines (``event:`` lines too when ``named``)."""
    lines = []
    for event in events:
        if named:
            lines.append(f"event: {event['type']}\n")
        lines.append(f"data: {json.dumps(event)}\n\n")
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines)


def chat_chunks(text_pieces: list[str], model: str = "gpt-4o-mini") -> list[dict[str, Any]]:
    """An OpenAI chat completion stream with usage in its last chunk."""
    chunks: list[dict[str, Any]] = [
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece}}],
        }
        for piece in text_pieces
    ]
    chunks.append(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }
    )
    chunks.append(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [],
            "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
        }
    )
    return chunks


def chat_body(text: str, model: str = "gpt-4o-mini") -> str:
    return json.dumps(
        {
            "id": "chatcmpl-2",
            "object": "chat.completion",
            "created": 1,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
        }
    )


def gzipped(text: str) -> bytes:
    return gzip.compress(text.encode(), mtime=0)


def frame(event_type: str, payload: dict[str, Any]) -> bytes:
    """One ``application/vnd.amazon.eventstream`` frame, CRCs and all."""
    headers = b""
    for name, value in ((":event-type", event_type), (":message-type", "event")):
        encoded = value.encode()
        headers += bytes([len(name)]) + name.encode() + b"\x07"
        headers += struct.pack(">H", len(encoded)) + encoded
    body = json.dumps(payload).encode()
    total = 16 + len(headers) + len(body)
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", binascii.crc32(prelude))
    message = prelude + headers + body
    return message + struct.pack(">I", binascii.crc32(message))


def converse_stream(text_pieces: list[str]) -> bytes:
    """A Bedrock Converse stream of these text deltas, a stop and usage."""
    frames = [frame("messageStart", {"role": "assistant"})]
    frames += [
        frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}})
        for piece in text_pieces
    ]
    frames.append(frame("messageStop", {"stopReason": "end_turn"}))
    frames.append(
        frame("metadata", {"usage": {"inputTokens": 5, "outputTokens": 6, "totalTokens": 11}})
    )
    return b"".join(frames)
