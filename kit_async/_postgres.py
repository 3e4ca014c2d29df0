"""What asyncpg may raise, shared by the sync target, the webhook inbox and the CLI.

asyncpg is optional (the `[postgres]` extra): it is imported when these are
first asked for, not with this module.
"""

from __future__ import annotations

__all__ = ["connect_errors", "query_errors"]


def query_errors() -> tuple[type[BaseException], ...]:
    """What a query on an open asyncpg connection (or pool) may raise."""
    import asyncpg

    return (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)


def connect_errors() -> tuple[type[BaseException], ...]:
    """What `asyncpg.connect` or `create_pool` may raise for a server or URL that cannot be used.

    Beyond a query's errors: a timeout, and `ValueError` for a parameter
    asyncpg refuses (`?port=x`, `?sslmode=x`).
    """
    return (*query_errors(), TimeoutError, ValueError)
