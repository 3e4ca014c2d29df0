"""A fleet worker's settings, and where each comes from (arguments or the environment)."""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

__all__ = ["ENVIRONMENT", "FleetConfig", "cron_times", "parse_every"]

#: The variables `FleetConfig.from_environment` reads, as `kit-async worker --help` lists them.
ENVIRONMENT = """\
environment (arq's WorkerSettings reads them all; kit-async worker the credentials,
and any option not given):
  KIT_CLIENT_ID         your Kit App's OAuth client id (required)
  KIT_CLIENT_SECRET     its client secret, if it has one
  KIT_TOKEN_STORE_KEY   the token store's Fernet encryption key (required; several,
                        comma-separated: the first encrypts, each one decrypts)
  KIT_SYNC_DATABASE     --database: postgresql://USER@HOST/DATABASE (or a SQLite file)
  KIT_TOKEN_STORE_URL   --token-store: the token store's URL
  KIT_REDIS_URL         --redis: arq's Redis (default redis://localhost:6379/0)
  KIT_SYNC_EVERY        --every (default 5m)
  KIT_SYNC_CONCURRENCY  --concurrency (default 4)
  KIT_BASE_URL          Kit's origin (default https://api.kit.com)
"""

_UNITS = {"s": 1, "m": 60, "h": 3600}
#: arq's Redis when none is given.
DEFAULT_REDIS = "redis://localhost:6379/0"


def parse_every(text: str) -> int:
    """`"30s"`, `"5m"`, `"1h"` (or a number of seconds) as seconds, checked by `cron_times`."""
    text = text.strip()
    unit = _UNITS.get(text[-1:], 0)
    number = text[:-1] if unit else text
    try:
        seconds = int(number) * (unit or 1)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        msg = f"invalid duration {text!r}: expected e.g. 30s, 5m or 1h"
        raise ValueError(msg)
    cron_times(seconds)
    return seconds


def cron_times(seconds: int) -> dict[str, set[int] | int]:
    """The times of arq's `cron()` for a tick every `seconds`, aligned to the clock.

    Aligned ticks are the same on every worker, so arq's unique cron job id
    (the tick's time) lets one worker only schedule each tick.

    Raises:
        ValueError: `seconds` divides no minute, hour or day evenly.
    """
    if seconds < 60 and 60 % seconds == 0:
        return {"second": set(range(0, 60, seconds))}
    if seconds % 60 == 0 and seconds < 3600 and 3600 % seconds == 0:
        return {"minute": set(range(0, 60, seconds // 60)), "second": 0}
    if seconds % 3600 == 0 and 86400 % seconds == 0:
        return {"hour": set(range(0, 24, seconds // 3600)), "minute": 0, "second": 0}
    msg = (
        f"every {seconds} s does not divide a minute, an hour or a day evenly "
        "(ticks are aligned to the clock): use e.g. 10s, 30s, 5m, 15m, 1h or 6h"
    )
    raise ValueError(msg)


@attrs.frozen(repr=False)
class FleetConfig:
    """What a fleet worker needs: where the data, the pairs and the queue are, and its pace.

    Attributes:
        database: The sync database (`postgresql://...`; a SQLite file for one machine).
        token_store: The token store's URL (see `kit_async.oauth.open_token_store`).
        encryption_key: The store's Fernet key(s).
        client_id: Your Kit App's OAuth client id.
        client_secret: Its client secret, if it has one.
        redis: arq's Redis URL (its queue, and the scheduler's unique ticks).
        every: Seconds between two ticks of the scheduler (see `cron_times`).
        concurrency: Accounts one worker syncs at once (arq's `max_jobs`).
        job_timeout: Seconds one account's sync may take; a worker killed
            mid-sync leaves its job to another worker this long (plus 10 s)
            after it started.
        base_url: Kit's origin (`None`: `KIT_BASE_URL`, else https://api.kit.com).
    """

    database: str
    token_store: str
    encryption_key: str | list[str] | None
    client_id: str
    client_secret: str | None = None
    redis: str = DEFAULT_REDIS
    every: int = 300
    concurrency: int = 4
    job_timeout: int = 600
    base_url: str | None = None

    def __repr__(self) -> str:
        # The URLs may hold passwords and the key is a secret: none is shown.
        return f"<FleetConfig every={self.every}s concurrency={self.concurrency}>"

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, **given: object
    ) -> FleetConfig:
        """The settings from the variables of `ENVIRONMENT`; `given` ones win.

        Raises:
            ValueError: A required setting is missing, or one is malformed
                (the message names its variable, never its value).
        """
        env = os.environ if environ is None else environ

        def setting(name: str, variable: str, *, required: bool = True) -> str | None:
            value = given.get(name)
            if value is None:
                value = env.get(variable) or None
            if value is None and required:
                msg = f"no {name.replace('_', ' ')}: set {variable}"
                raise ValueError(msg)
            return None if value is None else str(value)

        key = setting("encryption_key", "KIT_TOKEN_STORE_KEY")
        try:
            every = given.get("every") or parse_every(env.get("KIT_SYNC_EVERY") or "5m")
        except ValueError as exc:
            msg = f"KIT_SYNC_EVERY: {exc}"
            raise ValueError(msg) from None
        concurrency = given.get("concurrency") or _count(
            env.get("KIT_SYNC_CONCURRENCY") or "4", "KIT_SYNC_CONCURRENCY"
        )
        return cls(
            database=str(setting("database", "KIT_SYNC_DATABASE")),
            token_store=str(setting("token_store", "KIT_TOKEN_STORE_URL")),
            encryption_key=[part.strip() for part in str(key).split(",")],
            client_id=str(setting("client_id", "KIT_CLIENT_ID")),
            client_secret=setting("client_secret", "KIT_CLIENT_SECRET", required=False),
            redis=setting("redis", "KIT_REDIS_URL", required=False) or DEFAULT_REDIS,
            every=int(every),  # type: ignore[call-overload]
            concurrency=int(concurrency),  # type: ignore[call-overload]
            job_timeout=int(given.get("job_timeout") or 600),  # type: ignore[call-overload]
            base_url=setting("base_url", "KIT_BASE_URL", required=False),
        )


def _count(text: str, variable: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"{variable} must be a whole number, 1 or more"
        raise ValueError(msg)
    return value
