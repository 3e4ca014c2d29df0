"""`kit-async worker`: one worker of a fleet keeping every connected account's clicks current."""

from __future__ import annotations

import argparse
import asyncio
import logging

from ._errors import EXIT_CODES, EXIT_CONFIG, EXIT_LOCAL, EXIT_OK, _CommandError
from ._options import FORMATTER, _Commands, _int_between, _wrap

logger = logging.getLogger("kit_async")


def add_parser(commands: _Commands) -> None:
    """Add `worker` to the command line."""
    from ..fleet._config import ENVIRONMENT

    parser = commands.add_parser(
        "worker",
        help="run one arq worker of a fleet syncing every connected account (kit-async[fleet])",
        description=_wrap(
            "Run one worker of a fleet: each tick (--every, aligned to the clock) one "
            "worker enqueues a sync of every connected account of the token store, and "
            "whichever worker is free syncs it into the database. Start as many as it "
            "takes, on as many machines. SIGTERM or Ctrl-C stops it: the syncs it runs "
            "are cancelled (each broadcast already written is kept) and go back to the "
            "queue, where another worker takes them at once. See docs/fleet.md."
        ),
        epilog="example:\n  kit-async worker --database postgresql://kit@db/marketing \\\n"
        "      --token-store postgresql://kit@db/app --redis redis://queue:6379/0 --every 5m\n\n"
        f"{ENVIRONMENT}\n{EXIT_CODES}",
        formatter_class=FORMATTER,
    )
    parser.add_argument("--database", metavar="URL", help="the sync database (KIT_SYNC_DATABASE)")
    parser.add_argument(
        "--token-store", metavar="URL", help="the token store (KIT_TOKEN_STORE_URL)"
    )
    parser.add_argument("--redis", metavar="URL", help="arq's Redis (KIT_REDIS_URL)")
    parser.add_argument(
        "--every", metavar="DURATION", help="time between ticks: 30s, 5m, 1h (default 5m)"
    )
    parser.add_argument(
        "--concurrency",
        type=_int_between(1, 1000),
        metavar="N",
        help="accounts this worker syncs at once (default 4)",
    )
    parser.add_argument(
        "--job-timeout",
        type=_int_between(1),
        metavar="SECONDS",
        help="time one account's sync may take; a killed worker's job is taken over "
        "that long (plus 10 s) after it started (default 600)",
    )
    parser.set_defaults(run=run, parser=parser)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the worker until SIGTERM or Ctrl-C; return the exit code."""
    try:
        from ..fleet import FleetConfig, parse_every, worker_settings
    except ImportError as exc:
        raise _CommandError(EXIT_CONFIG, str(exc)) from None
    try:
        every = None if args.every is None else parse_every(args.every)
    except ValueError as exc:
        parser.error(f"argument --every: {exc}")
    try:
        config = FleetConfig.from_environment(
            database=args.database,
            token_store=args.token_store,
            redis=args.redis,
            every=every,
            concurrency=args.concurrency,
            job_timeout=args.job_timeout,
        )
    except ValueError as exc:
        raise _CommandError(EXIT_CONFIG, str(exc)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(_serve(config, worker_settings(config)))
    return EXIT_OK


async def _serve(config: object, settings: dict[str, object]) -> None:
    from ..fleet._stop import FleetWorker
    from ._fleet_checks import check_ready

    await check_ready(config)  # type: ignore[arg-type]
    # Built in the running loop: it adds its SIGTERM and SIGINT handlers to it,
    # which hand the running syncs back to the queue and end `main`.
    await FleetWorker(**settings).serve()


__all__ = ["EXIT_LOCAL", "add_parser", "run"]
