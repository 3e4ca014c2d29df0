"""`kit-async clicks`: export link clicks as JSON lines or CSV."""

from __future__ import annotations

import argparse

from ._config import ENVIRONMENT, _client
from ._errors import EXIT_CODES, EXIT_OK, _run
from ._export import ExportState, _not_found, _run_export
from ._options import (
    FORMATTER,
    _broadcast_ids,
    _Commands,
    _export_options,
    _output_options,
    _selection,
    _wrap,
)
from ._outputs import _open_output, _resumable


def add_parser(commands: _Commands) -> None:
    """Add `clicks` to the command line."""
    parser = commands.add_parser(
        "clicks",
        help="export link clicks as JSON lines or CSV",
        description=_wrap(
            "Export the link clicks of broadcasts, one row per link with its "
            "broadcast_id, to stdout or --output FILE. A progress display appears on "
            "stderr when it is a terminal (and the data does not go to it)."
        ),
        epilog=f"examples:\n  kit-async clicks 145 146 > clicks.jsonl\n"
        "  kit-async clicks --all --format csv --output clicks.csv\n"
        "  kit-async clicks --all --format csv --output clicks.csv --resume\n\n"
        f"{ENVIRONMENT}\n{EXIT_CODES}",
        formatter_class=FORMATTER,
    )
    _selection(parser)
    _output_options(parser)
    _export_options(parser)
    parser.set_defaults(run=run, parser=parser)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Export the clicks asked for; return the exit code."""
    if args.resume and args.output is None:
        parser.error("--resume needs --output FILE (an export to stdout cannot be resumed)")
    ids = _broadcast_ids(args, parser)
    kit = _client(args.max_retries)
    arguments = {
        "command": "clicks",
        "broadcasts": "all" if ids is None else ids,
        "format": args.format,
        "per_page": args.per_page,
        "base_url": kit.base_url,
    }

    async def export() -> ExportState:
        target = _open_output(args, arguments)
        return await _run_export(
            kit, ids, target.output, args, label="exporting", data_on_terminal=target.terminal
        )

    state = _run(export(), resumable=_resumable(args), writing=args.output or "stdout")
    if ids is not None and state.missing:
        raise _not_found(state)
    return EXIT_OK
