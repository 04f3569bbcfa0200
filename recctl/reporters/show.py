"""``show`` and ``ls`` results for people (rich) and programs (JSON lines)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from recctl.reporters import Display, PrintableWriter, human_size

if TYPE_CHECKING:
    from rich.console import Console

    from recctl.show import Entry, Group, Shown

PARAMETERS = (
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "n",
    "seed",
    "stream",
    "stream_options",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "reasoning_effort",
    "stop",
)


def console(out: TextIO) -> Console:
    from rich.console import Console

    return Console(file=PrintableWriter(out), highlight=False, soft_wrap=False)  # type: ignore[arg-type]


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces = []
        for part in content:
            if isinstance(part, str):
                pieces.append(part)
            elif isinstance(part, dict):
                kind = part.get("type")
                if isinstance(part.get("text"), str):
                    pieces.append(part["text"])
                elif kind in ("image_url", "image", "input_image"):
                    pieces.append("[image]")
                elif kind in ("tool_use", "function_call"):
                    arguments = part.get("input", part.get("arguments", {}))
                    pieces.append(f"→ {part.get('name')}({json.dumps(arguments)})")
                elif kind in ("tool_result", "function_result", "function_response"):
                    pieces.append(
                        f"[{kind}] {_content_text(part.get('content', part.get('result', '')))}"
                    )
                else:
                    pieces.append(json.dumps(part)[:200])
        return "\n".join(pieces)
    return "" if content is None else json.dumps(content)[:500]


def transcript(request: dict[str, Any]) -> list[tuple[str, str]]:
    """The request as (speaker, text) turns."""
    if "tool_name" in request:
        return [("tool call", f"{request['tool_name']}({json.dumps(request.get('kwargs'))})")]
    body = request.get("body", request.get("payload"))
    if not isinstance(body, dict):
        return [] if body is None else [("request", json.dumps(body)[:500])]
    turns: list[tuple[str, str]] = []
    for key in ("system", "system_instruction", "instructions"):
        if body.get(key):
            turns.append(("system", _content_text(body[key])))
    for message in body.get("messages") or body.get("contents") or []:
        if not isinstance(message, dict):
            continue
        role = str(message.get("role") or "?")
        text = _content_text(message.get("content", message.get("parts")))
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {} if isinstance(call, dict) else {}
            text += f"\n→ {function.get('name')}({function.get('arguments')})"
        if message.get("tool_call_id"):
            role = f"{role} ({message['tool_call_id']})"
        turns.append((role, text.strip()))
    for key in ("prompt", "input"):
        value = body.get(key)
        if isinstance(value, str):
            turns.append(("user", value))
        elif isinstance(value, list) and value:
            if all(isinstance(item, dict) and "role" in item for item in value):
                turns.extend(
                    (str(item["role"]), _content_text(item.get("content"))) for item in value
                )
            else:
                turns.append(("input", f"{len(value)} items"))
    return turns


def tools_offered(request: dict[str, Any]) -> list[str]:
    body = request.get("body", request.get("payload"))
    names = []
    for tool in body.get("tools") or [] if isinstance(body, dict) else []:
        if isinstance(tool, dict):
            name = (tool.get("function") or {}).get("name") or tool.get("name") or tool.get("type")
            names.append(str(name))
    return names


def parameters(request: dict[str, Any]) -> list[str]:
    body = request.get("body", request.get("payload"))
    if not isinstance(body, dict):
        return []
    return [f"{key}={json.dumps(body[key])}" for key in PARAMETERS if key in body]


def _usage_table(shown: Shown) -> Any:
    from rich.table import Table

    usage = shown.answer.usage
    table = Table(box=None, show_header=True, padding=(0, 2, 0, 0))
    fields = (
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cached_tokens",
        "reasoning_tokens",
    )
    for name in fields:
        table.add_column(name.removesuffix("_tokens"), justify="right")
    table.add_row(
        *("-" if getattr(usage, name) is None else str(getattr(usage, name)) for name in fields)
    )
    return table


def render_show(shown: Shown, out: TextIO) -> None:
    from rich.markup import escape
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.syntax import Syntax
    from rich.table import Table
    from rich.text import Text

    view = console(out)
    answer = shown.answer
    view.print(Rule(Text(Display()(shown.path), style="bold"), align="left"))
    streamed = f"streamed, {answer.chunks} chunks" if shown.streaming else "not streamed"
    rows = [
        ("test", shown.test_id or "-"),
        ("endpoint", shown.endpoint or "-"),
        ("model", shown.model or "-"),
        ("provider", shown.provider or "-"),
        ("response", f"{answer.format}, {streamed}, {human_size(shown.size)}"),
    ]
    header = Table.grid(padding=(0, 1))
    header.add_column(style="dim", no_wrap=True)
    header.add_column(overflow="fold")
    for label, value in rows:
        header.add_row(label, value)
    view.print(header)
    turns = transcript(shown.request)
    if turns:
        view.print(Rule("request", style="dim"))
        for role, text in turns:
            view.print(Text.assemble((f"{role}: ", "bold cyan"), text))
    offered = tools_offered(shown.request)
    if offered:
        view.print(Text.assemble(("tools offered: ", "dim"), ", ".join(offered)))
    params = parameters(shown.request)
    if params:
        view.print(Text.assemble(("parameters: ", "dim"), "  ".join(params)))
    view.print(Rule("answer", style="dim"))
    if answer.error:
        view.print(f"[bold red]error:[/] {escape(answer.error)}")
    if answer.reasoning:
        view.print(
            Panel(
                Text(answer.reasoning, style="italic"),
                title="reasoning",
                title_align="left",
                border_style="dim",
            )
        )
    if answer.text:
        view.print(Text(answer.text))
    if answer.refusal:
        view.print(Text.assemble(("refusal: ", "bold yellow"), answer.refusal))
    for call in answer.tool_calls:
        view.print(
            Text.assemble(("tool call ", "bold magenta"), f"{call.name} ", (f"[{call.id}]", "dim"))
        )
        try:
            pretty = json.dumps(json.loads(call.arguments), indent=2, ensure_ascii=False)
            view.print(Syntax(pretty, "json", theme="ansi_dark", background_color="default"))
        except ValueError:
            view.print(Text(call.arguments))
    if len(answer.choices) > 1:
        for choice in answer.choices[1:]:
            view.print(Rule(f"choice {choice.index}", style="dim"))
            view.print(Text(choice.text or ""))
    if answer.data is not None and not answer.text:
        view.print(
            Syntax(
                json.dumps(answer.data, indent=2, ensure_ascii=False, default=str)[:4000],
                "json",
                theme="ansi_dark",
                background_color="default",
            )
        )
    view.print(Text.assemble(("finish reason: ", "dim"), str(answer.finish_reason)))
    if answer.usage.reported:
        view.print(_usage_table(shown))
    else:
        view.print("[dim]no usage reported[/]")


def render_chunks(body: Any, out: TextIO) -> None:
    from rich.text import Text

    view = console(out)
    items = body if isinstance(body, list) else [body]
    for index, item in enumerate(items):
        data = item.get("__data__", item) if isinstance(item, dict) else item
        view.print(
            Text.assemble((f"{index:>4} ", "dim"), _compact(data)),
            overflow="ellipsis",
            no_wrap=True,
        )


def _compact(data: Any) -> str:
    if isinstance(data, dict) and isinstance(data.get("choices"), list):
        parts = []
        for choice in data["choices"]:
            delta = choice.get("delta") or {}
            fields = {k: v for k, v in delta.items() if v not in (None, "", [])}
            if choice.get("text"):
                fields["text"] = choice["text"]
            if choice.get("finish_reason"):
                fields["finish"] = choice["finish_reason"]
            parts.append(json.dumps(fields, ensure_ascii=False))
        usage = " usage" if data.get("usage") else ""
        return " ".join(parts) + usage if parts else (f"(no choices){usage}")
    if isinstance(data, str):
        return data
    return json.dumps(data, ensure_ascii=False)


def render_ls(entries: Sequence[Entry], out: TextIO) -> None:
    from rich.table import Table

    table = Table(box=None, padding=(0, 2, 0, 0), header_style="bold")
    table.add_column("hash", no_wrap=True, min_width=12)
    for name in ("test", "endpoint", "model"):
        table.add_column(name, overflow="fold")
    table.add_column("streamed", no_wrap=True)
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("tokens", justify="right", no_wrap=True)
    display = Display()
    for entry in entries:
        tokens = entry.total_tokens
        if tokens is None and entry.prompt_tokens is not None:
            tokens = entry.prompt_tokens + (entry.completion_tokens or 0)
        table.add_row(
            (entry.hash or "")[:12],
            (entry.test_id or "-").split("::", 1)[-1]
            if entry.error is None
            else f"[red]{display(entry.path)}: {entry.error}[/]",
            entry.endpoint or "-",
            entry.model or "-",
            "yes" if entry.streaming else "no",
            human_size(entry.size),
            "-" if tokens is None else str(tokens),
        )
    view = console(out)
    view.print(table)
    view.print(f"[dim]{len(entries)} recordings, {human_size(sum(e.size for e in entries))}[/]")


def render_summary(groups: Sequence[Group], by: str, out: TextIO) -> None:
    from rich.table import Table

    table = Table(box=None, padding=(0, 2, 0, 0), header_style="bold")
    table.add_column(by, overflow="fold")
    for name in ("recordings", "size", "prompt", "completion", "total"):
        table.add_column(name, justify="right", no_wrap=True)
    for group in groups:
        table.add_row(
            group.key,
            str(group.recordings),
            human_size(group.bytes),
            str(group.prompt_tokens),
            str(group.completion_tokens),
            str(group.total_tokens),
        )
    view = console(out)
    view.print(table)
