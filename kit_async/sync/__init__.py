"""Keep a database of every broadcast's link clicks current: `sync_clicks`.

`await sync_clicks(kit, "kit-clicks.sqlite")` creates the tables on first use
and then fetches only the broadcasts whose stats changed; `kit-async sync` is
the same from the command line. `await sync_accounts(accounts, database)`
does it for every connected account of a Kit App, into one database. SQLite needs `pip install 'kit-async[sync]'`
(aiosqlite); PostgreSQL needs `pip install 'kit-async[postgres]'` (asyncpg).
The tables and the SQL to query them are in the docs' "Keeping a database in
sync".
"""

from __future__ import annotations

from ._accounts import sync_accounts
from ._errors import DatabaseError, SyncError, SyncLockedError
from ._report import AccountsReport, AccountSync, SyncProgress, SyncReport
from ._store import SCHEMA_VERSION
from ._sync import sync_clicks
from ._target import DEFAULT_DATABASE

__all__ = [
    "DEFAULT_DATABASE",
    "SCHEMA_VERSION",
    "AccountSync",
    "AccountsReport",
    "DatabaseError",
    "SyncError",
    "SyncLockedError",
    "SyncProgress",
    "SyncReport",
    "sync_accounts",
    "sync_clicks",
]
