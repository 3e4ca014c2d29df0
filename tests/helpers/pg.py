"""A real PostgreSQL server for tests: a new cluster in a temporary directory, on loopback.

`PostgresServer` runs `initdb` into a directory of its own, then `postgres` on a
free port of 127.0.0.1 (with its unix socket in that directory too), trusting
every local connection of the superuser `kit`. Databases are made and queried
with the cluster's own `createdb` and `psql`, so neither this module nor the
fixtures built on it need a Python driver.

PostgreSQL refuses to run as root. Run by root (CI containers are), the server
runs as the user `nobody`, through `subprocess.Popen(user=..., group=...)`:
nothing is added to the machine, so a fresh CI machine behaves like this one.

```python
bin_dir = find_bin_dir()  # None: not installed
with PostgresServer(bin_dir) as server:
    url = server.create_database()  # postgresql://kit@127.0.0.1:PORT/test_1
    server.psql("SELECT 1", database="test_1")
```
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

__all__ = ["MISSING", "PostgresServer", "find_bin_dir"]

#: The binaries a cluster needs, all from one installation.
BINARIES = ("initdb", "postgres", "psql", "createdb")
#: Why the PostgreSQL tests are skipped where the binaries are missing.
MISSING = (
    "PostgreSQL server binaries (initdb, postgres) not found in PATH or "
    "/usr/lib/postgresql/*/bin (apt-get install postgresql); .ci/run installs them"
)
SUPERUSER = "kit"
# Where Debian and Ubuntu put each major version's binaries (not in PATH).
DEBIAN_GLOB = "/usr/lib/postgresql/*/bin"
# The unprivileged account a root process runs the server as.
UNPRIVILEGED = "nobody"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0


def _complete(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in BINARIES)


def _version(directory: Path) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", directory.parent.name)
    return tuple(int(n) for n in numbers)


def find_bin_dir() -> Path | None:
    """The directory holding `initdb`, `postgres`, `psql` and `createdb`; `None` if none does.

    `initdb` in PATH first (a symlink is followed to its installation, whose
    `psql` is the server's own, not Debian's wrapper), then the newest of
    Debian's `/usr/lib/postgresql/<version>/bin`.
    """
    found = shutil.which("initdb")
    if found is not None:
        directory = Path(found).resolve().parent
        if _complete(directory):
            return directory
    debian = sorted(
        (d for d in Path("/").glob(DEBIAN_GLOB.lstrip("/")) if _complete(d)),
        key=_version,
        reverse=True,
    )
    return debian[0] if debian else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _client_env() -> dict[str, str]:
    """The environment without a developer's PG* settings (PGHOST, PGDATABASE, ...)."""
    return {name: value for name, value in os.environ.items() if not name.startswith("PG")}


def _reachable_by_others(directory: Path) -> bool:
    """Whether another user can reach `directory` (it and every parent searchable)."""
    try:
        return all(path.stat().st_mode & stat.S_IXOTH for path in (directory, *directory.parents))
    except OSError:
        return False


def _reachable_temp_dir() -> str:
    """The first temporary directory another user can reach."""
    for candidate in (tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"):  # noqa: S108
        if _reachable_by_others(Path(candidate)):
            return candidate
    msg = "no temporary directory that the PostgreSQL user can reach"
    raise RuntimeError(msg)


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory, served on a free loopback port.

    `start()` creates the cluster on its first call; `stop()` shuts the server
    down (fast: open sessions are ended) and keeps the data, so `start()` again
    serves the same databases on the same port. `close()` stops it and removes
    the directory. Used as a context manager, it is started and closed.

    Args:
        bin_dir: The installation's binaries (see `find_bin_dir`).

    Attributes:
        port: The TCP port on 127.0.0.1.
        directory: The temporary directory: `data/`, `socket/`, `postgres.log`.
    """

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = _free_port()
        # Who the server runs as: root becomes `nobody` (None: stay who we are).
        self._user: int | None = None
        self._group: int | None = None
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(UNPRIVILEGED)
            except KeyError:
                msg = f"PostgreSQL refuses to run as root, and there is no {UNPRIVILEGED!r} user"
                raise RuntimeError(msg) from None
            self._user, self._group = account.pw_uid, account.pw_gid
        # `nobody` must be able to reach the directory: not below a private one
        # (nox's TMPDIR inside a clone in a `mktemp -d` directory, say).
        base = None if self._user is None else _reachable_temp_dir()
        self.directory = Path(tempfile.mkdtemp(prefix="kit-async-pg-", dir=base))
        self._data = self.directory / "data"
        self._socket = self.directory / "socket"
        self._log = self.directory / "postgres.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)
        self._socket.mkdir()
        if self._user is not None and self._group is not None:
            for path in (self.directory, self._socket):
                os.chown(path, self._user, self._group)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<PostgresServer {self.bin_dir} on 127.0.0.1:{self.port}, {state}>"

    @property
    def url(self) -> str:
        """The URL of the `postgres` database (`postgresql://kit@127.0.0.1:PORT/postgres`)."""
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        """The URL of one database of this server (`postgresql://kit@127.0.0.1:PORT/NAME`)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs (its backends are its children)."""
        return self._process.pid if self.running and self._process is not None else None

    @property
    def running(self) -> bool:
        """Whether the server process is running."""
        return self._process is not None and self._process.poll() is None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        """Start the server (creating the cluster first if needed); return once it accepts."""
        if self.running:
            return
        if not self._data.exists():
            self._initdb()
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - the cluster's binary, fixed arguments
                [
                    str(self.bin_dir / "postgres"),
                    *["-D", str(self._data), "-p", str(self.port), "-k", str(self._socket)],
                    *["-c", "listen_addresses=127.0.0.1"],
                    # A throwaway cluster: durability across a machine crash is not needed.
                    *["-c", "fsync=off", "-c", "synchronous_commit=off"],
                    *["-c", "full_page_writes=off"],
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=self.directory,
                env=_client_env(),
                **self._identity(),
            )
        self._wait_ready()

    def stop(self) -> None:
        """Shut the server down (ending open sessions); the data stays for `start()`."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)  # PostgreSQL's "fast" shutdown
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise RuntimeError(f"postgres did not stop in {STOP_TIMEOUT:.0f} s") from None

    def close(self) -> None:
        """Stop the server and remove its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _initdb(self) -> None:
        self._run(
            "initdb",
            *["-D", str(self._data), "-U", SUPERUSER, "--auth=trust"],
            *["--encoding=UTF8", "--locale=C", "--no-sync"],
            as_server=True,
        )

    def _wait_ready(self) -> None:
        # What `pg_ctl -w` reads: the 8th line of postmaster.pid says "ready".
        pid_file = self._data / "postmaster.pid"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                self._process = None
                raise RuntimeError(f"postgres exited at start:\n{self.log_tail()}")
            with contextlib.suppress(OSError, IndexError):
                if pid_file.read_text().splitlines()[7].strip() == "ready":
                    return
            if time.monotonic() > deadline:
                self.stop()
                msg = f"postgres did not accept connections in {START_TIMEOUT:.0f} s"
                raise RuntimeError(f"{msg}:\n{self.log_tail()}")
            time.sleep(0.02)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's log, for error messages."""
        try:
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- databases -------------------------------------------------------------------
    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (`test_1`, `test_2`, ... by default); its URL is returned."""
        name = name or f"test_{next(self._names)}"
        self._run("createdb", *self._connection(), name)
        return self.database_url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, ending the sessions still connected to it."""
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def psql(self, sql: str, *, database: str = "postgres") -> str:
        """Run SQL with `psql`; its output (unaligned, tuples only: `a|b` rows) is returned.

        An SQL error raises `RuntimeError` with psql's message.
        """
        return self._run(
            "psql",
            *self._connection(),
            *["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
        )

    def _identity(self) -> dict[str, Any]:
        """Popen's arguments that run a process as the server's user (root's groups dropped)."""
        if self._user is None:
            return {}
        return {"user": self._user, "group": self._group, "extra_groups": []}

    def _connection(self) -> list[str]:
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER]

    def _run(self, binary: str, *arguments: str, as_server: bool = False) -> str:
        result = subprocess.run(  # noqa: S603 - the cluster's binary, fixed arguments
            [str(self.bin_dir / binary), *arguments],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.directory,
            env=_client_env(),
            timeout=START_TIMEOUT,
            **(self._identity() if as_server else {}),
        )
        if result.returncode != 0:
            msg = f"{binary} failed (exit {result.returncode}): {result.stderr.strip()}"
            raise RuntimeError(msg)
        output: str = result.stdout
        return output
