"""``show`` and ``ls`` results for people (rich) and programs (JSON lines)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from recctl.output import (
    Lines,
    Safe,
    block,
    json_line,
    table,
    terminal_width,
    visible,
)
from recctl.reporters import Display, PrintableWriter, human_size, plural

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
    """A rich console that reads no markup: text from a recording is never styling. Every
    string it prints goes through ``output.visible`` or ``output.block`` first."""
    return quiet_pipe_console()(
        file=PrintableWriter(out),  # type: ignore[arg-type]
        highlight=False,
        soft_wrap=False,
        markup=False,
        emoji=False,
    )


@functools.cache
def quiet_pipe_console() -> type[Console]:
    """rich's Console, except that a closed pipe is the CLI's to answer (exit 141, in one
    place), not rich's own ``SystemExit(1)``, which reads as findings."""
    from rich.console import Console

    class QuietPipeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return QuietPipeConsole


# Past this many characters JSON is printed plain: highlighting is not linear.
SYNTAX_LIMIT = 100_000


def _after_label(text: str) -> Safe:
    """Multi-line content that follows a label on its first line; later lines indented."""
    return Safe(block(text)[2:])


def _json(value: Any) -> Safe:
    return json_line(json.dumps(value, indent=2, ensure_ascii=False, default=str))


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
    from rich.rule import Rule
    from rich.syntax import Syntax
    from rich.text import Text

    view = console(out)
    answer = shown.answer
    # Every line of the header is whole, in a pipe too: the path and values wrap nowhere.
    title = Display()(shown.path)
    if shown.hash is None:  # an interaction of a cassette: PATH:N addresses it
        title = f"{title}:{shown.interaction} (interaction {shown.interaction + 1} of "
        title += f"{shown.interactions})"
    view.print(Text(visible(title), style="bold"), soft_wrap=True)
    streamed = (
        f"streamed, {plural(answer.chunks or 0, 'chunk')}" if shown.streaming else "not streamed"
    )
    rows = [
        ("test", shown.test_id or "-"),
        ("endpoint", shown.endpoint or "-"),
        ("model", shown.model or "-"),
        ("provider", shown.provider or "-"),
        ("response", f"{answer.format}, {streamed}, {human_size(shown.size)}"),
    ]
    if answer.finish_reason is not None or answer.stop_kind is not None:
        rows.append(("stop", f"{answer.stop_kind or '-'} (finish reason {answer.finish_reason})"))
    for label, value in rows:
        view.print(Text.assemble((f"{label:<9}", "dim"), visible(value)), soft_wrap=True)
    turns = transcript(shown.request)
    if turns:
        view.print(Rule("request", style="dim"))
        for role, text in turns:
            turn = Text.assemble((visible(role) + ": ", "bold cyan"), _after_label(text))
            view.print(turn, soft_wrap=True)
    offered = tools_offered(shown.request)
    if offered:
        view.print(Text.assemble(("tools offered: ", "dim"), visible(", ".join(offered))))
    params = parameters(shown.request)
    if params:
        view.print(Text.assemble(("parameters: ", "dim"), visible("  ".join(params))))
    view.print(Rule("answer", style="dim"))
    # Content is printed with soft wrap: rich's own wrapping costs seconds a megabyte, and a
    # line in a pipe must never be cut.
    if answer.error:
        view.print(
            Text.assemble(("error: ", "bold red"), _after_label(answer.error)), soft_wrap=True
        )
    if answer.reasoning:
        view.print(Text("reasoning:", style="dim"))
        view.print(Text(block(answer.reasoning), style="italic"), soft_wrap=True)
    if answer.text:
        if answer.reasoning:
            view.print(Text("text:", style="dim"))
        view.print(Text(block(answer.text)), soft_wrap=True)
    if answer.refusal:
        refusal = Text.assemble(("refusal: ", "bold yellow"), _after_label(answer.refusal))
        view.print(refusal, soft_wrap=True)
    for call in answer.tool_calls:
        view.print(
            Text.assemble(
                ("tool call ", "bold magenta"),
                visible(call.name) + " ",
                (f"[{visible(call.id)}]" if call.id else "", "dim"),
            )
        )
        try:
            pretty = _json(json.loads(call.arguments))
        except ValueError:
            pretty = Safe(call.arguments)
        if len(pretty) > SYNTAX_LIMIT:
            view.print(Text(block(pretty)), soft_wrap=True)
        else:
            syntax = Syntax(block(pretty), "json", theme="ansi_dark", background_color="default")
            view.print(syntax, soft_wrap=True)  # rich crops a highlighted line at the width
    if len(answer.choices) > 1:
        for choice in answer.choices[1:]:
            view.print(Rule(f"choice {choice.index}", style="dim"))
            view.print(Text(block(choice.text or "")), soft_wrap=True)
    if answer.data is not None and not answer.text:
        view.print(
            Syntax(
                block(_json(answer.data)[:4000]),
                "json",
                theme="ansi_dark",
                background_color="default",
            ),
            soft_wrap=True,
        )
    if answer.finish_reason is not None:
        kind = answer.stop_kind
        # As the provider sent it, and what it means when the words differ (STOP: tool_calls).
        means = f" ({kind})" if kind and kind != str(answer.finish_reason).lower() else ""
        view.print(Text.assemble(("finish reason: ", "dim"), visible(answer.finish_reason), means))
    if answer.usage.reported:
        view.print(_usage_table(shown))
    else:
        view.print(Text("no usage reported", style="dim"))


def render_chunks(body: Any, out: TextIO) -> None:
    from rich.text import Text

    view = console(out)
    items = body if isinstance(body, list) else [body]
    for index, item in enumerate(items):
        data = item.get("__data__", item) if isinstance(item, dict) else item
        line = Text.assemble((f"{index:>4} ", "dim"), visible(_compact(data)))
        if out.isatty():
            view.print(line, overflow="ellipsis", no_wrap=True)  # a chunk a line on screen
        else:
            view.print(line, soft_wrap=True)  # and whole in a pipe


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


def _ls_row(entry: Entry, display: Display, whole: bool) -> list[str]:
    tokens = entry.total_tokens  # as reported (a cassette's: their sum), never made up here
    test = entry.test_id or "-"
    if entry.error is not None:
        test = f"{display(entry.path)}: {entry.error}"
    elif not whole:
        test = test.split("::", 1)[-1]
    name = entry.id or entry.hash or ""
    if entry.hash is None:
        short = name  # a cassette: its name
    elif name != entry.hash:
        # A model listing is told apart by its digest: many share the hash.
        short = f"{name[:12]}-{name.rsplit('-', 1)[1]}"
    else:
        short = name[:12]
    return [
        name if whole else short,
        test,
        ", ".join(entry.endpoints) or entry.endpoint or "-",
        ", ".join(entry.models) or entry.model or "-",
        "yes" if entry.streaming else "no",
        str(entry.interactions),
        str(entry.size) if whole else human_size(entry.size),  # bytes, sortable, in a pipe
        "-" if tokens is None else str(tokens),
    ]


LS_HEADER = ["hash", "test", "endpoint", "model", "stream", "calls", "size", "tokens"]


def render_ls(stream: Iterable[Entry], out: TextIO) -> None:
    """A table on a terminal; in a pipe, one tab-separated line per recording with every
    field whole, so that grep, cut and wc work, written as the entries come."""
    display = Display()
    if not out.isatty():
        pipe = Lines(out)
        pipe.write_row(LS_HEADER)
        for entry in stream:
            pipe.write_row(_ls_row(entry, display, True))
        return
    entries = list(stream)  # the table's widths depend on every row
    lines = Lines(out)
    header = [*LS_HEADER[:4], "str.", *LS_HEADER[5:]]
    rows: list[list[str]] = [
        [visible(cell) for cell in _ls_row(entry, display, False)] for entry in entries
    ]
    rows[:0] = [header]
    # By priority: model and endpoint give way first, then the test id (the second thing a
    # reader looks for), then, only if the row still does not fit, the first column (a
    # cassette's name is longer than a hash prefix). Each is cut in the middle, whose two
    # ends tell ids apart; the numbers never give way.
    laid_out = table(rows, terminal_width(out), shrink=(3, 2, 1, 0), right=frozenset({5, 6, 7}))
    for number, line in enumerate(laid_out):
        failed = number > 0 and entries[number - 1].error is not None
        if number == 0:
            lines.write(lines.style(line, bold=True))
        elif failed:
            lines.write(lines.style(line, fg="red"))
        else:
            lines.write(line)
    total = human_size(sum(e.size for e in entries))
    calls = sum(entry.interactions for entry in entries if entry.hash is None)
    cassettes = sum(1 for entry in entries if entry.hash is None and entry.error is None)
    counted = [plural(len(entries) - cassettes, "recording")] if len(entries) > cassettes else []
    if cassettes:
        counted.append(f"{plural(cassettes, 'cassette')} ({plural(calls, 'interaction')})")
    lines.write(lines.style(f"{', '.join(counted)}, {total}", dim=True))


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def render_summary(groups: Sequence[Group], by: str, out: TextIO) -> None:
    """Totals per group and a total row; a count no recording reported is ``-``, and the
    last column says how many recordings reported usage at all."""
    from recctl.show import total

    rows = [*groups, total(groups)] if groups else []
    piped = not out.isatty()
    header = [by, "files", "calls", "size", "prompt", "completion", "total", "reported"]
    cells = [
        [
            visible(group.key),
            str(group.recordings),
            str(group.interactions),
            str(group.bytes) if piped else human_size(group.bytes),  # bytes, sortable
            _count(group.prompt_tokens),
            _count(group.completion_tokens),
            _count(group.total_tokens),
            f"{group.reported}/{group.interactions}",
        ]
        for group in rows
    ]
    lines = Lines(out)
    if piped:
        for row in [header, *cells]:
            lines.write_row(row)
        return
    # As ls lays out its table: a key too long is cut in the middle, never folded mid-word.
    laid_out = table([header, *cells], terminal_width(out), shrink=(0,), right=RIGHT_COLUMNS)
    for number, line in enumerate(laid_out):
        bold = number == 0 or number == len(laid_out) - 1
        lines.write(lines.style(line, bold=True) if bold else line)


RIGHT_COLUMNS = frozenset(range(1, 8))
