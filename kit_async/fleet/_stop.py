"""`FleetWorker`: arq's worker, whose stop hands every job back to the queue at once.

arq's own stop (SIGTERM, Ctrl-C) cancels the worker's main task and its
jobs wherever they are. A job it was just taking from Redis (its
in-progress mark set, its task not made yet) then keeps that mark until it
expires (`job_timeout` + 10 s), and no worker of the fleet can take the job
meanwhile. `FleetWorker` stops in order instead: it takes no new job,
lets the one being taken be taken, cancels the syncs running (arq puts each
back in the queue and clears its mark), and only then ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterable
from typing import Any

from arq.worker import Worker

__all__ = ["STOPPING", "FleetWorker"]

logger = logging.getLogger("kit_async")

#: The key of the worker's context holding the `asyncio.Event` set when it stops.
STOPPING = "kit_async_stopping"
#: The jobs a stop cancels: the account syncs (a tick is short: it ends).
_SYNC_JOBS = "kit-async:sync:"


class FleetWorker(Worker):
    """The arq `Worker` of `kit-async worker`, whose stop leaves no job marked in progress.

    Takes the keyword arguments of `worker_settings`. The first SIGTERM or
    SIGINT stops the worker cleanly (see the module); a second one, while it
    stops, ends it at once, as arq's own stop does.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Its own context: the settings' one is left as it was given.
        self.ctx = dict(self.ctx)
        self._stopping = asyncio.Event()
        self.ctx[STOPPING] = self._stopping
        self._starting: asyncio.Future[None] | None = None
        self._stop_task: asyncio.Task[None] | None = None

    async def serve(self) -> None:
        """Take jobs until stopped, then close: what `kit-async worker` runs."""
        self.main_task = asyncio.ensure_future(self.main())
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await self.main_task
        finally:
            # After a forced stop, jobs may have ended cancelled: arq's `close()`
            # would raise that rather than close.
            if self.tasks:
                await asyncio.wait(list(self.tasks.values()))
                self.tasks.clear()
            await self.close()

    async def start_jobs(self, job_ids: Iterable[bytes]) -> None:
        """Start the jobs as arq does, one at a time, each start shielded from a stop.

        A stop waits for the start under way (see `handle_sig`) rather than
        cancelling it between the job's in-progress mark and its task.
        """
        for job_id in job_ids:
            if not self.allow_pick_jobs or self.job_counter >= self.max_jobs:
                return
            self._starting = asyncio.ensure_future(super().start_jobs([job_id]))
            await asyncio.shield(self._starting)

    def handle_sig(self, signum: signal.Signals) -> None:
        """Stop cleanly on the first signal; at once (arq's way) on the next."""
        if self._stopping.is_set():
            super().handle_sig(signum)
            return
        self._stopping.set()
        self.allow_pick_jobs = False
        logger.info(
            "shutdown on %s: %d jobs running, the syncs among them go back to the queue",
            signum.name,
            sum(not task.done() for task in self.tasks.values()),
        )
        self._stop_task = asyncio.ensure_future(self._stop())

    async def _stop(self) -> None:
        if self._starting is not None:
            # The job being taken gets its task (or is left alone), then no other is taken.
            with contextlib.suppress(Exception):
                await self._starting
        for job_id, task in list(self.job_tasks.items()):
            if job_id.startswith(_SYNC_JOBS):
                task.cancel()
        # A job cancelled in its sync goes through arq's bookkeeping (back in
        # the queue, its mark cleared); one not in its sync yet sees the stop
        # at its start (`sync_account`) and is retried the same way.
        if self.tasks:
            await asyncio.wait(list(self.tasks.values()))
        if self.main_task is not None:
            self.main_task.cancel()
