"""Click exports for the command line: formats, checkpoints and resuming.

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
import csv
import io
import json
import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Literal, Protocol

import attrs

from .._client import KitClient
from .._fanout import UNSENT_STATUSES, BroadcastPage
from .._models import BroadcastClick

__all__ = [
    "CHECKPOINT_SUFFIX",
    "FIELDS",
    "Checkpoint",
    "CheckpointError",
    "CheckpointMismatchError",
    "ExportState",
    "FileOutput",
    "Format",
    "NullOutput",
    "StreamOutput",
    "TopClicks",
    "export_clicks",
    "format_page",
    "read_clicks",
]

Format = Literal["jsonl", "csv"]

#: Columns of an export, in order: the broadcast id, then Kit's click fields.
FIELDS = ("broadcast_id", "url", "unique_clicks", "click_to_delivery_rate", "click_to_open_rate")
CHECKPOINT_SUFFIX = ".checkpoint.json"
_CHECKPOINT_VERSION = 1


class CheckpointError(Exception):
    """A checkpoint or its output file cannot be used to resume."""


class CheckpointMismatchError(CheckpointError):
    """The checkpoint was written by an export with other arguments."""


def _row(click: BroadcastClick) -> tuple[Any, ...]:
    return (
        click.broadcast_id,
        click.url,
        click.unique_clicks,
        click.click_to_delivery_rate,
        click.click_to_open_rate,
    )


def _csv_text(rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def header(fmt: Format) -> bytes:
    """What an output starts with: the CSV header row, nothing for JSON lines."""
    return _csv_text([FIELDS]).encode() if fmt == "csv" else b""


def format_page(clicks: Iterable[BroadcastClick], fmt: Format) -> bytes:
    """One page of clicks as UTF-8 JSON lines or CSV rows."""
    if fmt == "csv":
        return _csv_text(_row(click) for click in clicks).encode()
    lines = (json.dumps(dict(zip(FIELDS, _row(click), strict=True))) + "\n" for click in clicks)
    return "".join(lines).encode()


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


def read_clicks(path: Path, fmt: Format) -> Iterator[BroadcastClick]:
    """Read back the clicks of an export file, one at a time."""
    with path.open(encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            for row in csv.DictReader(handle):
                yield BroadcastClick(
                    broadcast_id=int(row["broadcast_id"]),
                    url=row["url"],
                    unique_clicks=int(row["unique_clicks"]),
                    click_to_delivery_rate=float(row["click_to_delivery_rate"]),
                    click_to_open_rate=float(row["click_to_open_rate"]),
                )
        else:
            for line in handle:
                if line.strip():
                    yield BroadcastClick(**json.loads(line))


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


@attrs.define
class ExportState:
    """Counters of a running export, read by the progress display.

    Attributes:
        total: Broadcasts to export, once known (`--all` learns it from the
            listing).
        done: Broadcasts finished, including those of an earlier run.
        pages: Pages written by this run.
        clicks: Clicks written by this run.
        missing: Broadcasts that answered 404 (drafts, scheduled or unknown
            ids), including those found by an earlier run.
    """

    total: int | None = None
    done: int = 0
    pages: int = 0
    clicks: int = 0
    missing: list[int] = attrs.Factory(list)


class TopClicks:
    """The `n` most-clicked links seen so far, in bounded memory.

    Ordered by unique clicks, then click-to-open rate (both descending),
    then broadcast id and URL, so ties always come out the same way.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._kept: list[BroadcastClick] = []
        #: How many clicks were considered.
        self.seen = 0
        #: The broadcasts they came from.
        self.broadcasts: set[int] = set()

    @staticmethod
    def key(click: BroadcastClick) -> tuple[int, float, int, str]:
        """The sort key: most clicks first, ties broken deterministically."""
        return (-click.unique_clicks, -click.click_to_open_rate, click.broadcast_id, click.url)

    def add(self, clicks: Iterable[BroadcastClick]) -> None:
        """Consider more clicks."""
        kept = self._kept
        for click in clicks:
            self.seen += 1
            self.broadcasts.add(click.broadcast_id)
            kept.append(click)
            if len(kept) >= 4 * self.n + 1000:
                self._trim()

    def _trim(self) -> None:
        self._kept.sort(key=self.key)
        del self._kept[self.n :]

    def top(self) -> list[BroadcastClick]:
        """The `n` most-clicked links, most clicked first."""
        self._trim()
        return list(self._kept)


async def _sent_broadcasts(
    kit: KitClient, skip: frozenset[int], state: ExportState
) -> AsyncIterator[int]:
    """Every sent broadcast of the account, less `skip`; sets `state.total`."""
    count = 0
    async for page in kit.broadcasts.list().pages():
        ids = [b.id for b in page.items if b.status not in UNSENT_STATUSES]
        count += len(ids)
        if not page.pagination.has_next_page:
            state.total = count
        for broadcast_id in ids:
            if broadcast_id not in skip:
                yield broadcast_id


async def export_clicks(
    kit: KitClient,
    broadcast_ids: Sequence[int] | None,
    output: Output,
    *,
    per_page: int,
    concurrency: int,
    state: ExportState,
    on_page: Callable[[BroadcastPage], None] = lambda _: None,
) -> ExportState:
    """Export the clicks of `broadcast_ids` (`None`: every sent broadcast).

    Broadcasts `output.finished` are skipped and `output.cursors` resume
    the others; every page goes to `output.write` as it arrives and then to
    `on_page`. The caller closes `output`.
    """
    skip = output.finished
    source: Sequence[int] | AsyncIterator[int]
    if broadcast_ids is None:
        source = _sent_broadcasts(kit, skip, state)
    else:
        state.total = len(broadcast_ids)
        source = [broadcast_id for broadcast_id in broadcast_ids if broadcast_id not in skip]
    state.done = len(skip)
    state.missing = list(output.missing)
    stream = kit.iter_clicks_for_broadcasts(
        source,
        concurrency=concurrency,
        per_page=per_page,
        on_missing="skip",
        after={key: value for key, value in output.cursors.items() if key not in skip},
    )
    # `async with`: an output that fails (a closed pipe) or an interruption
    # stops every fetcher here, before the caller closes the client. `pages`
    # is held in a variable so that it is still there for the stream to close.
    async with stream:
        pages = stream.pages()
        async for item in pages:
            info = item.page.pagination
            if info.has_next_page and info.end_cursor in (None, "", item.page.cursor):
                # The paginator raises PaginationError next; a page written now
                # could not be resumed after, so it would be written twice.
                continue
            for broadcast_id in stream.skipped:
                if broadcast_id not in state.missing:
                    state.missing.append(broadcast_id)
                    state.done += 1
            output.write(item, state.missing)
            state.pages += 1
            state.clicks += len(item.page.items)
            if not info.has_next_page:
                state.done += 1
            on_page(item)
    for broadcast_id in stream.skipped:
        if broadcast_id not in state.missing:
            state.missing.append(broadcast_id)
            state.done += 1
    output.complete(state.missing)
    return state
