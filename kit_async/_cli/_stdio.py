"""stdout and stderr: messages, terminals, and readers that go away.

A closed pipe (`| head`) ends a command quietly with exit code 141; a
stream that cannot be written (a full disk, `>&-`) is one line and exit
code 5, never the interpreter's message at exit.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from collections.abc import Iterator
from typing import IO

from ._errors import EXIT_LOCAL, EXIT_PIPE, _CommandError


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _say(message: str) -> None:
    try:
        print(f"kit-async: {message}", file=sys.stderr, flush=True)
    except OSError:  # stderr is closed or full: there is nothing to tell it with
        _silence(sys.stderr)


def _silence(stream: IO[str]) -> None:
    """Point `stream` at /dev/null: what is still buffered for it goes there.

    Otherwise the interpreter's last flush, at exit, fails on it once more.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError):  # not a file of its own (tests capture it)
        pass
    finally:
        os.close(devnull)


class _Closed(io.TextIOBase):
    """Stands in for a stream closed before the start (`>&-`): writes fail."""

    def write(self, text: str) -> int:  # noqa: ARG002 - nothing can be written
        raise OSError(errno.EBADF, "it is closed")


def _flush_or_silence(stream: IO[str]) -> None:
    try:
        stream.flush()
    except (OSError, ValueError):
        _silence(stream)


def _reader_gone() -> int:
    """The reader of stdout (or stderr) closed the pipe: end quietly, 141."""
    _flush_or_silence(sys.stdout)
    _flush_or_silence(sys.stderr)
    return EXIT_PIPE


@contextlib.contextmanager
def _writing(name: str) -> Iterator[None]:
    """Turn a failed write to `name` (a full disk, say) into one line and exit 5."""
    try:
        yield
    except BrokenPipeError:
        raise  # the reader went away: main() ends quietly
    except OSError as exc:
        raise _CommandError(EXIT_LOCAL, f"cannot write to {name}: {exc.strerror or exc}") from None
