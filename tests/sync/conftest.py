"""The fixtures of the sync's tests, which live with the helpers that read a sync's database."""

from __future__ import annotations

from sync_db import database

__all__ = ["database"]
