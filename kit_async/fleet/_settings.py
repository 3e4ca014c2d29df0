"""`WorkerSettings`: what `arq kit_async.fleet.WorkerSettings` runs, from the environment."""

from __future__ import annotations

from typing import Any, ClassVar

from ._worker import settings_from_environment

__all__ = ["WorkerSettings"]

_SETTINGS = settings_from_environment()


class WorkerSettings:
    """The arq settings of a fleet worker, from the environment: `arq kit_async.fleet.WorkerSettings`.

    The pace (`KIT_SYNC_EVERY`, `KIT_SYNC_CONCURRENCY`) and `KIT_REDIS_URL`
    are read on import, the rest (`FleetConfig.from_environment`) when the
    worker starts; `ENVIRONMENT` lists the variables.
    """

    functions: ClassVar[list[Any]] = _SETTINGS["functions"]
    cron_jobs: ClassVar[list[Any]] = _SETTINGS["cron_jobs"]
    redis_settings: ClassVar[Any] = _SETTINGS["redis_settings"]
    on_startup: ClassVar[Any] = _SETTINGS["on_startup"]
    on_shutdown: ClassVar[Any] = _SETTINGS["on_shutdown"]
    max_jobs: ClassVar[int] = _SETTINGS["max_jobs"]
    job_timeout: ClassVar[int] = _SETTINGS["job_timeout"]
    keep_result: ClassVar[int] = _SETTINGS["keep_result"]
