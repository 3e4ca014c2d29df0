"""The parser's parts: its class, argument types, options that commands share."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable
from typing import Any, NoReturn, TypeAlias

from .._core.validation import MAX_PER_PAGE
from ._errors import _UsageError
from ._stdio import _writing

#: How the commands format their help: the epilogs keep their layout.
FORMATTER = argparse.RawDescriptionHelpFormatter


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message, self.prog)

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse ignores a failed write of --help or --version; a closed
        # pipe or a full disk ends those like every other output instead.
        if message:
            stream = file or sys.stderr
            with _writing("stdout" if stream is sys.stdout else "stderr"):
                stream.write(message)
                stream.flush()


#: What a command adds its sub-parser to.
_Commands: TypeAlias = "argparse._SubParsersAction[_Parser]"


def _wrap(text: str) -> str:
    # The raw formatter keeps the epilogs' layout; descriptions are wrapped here.
    return textwrap.fill(text, width=78, break_on_hyphens=False)


def _broadcast_id(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        msg = f"invalid broadcast id {text!r}: expected a positive integer"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def _int_between(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            msg = f"invalid value {text!r}: expected an integer {bounds}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


def _selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "broadcast_ids",
        nargs="*",
        type=_broadcast_id,
        metavar="BROADCAST_ID",
        help="ids of the broadcasts (positive integers)",
    )
    parser.add_argument(
        "--all", action="store_true", help="every sent broadcast of the account (drafts skipped)"
    )


def _broadcast_ids(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[int] | None:
    """The ids asked for (duplicates dropped), or `None` for `--all`."""
    if args.all and args.broadcast_ids:
        parser.error("give broadcast ids or --all, not both")
    if not args.all and not args.broadcast_ids:
        parser.error("give one or more broadcast ids, or --all")
    return None if args.all else list(dict.fromkeys(args.broadcast_ids))


def _export_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--per-page",
        type=_int_between(1, MAX_PER_PAGE),
        default=MAX_PER_PAGE,
        metavar="N",
        help=f"clicks per request, 1 to {MAX_PER_PAGE} (default: %(default)s; "
        "fewer, larger pages spend less of Kit's rate limit)",
    )
    _fetch_options(parser)


def _fetch_options(parser: argparse.ArgumentParser) -> None:
    """`--concurrency` and `--max-retries`, for every command that fetches clicks."""
    parser.add_argument(
        "--concurrency",
        type=_int_between(1, 64),
        default=8,
        metavar="N",
        help="broadcasts fetched at once, 1 to 64 (default: %(default)s); every request "
        "still goes through one rate limiter (120 requests a minute for an API key)",
    )
    parser.add_argument(
        "--max-retries",
        type=_int_between(0),
        default=None,
        metavar="N",
        help="retries of a failed request before giving up (default: 6, with waits "
        "that outlast Kit's 60-second rate-limit window)",
    )


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("jsonl", "csv"),
        default="jsonl",
        help="JSON lines (default) or CSV with a header row",
    )
    parser.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write to FILE (replaced) instead of stdout, with a checkpoint beside it "
        "(FILE.checkpoint.json) so an interrupted export can be resumed; a device or "
        "FIFO (/dev/null) is written like stdout, with no checkpoint",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted export to FILE where it stopped (same "
        "arguments needed); without a checkpoint, start from the beginning",
    )


#: Unsent broadcasts (the last ones) of a fake account: FakeKit's default.
FAKE_DRAFTS = 2


def _fake_account_options(parser: argparse.ArgumentParser, *, broadcasts: int, clicks: int) -> None:
    parser.add_argument(
        "--broadcasts",
        type=_int_between(0),
        default=broadcasts,
        metavar="N",
        help=f"broadcasts of the fake account, the last {FAKE_DRAFTS} unsent "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--clicks",
        type=_int_between(0),
        default=clicks,
        metavar="N",
        help="clicks (links) of each sent broadcast (default: %(default)s)",
    )


def sync_options(args: argparse.Namespace) -> dict[str, Any]:
    """What `sync` and `sync --account` both pass on: what to fetch and keep, how long to wait."""
    return {
        "full": args.full,
        "recent_days": args.recent_days,
        "prune": args.prune,
        "wait": args.wait,
    }
