"""Fenced Python examples of Markdown pages and docstrings: found, compiled and run.

Shared by the docs' own tests (tests/docs/test_docs_examples.py) and the tests of
the webhook docs (tests/unit/test_webhooks.py).
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
from pathlib import Path
from typing import Any

import attrs

#: The repository's root (tests/helpers/ is two levels below it).
ROOT = Path(__file__).resolve().parents[2]

_FENCE = re.compile(r"^(?P<indent>[ ]*)(?P<fence>`{3,}|~{3,})[ ]*(?P<lang>[\w+-]*)")
_NOT_EXECUTED = re.compile(r"^[ ]*<!--[ ]*not-executed:(?P<reason>.*?)-->[ ]*$")
_PYTHON = frozenset({"python", "py", "python3"})


@attrs.frozen
class Example:
    """One fenced Python block of a Markdown page or a docstring."""

    where: str  # "docs/pagination.md" or "kit_async.KitClient"
    line: int  # line of the first line of code, 1-based
    source: str
    not_executed: str | None = None  # the reason, when marked


def extract_examples(text: str, where: str) -> list[Example]:
    """The fenced Python blocks of a Markdown text, with their not-executed marks."""
    lines = text.splitlines()
    examples: list[Example] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        start = index + 1
        end = start
        while end < len(lines) and not (
            lines[end].startswith(indent) and lines[end].strip().startswith(fence)
        ):
            end += 1
        if opening["lang"] in _PYTHON:
            body = [line.removeprefix(indent) for line in lines[start:end]]
            mark = _NOT_EXECUTED.match(lines[index - 1]) if index else None
            reason = mark["reason"].strip() if mark else None
            if mark and not reason:
                msg = f"{where}:{index}: a not-executed mark must give a reason"
                raise ValueError(msg)
            examples.append(Example(where, start + 1, "\n".join(body) + "\n", reason))
        index = end + 1
    for number, line in enumerate(lines):
        if _NOT_EXECUTED.match(line) and not any(e.line == number + 3 for e in examples):
            msg = f"{where}:{number + 1}: a not-executed mark must sit right above a python fence"
            raise ValueError(msg)
    return examples


def compile_example(example: Example, filename: str) -> Any:
    """The example compiled with top-level `await` allowed, at its own line numbers."""
    # Padding keeps the page's own line numbers in tracebacks.
    source = "\n" * (example.line - 1) + example.source
    return compile(
        source, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )


async def run_example(example: Example, filename: str, namespace: dict[str, Any]) -> None:
    """Run one example in `namespace`: awaited if it awaits, else in a worker thread."""
    code = compile_example(example, filename)
    if code.co_flags & inspect.CO_COROUTINE:
        await eval(code, namespace)  # noqa: S307 - our own documentation
    else:
        # No running loop in that thread: the block may call asyncio.run().
        await asyncio.to_thread(exec, code, namespace)


def recipe(page: Path, *markers: str) -> dict[str, Any]:
    """The names a page's recipe defines: its blocks holding `markers`, run in that order.

    Each marker picks exactly one executed block of the page; they run in one
    namespace, as a reader pastes them into one module (no top-level `await`).
    """
    examples = [
        e
        for e in extract_examples(page.read_text(encoding="utf-8"), page.name)
        if not e.not_executed
    ]
    namespace: dict[str, Any] = {"__name__": "recipe"}
    for marker in markers:
        found = [e for e in examples if marker in e.source]
        if len(found) != 1:
            msg = f"{page.name}: {len(found)} python blocks hold {marker!r}, not one"
            raise LookupError(msg)
        exec(compile_example(found[0], str(page)), namespace)  # noqa: S102 - our own documentation
    return namespace
