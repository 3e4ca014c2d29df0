"""Checkpoints: an export to a file that a later run can resume.

An export written to a file keeps a checkpoint beside it
(`FILE.checkpoint.json`), replaced atomically after every page that reaches
the disk. It records what a later run needs to continue without writing a
click twice or losing one: the arguments that started the export, the
broadcasts already finished, the cursor to resume each unfinished broadcast
after (the `end_cursor` of its last written page) and the byte offset of the
output after that page. Resuming truncates the output to that offset, which
drops a page that was only partly written when the run stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import attrs

from .._resources.broadcast_clicks import BroadcastPage
from ._formats import Format, format_page, header

__all__ = [
    "CHECKPOINT_SUFFIX",
    "Checkpoint",
    "CheckpointError",
    "CheckpointMismatchError",
    "FileOutput",
]

CHECKPOINT_SUFFIX = ".checkpoint.json"
_CHECKPOINT_VERSION = 1


class CheckpointError(Exception):
    """A checkpoint or its output file cannot be used to resume."""


class CheckpointMismatchError(CheckpointError):
    """The checkpoint was written by an export with other arguments."""


@attrs.define
class Checkpoint:
    """Where an interrupted export to a file stopped.

    Attributes:
        arguments: What the export was asked for; a resume must match them.
        offset: Bytes of the output that hold complete pages.
        finished: Broadcasts fully written (or found missing), in order.
        missing: Requested broadcasts that answered 404.
        cursors: Broadcast id -> the cursor to resume after (the
            `end_cursor` of its last written page).
    """

    arguments: dict[str, Any]
    offset: int = 0
    finished: list[int] = attrs.Factory(list)
    missing: list[int] = attrs.Factory(list)
    cursors: dict[int, str] = attrs.Factory(dict)

    def to_json(self) -> bytes:
        """The checkpoint as the JSON stored on disk."""
        data = {
            "version": _CHECKPOINT_VERSION,
            "arguments": self.arguments,
            "offset": self.offset,
            "finished": self.finished,
            "missing": self.missing,
            "cursors": {str(key): value for key, value in self.cursors.items()},
        }
        return json.dumps(data, indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes, where: Path) -> Checkpoint:
        """Read a stored checkpoint; `CheckpointError` if it is not one."""
        try:
            data = json.loads(raw)
            version = data["version"]
        except (ValueError, TypeError, KeyError) as exc:
            msg = f"{where} is not a usable checkpoint ({exc}); delete it to start over"
            raise CheckpointError(msg) from None
        if version != _CHECKPOINT_VERSION:
            msg = f"{where} has an unsupported version ({version!r}); delete it to start over"
            raise CheckpointError(msg)
        try:
            checkpoint = cls(
                arguments=dict(data["arguments"]),
                offset=int(data["offset"]),
                finished=[int(value) for value in data["finished"]],
                missing=[int(value) for value in data["missing"]],
                cursors={int(key): str(value) for key, value in data["cursors"].items()},
            )
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            msg = f"{where} is not a usable checkpoint ({exc!r}); delete it to start over"
            raise CheckpointError(msg) from None
        if checkpoint.offset < 0:
            msg = f"{where} records a negative offset; run without --resume to start over"
            raise CheckpointError(msg)
        return checkpoint


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` so that a reader sees the old or the new file, never half."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise


class FileOutput:
    """Pages written to a file, with a checkpoint beside it after every page.

    Args:
        path: The output file.
        fmt: `"jsonl"` or `"csv"`.
        arguments: What the export is asked for (stored in the checkpoint).
        resume: Continue from the checkpoint if there is one; without one,
            or when `False`, start over (the file and any checkpoint are
            replaced).
    """

    def __init__(
        self,
        path: Path,
        fmt: Format,
        arguments: dict[str, Any],
        *,
        resume: bool,
        note: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.path = path
        self.checkpoint_path = path.with_name(path.name + CHECKPOINT_SUFFIX)
        self._fmt = fmt
        self.resumed = False
        checkpoint = self._load(arguments) if resume else None
        if checkpoint is None:
            if resume:
                note(f"no checkpoint at {self.checkpoint_path}; starting from the beginning")
            elif self.checkpoint_path.is_file():
                note(
                    f"starting over: replacing the checkpoint of an earlier, unfinished "
                    f"export ({self.checkpoint_path}); use --resume to continue one"
                )
            self._checkpoint = Checkpoint(arguments)
            self._file: IO[bytes] = self._start_over()
            self._save()
        else:
            self._file = self._reopen(checkpoint)
            self._checkpoint = checkpoint
            self.resumed = True
        self.finished = frozenset(self._checkpoint.finished)
        self.cursors = dict(self._checkpoint.cursors)
        self.missing = list(self._checkpoint.missing)

    def _load(self, arguments: dict[str, Any]) -> Checkpoint | None:
        try:
            raw = self.checkpoint_path.read_bytes()
        except FileNotFoundError:
            return None
        checkpoint = Checkpoint.from_json(raw, self.checkpoint_path)
        if checkpoint.arguments != arguments:
            changed = sorted(
                key
                for key in set(arguments) | set(checkpoint.arguments)
                if arguments.get(key) != checkpoint.arguments.get(key)
            )
            msg = (
                f"{self.checkpoint_path} belongs to an export with other arguments "
                f"(differing: {', '.join(changed)}); rerun it with the same ones, "
                "or drop --resume to start over"
            )
            raise CheckpointMismatchError(msg)
        return checkpoint

    def _start_over(self) -> IO[bytes]:
        """Empty the output and write its header, once a checkpoint is on disk.

        The checkpoint is written first (offset 0: "nothing written yet"), so
        one that cannot be written fails the export before the output is
        touched, and a run that dies in between resumes from the start.
        """
        existed = self.path.exists()
        # Opened without truncating: the output must be writable, but stays as it is.
        handle = os.fdopen(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o666), "wb")
        try:
            self._write_checkpoint()
        except CheckpointError as exc:
            handle.close()
            if not existed:
                self.path.unlink(missing_ok=True)
            kept = f"; {self.path} was left as it was" if existed else ""
            raise CheckpointError(f"{exc}{kept}") from None
        handle.truncate(0)
        handle.write(header(self._fmt))
        return handle

    def _write_checkpoint(self) -> None:
        try:
            _write_atomically(self.checkpoint_path, self._checkpoint.to_json())
        except OSError as exc:
            msg = f"cannot write the checkpoint {self.checkpoint_path}: {exc.strerror or exc}"
            raise CheckpointError(msg) from None

    def _reopen(self, checkpoint: Checkpoint) -> IO[bytes]:
        try:
            handle = self.path.open("r+b")
        except FileNotFoundError:
            msg = f"{self.path} is missing but its checkpoint is not; drop --resume to start over"
            raise CheckpointError(msg) from None
        size = handle.seek(0, os.SEEK_END)
        if size < checkpoint.offset:
            handle.close()
            msg = (
                f"{self.path} is shorter ({size} bytes) than its checkpoint records "
                f"({checkpoint.offset}); drop --resume to start over"
            )
            raise CheckpointError(msg)
        # Whatever follows the offset is a page that was not completely written.
        handle.truncate(checkpoint.offset)
        handle.seek(checkpoint.offset)
        if checkpoint.offset == 0:  # the run died before even the header was written
            handle.write(header(self._fmt))
        return handle

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._checkpoint.offset = self._file.tell()

    def _save(self) -> None:
        self._sync()
        self._write_checkpoint()

    def write(self, item: BroadcastPage, missing: Sequence[int]) -> None:
        """Write one page, make it durable, then record it in the checkpoint."""
        broadcast_id, page = item
        self._file.write(format_page(page.items, self._fmt))
        checkpoint = self._checkpoint
        if page.pagination.has_next_page:
            checkpoint.cursors[broadcast_id] = str(page.pagination.end_cursor)
        else:
            checkpoint.cursors.pop(broadcast_id, None)
            checkpoint.finished.append(broadcast_id)
        self._note_missing(missing)
        self._save()

    def _note_missing(self, missing: Sequence[int]) -> None:
        checkpoint = self._checkpoint
        for broadcast_id in missing:
            if broadcast_id not in checkpoint.missing:
                checkpoint.missing.append(broadcast_id)
                checkpoint.finished.append(broadcast_id)

    def complete(self, missing: Sequence[int]) -> None:
        """Flush the output to disk and delete the checkpoint."""
        self._note_missing(missing)
        self._sync()
        self.checkpoint_path.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the file; the checkpoint (if any) stays for a resume."""
        self._file.close()
