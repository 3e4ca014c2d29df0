"""`kit-async demo`: export every click of a built-in fake account, then report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .._client import KitClient
from ._checkpoint import FileOutput
from ._errors import EXIT_CODES, EXIT_OK, _run
from ._export import _ignore, _run_export
from ._formats import read_clicks
from ._options import (
    FAKE_DRAFTS,
    FORMATTER,
    _Commands,
    _export_options,
    _fake_account_options,
    _int_between,
    _output_options,
    _wrap,
)
from ._outputs import _open_output, _resumable
from ._stdio import _plural, _say, _writing
from ._table import TopClicks, _print_report, _report_title

DEMO_BROADCASTS = 12
DEMO_CLICKS = 2500


def add_parser(commands: _Commands) -> None:
    """Add `demo` to the command line."""
    parser = commands.add_parser(
        "demo",
        help="export every click of a built-in fake account, then show the report",
        description=_wrap(
            "Start FakeKit on a free loopback port, export every sent broadcast's "
            "clicks from it (no Kit account needed) with the progress display, then show "
            "the most-clicked links. The data goes to stdout or --output; messages and "
            "the report go to stderr."
        ),
        epilog="examples:\n  kit-async demo > clicks.jsonl\n"
        "  kit-async demo --format csv --output clicks.csv --per-page 100\n\n"
        f"{EXIT_CODES}",
        formatter_class=FORMATTER,
    )
    _output_options(parser)
    _export_options(parser)
    _fake_account_options(parser, broadcasts=DEMO_BROADCASTS, clicks=DEMO_CLICKS)
    parser.add_argument(
        "--top",
        type=_int_between(1),
        default=10,
        metavar="N",
        help="links in the report (default: %(default)s)",
    )
    parser.set_defaults(run=run, parser=parser)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Export the fake account, then print the report; return the exit code."""
    if args.resume and args.output is None:
        parser.error("--resume needs --output FILE (an export to stdout cannot be resumed)")
    from ..testing import FakeKit

    top = TopClicks(args.top)
    arguments = {
        "command": "demo",
        "broadcasts": args.broadcasts,
        "clicks": args.clicks,
        "format": args.format,
        "per_page": args.per_page,
    }

    async def demo() -> None:
        async with FakeKit(
            broadcasts=args.broadcasts, clicks=args.clicks, drafts=FAKE_DRAFTS
        ) as server:
            drafts = min(FAKE_DRAFTS, args.broadcasts)
            _say(
                f"demo: a FakeKit demo account at {server.url}, {args.broadcasts} broadcasts "
                f"({drafts} unsent) of {args.clicks:,} clicks each; exporting every "
                "sent broadcast"
            )
            target = _open_output(args, arguments)
            resumed = isinstance(target.output, FileOutput) and target.output.resumed
            kit = KitClient(server.api_key, base_url=server.url, max_retries=args.max_retries)
            started = time.monotonic()
            state = await _run_export(
                kit,
                None,
                target.output,
                args,
                label="exporting",
                data_on_terminal=target.terminal,
                # A file is read back afterwards, so the report covers earlier runs too.
                on_page=(lambda item: top.add(item.page.items)) if target.streamed else _ignore,
            )
            _say(
                f"demo: wrote {_plural(state.clicks, 'click')}{' more' if resumed else ''} "
                f"to {target.where} in {time.monotonic() - started:.1f} s "
                f"({_plural(state.pages, 'page')}; {_plural(state.done, 'broadcast')} done)"
            )
        if not target.streamed:
            top.add(read_clicks(Path(args.output), args.format))

    _run(demo(), resumable=_resumable(args), writing=args.output or "stdout")
    # The data may be on stdout: the report goes with the other messages.
    with _writing("stderr"):
        _print_report(top.top(), _report_title(top), sys.stderr)
    return EXIT_OK
