"""Click exports: every page of clicks of many broadcasts, to an output.

`export_clicks` is the engine (skip what an earlier run finished, resume
the others after their cursors, count what is done); `_run_export` runs it
for a command, with the progress display.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Callable, Sequence

import attrs

from .._client import KitClient
from .._resources.broadcast_clicks import UNSENT_STATUSES, BroadcastPage
from ._errors import EXIT_NOT_FOUND, _CommandError
from ._outputs import Output
from ._progress import _progress_for

__all__ = ["ExportState", "export_clicks"]


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


def _ignore(_: BroadcastPage) -> None:
    return None


async def _run_export(
    kit: KitClient,
    ids: list[int] | None,
    output: Output,
    args: argparse.Namespace,
    *,
    label: str,
    data_on_terminal: bool,
    transient: bool = False,
    on_page: Callable[[BroadcastPage], None] = _ignore,
) -> ExportState:
    state = ExportState()
    progress = _progress_for(
        state, kit, label, data_on_terminal=data_on_terminal, transient=transient
    )
    try:
        async with kit:
            if progress is not None:
                progress.start()
            try:
                return await export_clicks(
                    kit,
                    ids,
                    output,
                    per_page=args.per_page,
                    concurrency=args.concurrency,
                    state=state,
                    on_page=on_page,
                )
            finally:
                if progress is not None:
                    await progress.stop()
    finally:
        output.close()


def _not_found(state: ExportState) -> _CommandError:
    ids = ", ".join(str(broadcast_id) for broadcast_id in state.missing)
    noun = "broadcast" if len(state.missing) == 1 else "broadcasts"
    return _CommandError(
        EXIT_NOT_FOUND,
        f"{noun} {ids} answered 404 (unknown id, draft or scheduled): nothing to "
        "export there; every other broadcast was exported",
    )
