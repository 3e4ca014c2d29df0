"""A fleet of `kit-async worker` processes over many accounts (`bench/run.py`, measure 8).

For 1, 2 and 3 workers (`workers`), each time with a fresh redis-server (arq's
queue and the token store), a fresh PostgreSQL database and a FakeKit of
`accounts` creators of `broadcasts` sent broadcasts (2 links each) in this
process: the workers (`--concurrency 4`) start, then two rounds, each
enqueued at once as an app enqueues the accounts it connects (one sync per
account; the workers' own tick is hourly, so no tick repeats a sync):

1. the first round: every account's export into an empty database;
2. after `changed` broadcasts of each account got new clicks, the next round.

Each round's time runs from its enqueueing to the last account's
`last_sync_finished_at`; its requests are FakeKit's log. The CPU each part
spent during the round (the workers, PostgreSQL with its backends, this
process: FakeKit), and how busy the machine's cores were in all (other
programs' work included), say what bounded it.

Needs redis-server, PostgreSQL's server binaries (found as the tests find
them, `tests/helpers/pg.py`), kit-async[fleet] and psutil: `bench/run.py`
checks them first. Prints one JSON line. Usage:
`python bench/_fleet.py '{"accounts": 200, "broadcasts": 20, ...}'`.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "helpers")]

import psutil  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from fleet_support import (  # noqa: E402
    CLIENT_SECRET,
    enqueue_round,
    seed,
    start_worker,
    stopped,
    synced_since,
    worker_env,
)
from pg import PostgresServer, find_bin_dir  # noqa: E402

from kit_async.testing import FakeKit  # noqa: E402


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A redis-server on a free loopback port, no persistence; its URL (database 0)."""
    binary = shutil.which("redis-server")
    if binary is None:
        msg = "redis-server is not installed (apt-get install redis-server)"
        raise RuntimeError(msg)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                msg = f"redis-server did not start on port {port}"
                raise RuntimeError(msg)
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _cpu(process: psutil.Process, *, children: bool = False) -> float:
    """CPU seconds `process` spent so far (with its reaped children's: PostgreSQL's backends)."""
    times = process.cpu_times()
    spent: float = times.user + times.system
    if children:
        spent += times.children_user + times.children_system
    return spent


class Meter:
    """The CPU spent by each part of the fleet, and by the whole machine, between two reads."""

    def __init__(self, workers: list[subprocess.Popen[bytes]], postgres_pid: int) -> None:
        self.workers = [psutil.Process(worker.pid) for worker in workers]
        self.postgres = psutil.Process(postgres_pid)
        self.me = psutil.Process()

    def read(self) -> dict[str, float]:
        machine = psutil.cpu_times()
        busy = machine.user + machine.system
        busy += sum(getattr(machine, name, 0.0) for name in ("nice", "irq", "softirq"))
        return {
            "workers": sum(_cpu(worker) for worker in self.workers),
            "postgres": _cpu(self.postgres, children=True),
            "fakekit": _cpu(self.me),
            "machine_busy": busy,
            "wall": time.monotonic(),
        }

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {name: round(after[name] - before[name], 2) for name in before}


async def _ready(logs: list[Path], workers: list[subprocess.Popen[bytes]]) -> None:
    """Until each worker has started arq's loop (its log says so)."""
    for log, worker in zip(logs, workers, strict=True):
        while True:
            text = log.read_text(errors="replace")
            if "Starting worker for" in text:
                break
            if worker.poll() is not None:
                msg = f"a worker ended at start:\n{text}"
                raise RuntimeError(msg)
            await asyncio.sleep(0.05)


async def _round(
    o: dict[str, Any],
    server: FakeKit,
    fleet: list[subprocess.Popen[bytes]],
    meter: Meter,
    *,
    database: str,
    redis: str,
) -> dict[str, Any]:
    since, at, before = len(server.requests), datetime.now(UTC), meter.read()
    await enqueue_round(redis, list(server.accounts))
    rows = await synced_since(database, o["accounts"], at, fleet)
    spent = Meter.spent(before, meter.read())
    # The round ends with the last account's sync, not with this look at the database.
    seconds = (max(row["last_sync_finished_at"] for row in rows) - at).total_seconds()
    requests = len(server.requests) - since
    cores = psutil.cpu_count() or 1
    return {
        "seconds": round(seconds, 2),
        "accounts_per_minute": round(o["accounts"] / seconds * 60),
        "requests": requests,
        "requests_per_account": requests / o["accounts"],
        "cpu_seconds": {k: v for k, v in spent.items() if k not in {"wall", "machine_busy"}},
        # How busy the machine's cores were, all programs (others' too).
        "machine_busy": round(spent["machine_busy"] / (spent["wall"] * cores), 2),
    }


async def measure(o: dict[str, Any], workers: int, postgres: PostgresServer) -> dict[str, Any]:
    """One fleet of `workers` processes: its first round and its round after a change."""
    database = postgres.create_database()
    tmp = Path(tempfile.mkdtemp(prefix="kit-async-fleet-bench-"))
    try:
        with redis_server(tmp) as redis:
            store = redis.replace("/0", "/1")
            key = Fernet.generate_key().decode()
            async with FakeKit(
                accounts=o["accounts"],
                broadcasts=o["broadcasts"],
                clicks=2,
                drafts=0,
                client_secret=CLIENT_SECRET,
            ) as server:
                await seed(store, key, server)
                args = [
                    *["--database", database, "--token-store", store, "--redis", redis],
                    *["--every", "1h", "--concurrency", str(o["concurrency"])],
                    *["--job-timeout", "300"],
                ]
                env = worker_env(server, key)
                logs = [tmp / f"w{n}.log" for n in range(workers)]
                fleet = [start_worker(env, *args, log=log) for log in logs]
                try:
                    await _ready(logs, fleet)
                    assert postgres.pid is not None
                    meter = Meter(fleet, postgres.pid)
                    first = await _round(o, server, fleet, meter, database=database, redis=redis)
                    for account in server.accounts.values():
                        for broadcast_id in sorted(account.broadcasts)[: o["changed"]]:
                            account.add_clicks(broadcast_id, "https://example.com/new", 1, opens=1)
                    changed = await _round(o, server, fleet, meter, database=database, redis=redis)
                    codes = await asyncio.gather(*(stopped(worker) for worker in fleet))
                finally:
                    for worker in fleet:
                        if worker.poll() is None:
                            worker.kill()
                            worker.wait()
                if any(codes):
                    msg = f"a worker ended with {codes}:\n" + "\n".join(
                        log.read_text(errors="replace")[-2000:] for log in logs
                    )
                    raise RuntimeError(msg)
                rate_limited = server.rate_limited
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "workers": workers,
        "first_round": first,
        "changed_round": changed,
        "rate_limited": rate_limited,
    }


async def main(o: dict[str, Any]) -> dict[str, Any]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        msg = "PostgreSQL's server binaries are not installed (apt-get install postgresql)"
        raise RuntimeError(msg)
    runs = []
    with PostgresServer(bin_dir) as postgres:
        for workers in o["workers"]:
            print(f"  .. fleet: {workers} worker(s)", file=sys.stderr, flush=True)
            runs.append(await measure(o, workers, postgres))
    return {**o, "nproc": psutil.cpu_count(), "runs": runs}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))), flush=True)
