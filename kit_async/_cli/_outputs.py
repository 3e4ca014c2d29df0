"""Where an export's pages go: stdout, a device or FIFO, a file, or nowhere.

`_open_output` picks one from `--output`; a regular file gets a checkpoint
(`FileOutput`), the others are written like a stream with nothing to resume.
"""

from __future__ import annotations

import argparse
import stat
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol, cast

from .._resources.broadcast_clicks import BroadcastPage
from ._checkpoint import FileOutput
from ._errors import _UsageError
from ._formats import Format, format_page, header
from ._stdio import _is_tty, _say

__all__ = ["NullOutput", "Output", "StreamOutput"]


class Output(Protocol):
    """Where exported pages go."""

    @property
    def finished(self) -> frozenset[int]:
        """Broadcast ids already finished by an earlier run (skip them)."""

    @property
    def cursors(self) -> Mapping[int, str]:
        """Cursors to resume unfinished broadcasts after."""

    @property
    def missing(self) -> Sequence[int]:
        """Broadcasts an earlier run found missing (404)."""

    def write(self, item: BroadcastPage, missing: Sequence[int]) -> None:
        """Write one page; `missing` lists the 404s seen so far."""

    def complete(self, missing: Sequence[int]) -> None:
        """The export finished: make everything durable and clean up."""

    def close(self) -> None:
        """Release the output (also after a failure or an interruption)."""


class StreamOutput:
    """Pages written to a stream: no checkpoint, nothing to resume.

    Args:
        stream: Where the pages go: stdout, or a device or FIFO opened for
            `--output`.
        fmt: `"jsonl"` or `"csv"`.
        owned: Close `stream` with the output (stdout stays open).
    """

    finished: frozenset[int] = frozenset()
    cursors: Mapping[int, str] = {}
    missing: Sequence[int] = ()

    def __init__(self, stream: IO[str], fmt: Format, *, owned: bool = False) -> None:
        self._stream = stream
        self._fmt = fmt
        self._owned = owned
        self._send(header(fmt))

    def _send(self, data: bytes) -> None:
        if not data:
            return
        binary = getattr(self._stream, "buffer", None)
        if binary is not None:
            self._stream.flush()
            binary.write(data)
            binary.flush()
        else:
            self._stream.write(data.decode())
            self._stream.flush()

    def write(self, item: BroadcastPage, missing: Sequence[int]) -> None:  # noqa: ARG002 - no checkpoint
        """Write one page and flush it."""
        self._send(format_page(item.page.items, self._fmt))

    def complete(self, missing: Sequence[int]) -> None:
        """Nothing to finish: every page was flushed as it came."""

    def close(self) -> None:
        """Close the stream if it is owned; stdout belongs to the caller."""
        if self._owned:
            self._stream.close()


class NullOutput:
    """Pages looked at and dropped (the report reads clicks, writes none)."""

    finished: frozenset[int] = frozenset()
    cursors: Mapping[int, str] = {}
    missing: Sequence[int] = ()

    def write(self, item: BroadcastPage, missing: Sequence[int]) -> None:
        """Drop the page."""

    def complete(self, missing: Sequence[int]) -> None:
        """Nothing to finish."""

    def close(self) -> None:
        """Nothing to release."""


class _Target(NamedTuple):
    output: Output
    where: str  # for messages
    streamed: bool  # no file to read back: stdout, a device or a FIFO
    terminal: bool  # the data shows on a terminal (so no progress display)


def _is_stream(path: Path) -> bool:
    """Whether `path` is an existing device, FIFO or socket, not a file."""
    try:
        mode = path.stat().st_mode
    except OSError:  # a new file, or an error that opening it reports better
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _resumable(args: argparse.Namespace) -> bool:
    """Whether the export goes to a file with a checkpoint (so `--resume` helps)."""
    return args.output is not None and not _is_stream(Path(args.output))


def _open_output(args: argparse.Namespace, arguments: dict[str, Any]) -> _Target:
    """Where the data goes: stdout, a file with a checkpoint, or a device."""
    fmt = cast("Format", args.format)
    if args.output is None:
        output: Output = StreamOutput(sys.stdout, fmt)
        return _Target(output, "stdout", streamed=True, terminal=_is_tty(sys.stdout))
    path = Path(args.output)
    if _is_stream(path):
        # /dev/null, a FIFO, /dev/tty: written like stdout, with no checkpoint
        # (nothing to truncate, sync or resume, and no directory of ours).
        if args.resume:
            msg = f"--resume needs a regular file: {path} is a device or pipe, with no checkpoint"
            raise _UsageError(msg, args.parser.prog)
        stream = path.open("w", encoding="utf-8", newline="")
        output = StreamOutput(stream, fmt, owned=True)
        return _Target(output, str(path), streamed=True, terminal=_is_tty(stream))
    output = FileOutput(path, fmt, arguments, resume=args.resume, note=_say)
    return _Target(output, str(path), streamed=False, terminal=False)
