"""The `kit-async` command line: export clicks, report, fake server, demo.

Credentials come from the environment only (`KIT_API_KEY` or
`KIT_ACCESS_TOKEN`, and `KIT_BASE_URL`), never from a flag that would land in
shell history. Every failure is one line on stderr and an exit code listed in
`kit-async --help`; nothing ends in a traceback.

Each command is a module with `add_parser(commands)`, which adds its
sub-parser and sets `run` as its default, and `run(args, parser)`, which
returns the exit code; a new command is one such module and one line in
`COMMANDS`. The parts they share sit beside them: exit codes and the
mapping of errors to them (`_errors`), stdout and stderr (`_stdio`), the
client from the environment (`_config`), options (`_options`), the
progress display (`_progress`), the table of the most-clicked links
(`_table`), and the export (`_export`, `_outputs`, `_checkpoint`,
`_formats`).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Protocol, TextIO, cast

from .._version import __version__
from . import accounts, clicks, demo, fake_server, report, sync, worker
from ._config import ENVIRONMENT
from ._errors import (
    EXIT_API,
    EXIT_CODES,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    _CommandError,
)
from ._options import FORMATTER, _Commands, _Parser, _wrap
from ._stdio import _Closed, _flush_or_silence, _reader_gone, _say, _writing

__all__ = ["main"]


class _Command(Protocol):
    """What a command module provides."""

    def add_parser(self, commands: _Commands) -> None:
        """Add the command's sub-parser, with `set_defaults(run=run, parser=...)`."""

    def run(self, args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
        """Run the command; return the exit code (or raise `_CommandError`)."""


#: The commands, in the order `kit-async --help` lists them.
COMMANDS: tuple[_Command, ...] = (clicks, report, sync, worker, accounts, fake_server, demo)


def _parser() -> _Parser:
    parser = _Parser(
        prog="kit-async",
        description=_wrap("Export and inspect link clicks of Kit (ConvertKit) broadcasts."),
        epilog=f"{ENVIRONMENT}\n{EXIT_CODES}",
        formatter_class=FORMATTER,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def _dispatch(argv: list[str] | None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    code: int = args.run(args, args.parser)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run `kit-async` with `argv` (default: `sys.argv[1:]`); return the exit code."""
    # Python leaves a stream closed before the start (`>&-`) as None, which
    # `print` would quietly replace with stdout.
    if sys.stdout is None:
        sys.stdout = cast("TextIO", _Closed())
    if sys.stderr is None:
        sys.stderr = cast("TextIO", _Closed())
    try:
        code = _dispatch(argv)
        # Whatever is still buffered must reach the reader now: a closed pipe
        # or a full disk found at exit would end in the interpreter's message.
        with _writing("stdout"):
            sys.stdout.flush()
    except _CommandError as failure:
        _say(f"{failure.label}: {failure}" if failure.label == "error" else str(failure))
        return failure.code
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _reader_gone()
    except Exception as exc:
        if os.environ.get("KIT_ASYNC_DEBUG"):
            raise
        _say(
            f"internal error: {type(exc).__name__}: {exc} "
            "(set KIT_ASYNC_DEBUG=1 to see the traceback, and please report it)"
        )
        return EXIT_API
    finally:
        _flush_or_silence(sys.stdout)
    return code
