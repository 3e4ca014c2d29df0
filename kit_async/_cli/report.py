"""`kit-async report`: a table of the most-clicked links."""

from __future__ import annotations

import argparse
import sys

from ._config import ENVIRONMENT, _client
from ._errors import EXIT_CODES, EXIT_OK, _run
from ._export import ExportState, _not_found, _run_export
from ._options import (
    FORMATTER,
    _broadcast_ids,
    _Commands,
    _export_options,
    _int_between,
    _selection,
    _wrap,
)
from ._outputs import NullOutput
from ._stdio import _writing
from ._table import TopClicks, _print_report, _report_title


def add_parser(commands: _Commands) -> None:
    """Add `report` to the command line."""
    parser = commands.add_parser(
        "report",
        help="a table of the most-clicked links",
        description=_wrap(
            "Read the clicks of broadcasts and show the most-clicked links: URL, "
            "broadcast, unique clicks, click-to-open and click-to-delivery rates."
        ),
        epilog=f"{ENVIRONMENT}\n{EXIT_CODES}",
        formatter_class=FORMATTER,
    )
    _selection(parser)
    parser.add_argument(
        "--top",
        type=_int_between(1),
        default=10,
        metavar="N",
        help="how many links to show (default: %(default)s)",
    )
    _export_options(parser)
    parser.set_defaults(run=run, parser=parser)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Read the clicks asked for and print the table; return the exit code."""
    ids = _broadcast_ids(args, parser)
    kit = _client(args.max_retries)
    top = TopClicks(args.top)

    async def read() -> ExportState:
        return await _run_export(
            kit,
            ids,
            NullOutput(),
            args,
            label="reading",
            data_on_terminal=False,
            transient=True,
            on_page=lambda item: top.add(item.page.items),
        )

    state = _run(read())
    with _writing("stdout"):
        _print_report(top.top(), _report_title(top), sys.stdout)
    if ids is not None and state.missing:
        raise _not_found(state)
    return EXIT_OK
