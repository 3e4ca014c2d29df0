"""The errors of a sync that are not Kit's: the database's."""

from __future__ import annotations

__all__ = ["WAIT_HINT", "DatabaseError", "SyncError", "SyncLockedError", "locked"]

#: How to let a sync wait for another, in the library's words (the command
#: line says its `--wait` option instead).
WAIT_HINT = "pass wait=SECONDS to sync_clicks to wait for it"


class SyncError(Exception):
    """Root of the errors a sync raises about its database (Kit's are `KitError`s).

    Attributes:
        database: The database as messages name it: a URL's credentials are
            masked (`postgresql://kit:***@db/clicks?sslpassword=***`).
    """

    def __init__(self, message: str, *, database: str) -> None:
        super().__init__(message)
        self.database = database

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), str(self), self.database))


def _rebuild(cls: type[SyncError], message: str, database: str) -> SyncError:
    return cls(message, database=database)


class DatabaseError(SyncError):
    """The database cannot be opened, written, or holds tables kit-async did not make.

    Raised before any request to Kit when the database is unreachable or
    unwritable; during a sync when a write fails (what was committed stays).
    """


class SyncLockedError(SyncError):
    """Another sync of the same database is running (its lock is held).

    Its message says how to wait for it instead: `sync_clicks(..., wait=SECONDS)`.
    """


def locked(shown: str, holder: str) -> SyncLockedError:
    """The error of a sync that found the lock held: `holder` names the lock."""
    msg = (
        f"another kit-async sync of {shown} is running (it holds {holder}); "
        f"try again when it has finished, or {WAIT_HINT}"
    )
    return SyncLockedError(msg, database=shown)
