"""The errors of a sync that are not Kit's: the database's."""

from __future__ import annotations

__all__ = ["DatabaseError", "SyncError", "SyncLockedError"]


class SyncError(Exception):
    """Root of the errors a sync raises about its database (Kit's are `KitError`s).

    Attributes:
        database: The database as messages name it (never with a password).
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
    """Another sync of the same database is running (its lock is held)."""
