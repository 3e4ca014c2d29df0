"""What the token-store tests share: one store URL per kind, and the raw bytes a store keeps.

`store_url(request, tmp_path)` serves the `store_url` fixture of each test
file: a SQLite file in `tmp_path`, a new database of the session's PostgreSQL
(tests/pg.py), or a throwaway redis-server on loopback. `STORES` are the
fixture's parameters, each marked with what it needs.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

__all__ = ["STORES", "raw_dump", "redis_server", "store_url"]

STORES = [
    pytest.param(
        "sqlite", marks=[pytest.mark.requires_extra("apps"), pytest.mark.requires_extra("sync")]
    ),
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.requires_extra("apps"),
            pytest.mark.requires_extra("postgres"),
        ],
    ),
    pytest.param(
        "redis",
        marks=[
            pytest.mark.redis,
            pytest.mark.requires_extra("apps"),
            pytest.mark.requires_extra("redis"),
        ],
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A redis-server on a free loopback port (the way tests/e2e/test_redis_ratelimit.py starts one)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "redis-server not installed (apt-get install redis-server); .ci/run installs it"
        )
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - a fixed binary with fixed arguments
        [
            *[binary, "--port", str(port), "--bind", "127.0.0.1"],
            *["--save", "", "--appendonly", "no", "--dir", str(directory)],
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 5.0
        while not _answers_ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=5)


@contextmanager
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store of the kind `request.param` names."""
    kind = request.param
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'tokens.db'}"
    elif kind == "postgres":
        yield request.getfixturevalue("postgres_url")
    else:
        with redis_server(tmp_path) as url:
            yield url


async def raw_dump(url: str) -> bytes:
    """Every byte the store keeps, as its administrator would see it (file, rows or keys)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(f"{path.name}*"))
    if url.startswith("postgresql://"):
        import asyncpg

        connection = await asyncpg.connect(url)
        try:
            rows = await connection.fetch("SELECT * FROM kit_token_store")
        finally:
            await connection.close()
        return b"".join(_as_bytes(value) for row in rows for value in row.values())
    import coredis

    client: Any = coredis.Redis.from_url(url, decode_responses=False)
    try:
        dump = []
        for key in await client.keys("*"):
            dump.append(key)
            kind = await client.type(key)
            if kind == b"hash":
                for field, value in (await client.hgetall(key)).items():
                    dump += [field, value]
            elif kind == b"set":
                dump += list(await client.smembers(key))
            else:
                dump.append(await client.get(key) or b"")
        return b"".join(dump)
    finally:
        client.connection_pool.disconnect()


def _as_bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()
