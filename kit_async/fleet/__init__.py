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

from typing import TYPE_CHECKING, Any

from ._config import ENVIRONMENT, FleetConfig, parse_every

if TYPE_CHECKING:
    from ._settings import WorkerSettings
    from ._worker import JOB_ID, enqueue_account_sync, worker_settings

__all__ = [
    "ENVIRONMENT",
    "JOB_ID",
    "FleetConfig",
    "WorkerSettings",
    "enqueue_account_sync",
    "parse_every",
    "worker_settings",
]

_LAZY = {
    "JOB_ID": "._worker",
    "enqueue_account_sync": "._worker",
    "worker_settings": "._worker",
    "WorkerSettings": "._settings",
}


def __getattr__(name: str) -> Any:
    # What needs arq is imported on first use: `kit-async --help` runs without it.
    if name not in _LAZY:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib

    return getattr(importlib.import_module(_LAZY[name], __name__), name)
