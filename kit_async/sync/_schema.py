"""The tables' layout (schema version 2), for both dialects, and the way from version 1.

Version 2 keeps many accounts in one database: an `accounts` table, and
`account_id` leading the keys of `broadcasts` and `broadcast_clicks`, so each
account's rows are one range of each key (the per-account queries use them).
A version-1 database (one account, no `account_id`) is rebuilt in place, in
one transaction: its tables are renamed aside, the new ones made, every row
copied with the account's id, the old ones dropped.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["TYPES", "indexes", "migrate_v1", "tables"]

#: Each dialect's column types, by the role a column plays.
TYPES: Mapping[str, Mapping[str, str]] = {
    "sqlite": {
        "id": "INTEGER",
        "int": "INTEGER",
        "real": "REAL",
        "bool": "INTEGER",
        "time": "TEXT",
    },
    "postgresql": {
        "id": "BIGINT",
        "int": "BIGINT",
        "real": "DOUBLE PRECISION",
        "bool": "BOOLEAN",
        "time": "TIMESTAMPTZ",
    },
}

#: The columns version 1 and version 2 share, in order.
BROADCAST_COLUMNS = (
    "id, subject, status, published_at, send_at, recipients, emails_opened, total_clicks, "
    "click_tracking_disabled, clicks_synced_at, outside_retention_since, deleted_at"
)
CLICK_COLUMNS = "broadcast_id, url, unique_clicks, click_to_delivery_rate, click_to_open_rate"


def tables(dialect: str) -> tuple[str, ...]:
    """The `CREATE TABLE IF NOT EXISTS` statements of version 2, in dependency order."""
    t = TYPES[dialect]
    return (
        "CREATE TABLE IF NOT EXISTS kit_async_schema ("
        " version INTEGER NOT NULL,"
        f" created_at {t['time']} NOT NULL,"
        f" last_sync_started_at {t['time']})",
        "CREATE TABLE IF NOT EXISTS accounts ("
        f" id {t['id']} PRIMARY KEY,"
        " name TEXT,"
        " status TEXT NOT NULL DEFAULT 'connected',"
        f" connected_at {t['time']},"
        f" disconnected_at {t['time']},"
        f" last_sync_started_at {t['time']},"
        f" last_sync_finished_at {t['time']},"
        " last_error TEXT)",
        "CREATE TABLE IF NOT EXISTS broadcasts ("
        f" account_id {t['id']} NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
        f" id {t['id']} NOT NULL,"
        " subject TEXT,"
        " status TEXT,"
        f" published_at {t['time']},"
        f" send_at {t['time']},"
        f" recipients {t['int']},"
        f" emails_opened {t['int']},"
        f" total_clicks {t['int']},"
        f" click_tracking_disabled {t['bool']},"
        f" clicks_synced_at {t['time']},"
        f" outside_retention_since {t['time']},"
        f" deleted_at {t['time']},"
        # Named, so that the names are the same in a new and a migrated database.
        " CONSTRAINT kit_async_broadcasts_key PRIMARY KEY (account_id, id))",
        "CREATE TABLE IF NOT EXISTS broadcast_clicks ("
        f" account_id {t['id']} NOT NULL,"
        f" broadcast_id {t['id']} NOT NULL,"
        " url TEXT NOT NULL,"
        f" unique_clicks {t['int']} NOT NULL,"
        f" click_to_delivery_rate {t['real']} NOT NULL,"
        f" click_to_open_rate {t['real']} NOT NULL,"
        " CONSTRAINT kit_async_broadcast_clicks_key PRIMARY KEY (account_id, broadcast_id, url),"
        " CONSTRAINT kit_async_broadcast_clicks_broadcast FOREIGN KEY (account_id, broadcast_id)"
        " REFERENCES broadcasts (account_id, id) ON DELETE CASCADE)",
    )


def indexes() -> tuple[str, ...]:
    """The indexes beside the keys (which lead with `account_id` already)."""
    return (
        "CREATE INDEX IF NOT EXISTS broadcasts_account_published "
        "ON broadcasts (account_id, published_at)",
        "CREATE INDEX IF NOT EXISTS accounts_status ON accounts (status, last_sync_finished_at)",
    )


def migrate_v1(dialect: str, *, with_account: bool) -> tuple[str, ...]:
    """Version 1 to 2, to run in one transaction; `?` is the account's id.

    Without an account (a version-1 database holding no broadcast), no
    `accounts` row is made and the copies copy nothing.
    """
    accounts, broadcasts, clicks = tables(dialect)[1:]
    account = (
        ("INSERT INTO accounts (id, status, connected_at) VALUES (?, 'connected', ?)",)
        if with_account
        else ()
    )
    return (
        accounts,
        *account,
        "ALTER TABLE broadcast_clicks RENAME TO kit_async_v1_broadcast_clicks",
        "ALTER TABLE broadcasts RENAME TO kit_async_v1_broadcasts",
        broadcasts,
        clicks,
        f"INSERT INTO broadcasts (account_id, {BROADCAST_COLUMNS}) "  # noqa: S608 - our columns
        f"SELECT CAST(? AS BIGINT), {BROADCAST_COLUMNS} FROM kit_async_v1_broadcasts",
        f"INSERT INTO broadcast_clicks (account_id, {CLICK_COLUMNS}) "  # noqa: S608 - our columns
        f"SELECT CAST(? AS BIGINT), {CLICK_COLUMNS} FROM kit_async_v1_broadcast_clicks",
        "DROP TABLE kit_async_v1_broadcast_clicks",
        "DROP TABLE kit_async_v1_broadcasts",
        *indexes(),
        "UPDATE kit_async_schema SET version = 2",
    )
