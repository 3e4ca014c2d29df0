"""Keep every connected account's clicks current with a fleet of arq workers (`kit-async[fleet]`).

Run `kit-async worker` on as many machines as it takes (see docs/fleet.md),
or arq itself with this module's settings, configured by the environment
(`ENVIRONMENT` lists the variables):

```console
$ arq kit_async.fleet.WorkerSettings
```

Each tick, one worker enqueues one sync per connected account of the token
store (`sync_account`, under the account's own job id, so a sync still
running is not doubled); whichever worker is free takes it. The syncs write
to one database (schema version 2, see docs/sync.md).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ._config import ENVIRONMENT, FleetConfig, parse_every
from ._worker import JOB_ID, enqueue_account_sync, settings_from_environment, worker_settings

__all__ = [
    "ENVIRONMENT",
    "JOB_ID",
    "FleetConfig",
    "WorkerSettings",
    "enqueue_account_sync",
    "parse_every",
    "worker_settings",
]

_SETTINGS = settings_from_environment()


class WorkerSettings:
    """arq's settings of a fleet worker, from the environment: `arq kit_async.fleet.WorkerSettings`.

    The pace (`KIT_SYNC_EVERY`, `KIT_SYNC_CONCURRENCY`) and `KIT_REDIS_URL`
    are read on import, the rest (`FleetConfig.from_environment`) when the
    worker starts.
    """

    functions: ClassVar[list[Any]] = _SETTINGS["functions"]
    cron_jobs: ClassVar[list[Any]] = _SETTINGS["cron_jobs"]
    redis_settings: ClassVar[Any] = _SETTINGS["redis_settings"]
    on_startup: ClassVar[Any] = _SETTINGS["on_startup"]
    on_shutdown: ClassVar[Any] = _SETTINGS["on_shutdown"]
    max_jobs: ClassVar[int] = _SETTINGS["max_jobs"]
    job_timeout: ClassVar[int] = _SETTINGS["job_timeout"]
    keep_result: ClassVar[int] = _SETTINGS["keep_result"]
