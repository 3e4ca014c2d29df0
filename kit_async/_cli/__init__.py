"""The `kit-async` command line: export clicks, report, fake server, demo.

Credentials come from the environment only (`KIT_API_KEY` or
`KIT_ACCESS_TOKEN`, and `KIT_BASE_URL`), never from a flag that would land in
shell history. Every failure is one line on stderr and an exit code listed in
`kit-async --help`; nothing ends in a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import io
import os
import stat
import sys
import textwrap
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple, NoReturn, TextIO, TypeVar, cast

from .._client import KitClient
from .._entry import EXIT_INTERRUPTED
from .._fanout import BroadcastPage
from .._models import BroadcastClick
from .._pagination import MAX_PER_PAGE
from .._version import __version__
from ..errors import AuthenticationError, KitError
from ._export import (
    CheckpointError,
    CheckpointMismatchError,
    ExportState,
    FileOutput,
    Format,
    NullOutput,
    Output,
    StreamOutput,
    TopClicks,
    export_clicks,
    read_clicks,
)

__all__ = ["main"]

T = TypeVar("T")

EXIT_OK = 0
EXIT_API = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_NOT_FOUND = 4
EXIT_LOCAL = 5
EXIT_PIPE = 141  # 128 + SIGPIPE, as other Unix tools end under a closed pipe

EXIT_CODES = f"""\
exit codes:
  {EXIT_OK:<4} success
  {EXIT_API:<4} Kit API or network error (after the retries); with --output, rerun
       the same command with --resume to continue
  {EXIT_USAGE:<4} usage error: bad option or broadcast id, --resume without an --output
       file, or a checkpoint made with other arguments
  {EXIT_CONFIG:<4} no credential, both credentials, a bad KIT_BASE_URL, or Kit refused
       the credential (401)
  {EXIT_NOT_FOUND:<4} some requested broadcasts answered 404 (unknown id, draft or
       scheduled); all the others were exported
  {EXIT_LOCAL:<4} a local file (output, checkpoint) or port cannot be used, or
       stdout cannot be written (a full disk)
  {EXIT_INTERRUPTED:<4} interrupted (Ctrl-C); with --output, rerun with --resume
  {EXIT_PIPE:<4} the reader closed the pipe (e.g. | head): kit-async stops quietly
"""

ENVIRONMENT = """\
environment:
  KIT_API_KEY       your Kit API key (X-Kit-Api-Key), or
  KIT_ACCESS_TOKEN  an OAuth access token (Authorization: Bearer)
  KIT_BASE_URL      Kit's origin (default https://api.kit.com); http:// is
                    accepted for loopback hosts only, e.g. a FakeKit
"""

#: The fake server's API key. It opens fake data on loopback only, so it is
#: fixed: a restarted `kit-async fake-server` takes the same environment.
FAKE_SERVER_KEY = "kit_fake_server_key"
DEMO_BROADCASTS = 12
DEMO_CLICKS = 2500
DEMO_DRAFTS = 2
_RESUME_HINT = "; rerun the same command with --resume to continue"


class _CommandError(Exception):
    """Ends a command: one line on stderr and an exit code."""

    def __init__(self, code: int, message: str, *, label: str = "error") -> None:
        super().__init__(message)
        self.code = code
        self.label = label


class _UsageError(_CommandError):
    def __init__(self, message: str, prog: str) -> None:
        super().__init__(EXIT_USAGE, f"{message} (see '{prog} --help')")


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


# -- argument types ---------------------------------------------------------------


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


# -- terminal helpers ---------------------------------------------------------------


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _say(message: str) -> None:
    try:
        print(f"kit-async: {message}", file=sys.stderr, flush=True)
    except OSError:  # stderr is closed or full: there is nothing to tell it with
        _silence(sys.stderr)


def _silence(stream: IO[str]) -> None:
    """Point `stream` at /dev/null: what is still buffered for it goes there.

    Otherwise the interpreter's last flush, at exit, fails on it once more.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError):  # not a file of its own (tests capture it)
        pass
    finally:
        os.close(devnull)


class _Closed(io.TextIOBase):
    """Stands in for a stream closed before the start (`>&-`): writes fail."""

    def write(self, text: str) -> int:  # noqa: ARG002 - nothing can be written
        raise OSError(errno.EBADF, "it is closed")


def _flush_or_silence(stream: IO[str]) -> None:
    try:
        stream.flush()
    except (OSError, ValueError):
        _silence(stream)


def _reader_gone() -> int:
    """The reader of stdout (or stderr) closed the pipe: end quietly, 141."""
    _flush_or_silence(sys.stdout)
    _flush_or_silence(sys.stderr)
    return EXIT_PIPE


@contextlib.contextmanager
def _writing(name: str) -> Iterator[None]:
    """Turn a failed write to `name` (a full disk, say) into one line and exit 5."""
    try:
        yield
    except BrokenPipeError:
        raise  # the reader went away: main() ends quietly
    except OSError as exc:
        raise _CommandError(EXIT_LOCAL, f"cannot write to {name}: {exc.strerror or exc}") from None


class _Progress:
    """A live progress display on stderr (rich), refreshed by pages and a ticker.

    Line one: broadcasts done of total, pages and clicks fetched. Line two,
    only while the rate limiter holds requests back: how many and how long.
    """

    def __init__(
        self, stream: IO[str], state: ExportState, kit: KitClient, label: str, *, transient: bool
    ) -> None:
        from rich.console import Console, RenderableType
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.text import Text

        class Display(Progress):
            status = ""

            def get_renderables(self) -> Iterable[RenderableType]:
                yield self.make_tasks_table(self.tasks)
                if self.status:
                    yield Text(self.status, style="yellow")

        self._state = state
        self._kit = kit
        self._held_since: float | None = None
        self._progress = Display(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=15),
            MofNCompleteColumn(),
            TextColumn("broadcasts • {task.fields[detail]}"),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=transient,
            # The export writes to stdout itself; rich must not capture it.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task = self._progress.add_task(label, total=state.total, detail="")
        self._ticker: asyncio.Task[None] | None = None

    def _wait_text(self) -> str:
        limiter = self._kit.rate_limit
        if limiter is None or not limiter.waiting:
            self._held_since = None
            return ""
        now = time.monotonic()
        if self._held_since is None:
            self._held_since = now
        held = now - self._held_since
        if held < 0.5:  # every request queues for an instant; only show real waits
            return ""
        return (
            f"  rate limit ({limiter.requests} per {limiter.period:.0f} s): "
            f"{limiter.waiting} requests held back for {held:.0f} s"
        )

    def refresh(self) -> None:
        state = self._state
        detail = f"{state.pages:,} pages • {state.clicks:,} clicks"
        if state.missing:
            detail += f" • {len(state.missing)} not found"
        self._progress.status = self._wait_text()
        self._progress.update(self._task, total=state.total, completed=state.done, detail=detail)

    async def _tick(self) -> None:
        while True:
            self.refresh()
            await asyncio.sleep(0.2)

    def start(self) -> None:
        self._progress.start()
        self._ticker = asyncio.create_task(self._tick())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
        self.refresh()
        self._progress.stop()


def _progress_for(
    state: ExportState, kit: KitClient, label: str, *, data_on_terminal: bool, transient: bool
) -> _Progress | None:
    """A progress display when stderr is a terminal that the data does not go to."""
    if not _is_tty(sys.stderr) or data_on_terminal:
        return None
    try:
        return _Progress(sys.stderr, state, kit, label, transient=transient)
    except ImportError:  # rich is the optional extra kit-async[cli]
        return None


# -- running a command --------------------------------------------------------------


def _run(main: Coroutine[Any, Any, T], *, resumable: bool = False, writing: str = "stdout") -> T:
    """Run `main`, turning every expected failure into a `_CommandError`.

    `writing` names what the data goes to, for a failed write that does not
    name its file (a full disk).
    """
    hint = _RESUME_HINT if resumable else ""
    try:
        return asyncio.run(main)
    except KeyboardInterrupt:
        saved = "; the checkpoint is saved" if resumable else ""
        raise _CommandError(
            EXIT_INTERRUPTED, f"interrupted{saved}{hint}", label="stopped"
        ) from None
    except AuthenticationError as exc:
        raise _CommandError(EXIT_CONFIG, f"Kit refused the credential: {exc}") from None
    except KitError as exc:
        raise _CommandError(EXIT_API, f"{exc}{hint}") from None
    except CheckpointMismatchError as exc:
        raise _CommandError(EXIT_USAGE, str(exc)) from None
    except CheckpointError as exc:
        raise _CommandError(EXIT_LOCAL, str(exc)) from None
    except BrokenPipeError:
        raise  # the reader went away (`| head`): main() ends quietly
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else f"cannot write to {writing}: "
        raise _CommandError(EXIT_LOCAL, f"{where}{exc.strerror or exc}") from None


def _client(max_retries: int | None = None) -> KitClient:
    """A client configured from the environment only."""
    api_key = os.environ.get("KIT_API_KEY") or None
    token = os.environ.get("KIT_ACCESS_TOKEN") or None
    if api_key and token:
        msg = "both KIT_API_KEY and KIT_ACCESS_TOKEN are set; set only one"
        raise _CommandError(EXIT_CONFIG, msg)
    if not api_key and not token:
        msg = (
            "no Kit credential: set KIT_API_KEY to your API key "
            "(or KIT_ACCESS_TOKEN to an OAuth access token)"
        )
        raise _CommandError(EXIT_CONFIG, msg)
    try:
        # The client reads the same variables, so its messages name them.
        return KitClient(max_retries=max_retries)
    except ValueError as exc:
        raise _CommandError(EXIT_CONFIG, f"bad configuration: {exc}") from None


def _broadcast_ids(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[int] | None:
    """The ids asked for (duplicates dropped), or `None` for `--all`."""
    if args.all and args.broadcast_ids:
        parser.error("give broadcast ids or --all, not both")
    if not args.all and not args.broadcast_ids:
        parser.error("give one or more broadcast ids, or --all")
    return None if args.all else list(dict.fromkeys(args.broadcast_ids))


class _Target(NamedTuple):
    output: Output
    where: str  # for messages
    streamed: bool  # no file to read back: stdout, a device or a FIFO
    terminal: bool  # the data shows on a terminal (so no progress display)


def _is_stream(path: Path) -> bool:
    """Whether `path` is an existing device, FIFO or socket, not a file."""
    try:
        mode = path.stat().st_mode
    except OSError:  # a new file, or an error that opening it reports better
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _resumable(args: argparse.Namespace) -> bool:
    """Whether the export goes to a file with a checkpoint (so `--resume` helps)."""
    return args.output is not None and not _is_stream(Path(args.output))


def _open_output(args: argparse.Namespace, arguments: dict[str, Any]) -> _Target:
    """Where the data goes: stdout, a file with a checkpoint, or a device."""
    fmt = cast("Format", args.format)
    if args.output is None:
        output: Output = StreamOutput(sys.stdout, fmt)
        return _Target(output, "stdout", streamed=True, terminal=_is_tty(sys.stdout))
    path = Path(args.output)
    if _is_stream(path):
        # /dev/null, a FIFO, /dev/tty: written like stdout, with no checkpoint
        # (nothing to truncate, sync or resume, and no directory of ours).
        if args.resume:
            msg = f"--resume needs a regular file: {path} is a device or pipe, with no checkpoint"
            raise _UsageError(msg, args.parser.prog)
        stream = path.open("w", encoding="utf-8", newline="")
        output = StreamOutput(stream, fmt, owned=True)
        return _Target(output, str(path), streamed=True, terminal=_is_tty(stream))
    output = FileOutput(path, fmt, arguments, resume=args.resume, note=_say)
    return _Target(output, str(path), streamed=False, terminal=False)


def _ignore(_: BroadcastPage) -> None:
    return None


async def _export(
    kit: KitClient,
    ids: list[int] | None,
    output: Output,
    args: argparse.Namespace,
    *,
    label: str,
    data_on_terminal: bool,
    transient: bool = False,
    on_page: Callable[[BroadcastPage], None] = _ignore,
) -> ExportState:
    state = ExportState()
    progress = _progress_for(
        state, kit, label, data_on_terminal=data_on_terminal, transient=transient
    )
    try:
        async with kit:
            if progress is not None:
                progress.start()
            try:
                return await export_clicks(
                    kit,
                    ids,
                    output,
                    per_page=args.per_page,
                    concurrency=args.concurrency,
                    state=state,
                    on_page=on_page,
                )
            finally:
                if progress is not None:
                    await progress.stop()
    finally:
        output.close()


def _not_found(state: ExportState) -> _CommandError:
    ids = ", ".join(str(broadcast_id) for broadcast_id in state.missing)
    noun = "broadcast" if len(state.missing) == 1 else "broadcasts"
    return _CommandError(
        EXIT_NOT_FOUND,
        f"{noun} {ids} answered 404 (unknown id, draft or scheduled): nothing to "
        "export there; every other broadcast was exported",
    )


# -- clicks -------------------------------------------------------------------------


def _cmd_clicks(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
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

    async def run() -> ExportState:
        target = _open_output(args, arguments)
        return await _export(
            kit, ids, target.output, args, label="exporting", data_on_terminal=target.terminal
        )

    state = _run(run(), resumable=_resumable(args), writing=args.output or "stdout")
    if ids is not None and state.missing:
        raise _not_found(state)
    return EXIT_OK


# -- report -------------------------------------------------------------------------


def _percent(rate: float) -> str:
    return f"{rate:.2%}"


_COLUMNS = ("#", "URL", "Broadcast", "Unique clicks", "Click-to-open", "Click-to-delivery")


def _rows(top: Sequence[BroadcastClick]) -> list[tuple[str, ...]]:
    return [
        (
            str(rank),
            click.url,
            str(click.broadcast_id),
            f"{click.unique_clicks:,}",
            _percent(click.click_to_open_rate),
            _percent(click.click_to_delivery_rate),
        )
        for rank, click in enumerate(top, 1)
    ]


def _url_width(rows: Sequence[Sequence[str]]) -> int:
    return max((len(row[1]) for row in rows), default=3)


def _print_report(top: Sequence[BroadcastClick], title: str, stream: IO[str]) -> None:
    """The most-clicked links as a table: rich when installed, else plain text."""
    rows = _rows(top)
    try:
        from rich import box
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(row[i]) for row in [_COLUMNS, *rows]) for i in range(len(_COLUMNS))]
        print(title, file=stream)
        for row in [_COLUMNS, *rows]:
            cells = [
                cell.ljust(width) if i == 1 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            print("  ".join(cells).rstrip(), file=stream)
        stream.flush()
        return
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    for i, name in enumerate(_COLUMNS):
        if i == 1:
            # The URL gets the room: the figures' headers wrap instead.
            table.add_column(name, overflow="fold", min_width=min(40, _url_width(rows)))
        else:
            header = name.replace("-to-", "-to-\n").replace(" ", "\n")
            table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    if _is_tty(stream):
        Console(file=stream).print(table)
    else:
        # A file or a pipe has no width to fit: every URL stays on one line,
        # and no line carries the padding a terminal would need.
        console = Console(file=stream, width=1000)
        with console.capture() as captured:
            console.print(table)
        for line in captured.get().splitlines():
            print(line.rstrip(), file=stream)
    stream.flush()


def _report_title(top: TopClicks) -> str:
    return (
        f"Top {min(top.n, top.seen)} links by unique clicks, of "
        f"{_plural(top.seen, 'link')} in {_plural(len(top.broadcasts), 'broadcast')}"
    )


def _cmd_report(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    ids = _broadcast_ids(args, parser)
    kit = _client(args.max_retries)
    top = TopClicks(args.top)

    async def run() -> ExportState:
        return await _export(
            kit,
            ids,
            NullOutput(),
            args,
            label="reading",
            data_on_terminal=False,
            transient=True,
            on_page=lambda item: top.add(item.page.items),
        )

    state = _run(run())
    with _writing("stdout"):
        _print_report(top.top(), _report_title(top), sys.stdout)
    if ids is not None and state.missing:
        raise _not_found(state)
    return EXIT_OK


# -- fake-server --------------------------------------------------------------------


async def _until_interrupted() -> None:
    await asyncio.Event().wait()


def _cmd_fake_server(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:  # noqa: ARG001 - one signature for every command
    from ..testing import FakeKit

    async def serve() -> None:
        server = FakeKit(
            broadcasts=args.broadcasts,
            clicks=args.clicks,
            api_key=FAKE_SERVER_KEY,
            port=args.port,
        )
        try:
            await server.start()
        except OSError as exc:
            msg = f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}"
            raise _CommandError(EXIT_LOCAL, msg) from None
        try:
            sent = server.broadcast_count - server.drafts
            print(
                f"FakeKit is serving a fake Kit account at {server.url}\n"
                f"  {server.broadcast_count} broadcasts (ids 1-{server.broadcast_count}; "
                f"the last {server.drafts} are unsent), {args.clicks:,} clicks each "
                f"of the {sent} sent ones.\n"
                "Point kit-async (or any Kit client) at it; the fake key is not a secret:\n\n"
                f"  export KIT_BASE_URL={server.url}\n"
                f"  export KIT_API_KEY={server.api_key}\n"
                "  kit-async clicks --all\n\n"
                "Press Ctrl-C to stop.",
                flush=True,
            )
            await _until_interrupted()
        finally:
            await server.close()

    try:
        _run(serve())
    except _CommandError as failure:
        if failure.code != EXIT_INTERRUPTED:
            raise
        try:
            print("FakeKit stopped.", flush=True)
        except OSError:  # Ctrl-C stopped it, not the reader: a courtesy line is no failure
            _silence(sys.stdout)
    return EXIT_OK


# -- demo ---------------------------------------------------------------------------


def _cmd_demo(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
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

    async def run() -> None:
        async with FakeKit(
            broadcasts=args.broadcasts, clicks=args.clicks, drafts=DEMO_DRAFTS
        ) as server:
            drafts = min(DEMO_DRAFTS, args.broadcasts)
            _say(
                f"demo: a FakeKit demo account at {server.url}, {args.broadcasts} broadcasts "
                f"({drafts} unsent) of {args.clicks:,} clicks each; exporting every "
                "sent broadcast"
            )
            target = _open_output(args, arguments)
            resumed = isinstance(target.output, FileOutput) and target.output.resumed
            kit = KitClient(server.api_key, base_url=server.url, max_retries=args.max_retries)
            started = time.monotonic()
            state = await _export(
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

    _run(run(), resumable=_resumable(args), writing=args.output or "stdout")
    # The data may be on stdout: the report goes with the other messages.
    with _writing("stderr"):
        _print_report(top.top(), _report_title(top), sys.stderr)
    return EXIT_OK


# -- the parser ---------------------------------------------------------------------


def _export_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--per-page",
        type=_int_between(1, MAX_PER_PAGE),
        default=MAX_PER_PAGE,
        metavar="N",
        help=f"clicks per request, 1 to {MAX_PER_PAGE} (default: %(default)s; "
        "fewer, larger pages spend less of Kit's rate limit)",
    )
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


def _fake_account_options(parser: argparse.ArgumentParser, *, broadcasts: int, clicks: int) -> None:
    parser.add_argument(
        "--broadcasts",
        type=_int_between(0),
        default=broadcasts,
        metavar="N",
        help=f"broadcasts of the fake account, the last {DEMO_DRAFTS} unsent "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--clicks",
        type=_int_between(0),
        default=clicks,
        metavar="N",
        help="clicks (links) of each sent broadcast (default: %(default)s)",
    )


def _wrap(text: str) -> str:
    # The raw formatter keeps the epilogs' layout; descriptions are wrapped here.
    return textwrap.fill(text, width=78, break_on_hyphens=False)


def _parser() -> _Parser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="kit-async",
        description=_wrap("Export and inspect link clicks of Kit (ConvertKit) broadcasts."),
        epilog=f"{ENVIRONMENT}\n{EXIT_CODES}",
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    clicks = commands.add_parser(
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
        formatter_class=formatter,
    )
    _selection(clicks)
    _output_options(clicks)
    _export_options(clicks)
    clicks.set_defaults(run=_cmd_clicks, parser=clicks)

    report = commands.add_parser(
        "report",
        help="a table of the most-clicked links",
        description=_wrap(
            "Read the clicks of broadcasts and show the most-clicked links: URL, "
            "broadcast, unique clicks, click-to-open and click-to-delivery rates."
        ),
        epilog=f"{ENVIRONMENT}\n{EXIT_CODES}",
        formatter_class=formatter,
    )
    _selection(report)
    report.add_argument(
        "--top",
        type=_int_between(1),
        default=10,
        metavar="N",
        help="how many links to show (default: %(default)s)",
    )
    _export_options(report)
    report.set_defaults(run=_cmd_report, parser=report)

    fake = commands.add_parser(
        "fake-server",
        help="run a fake Kit API (FakeKit) on loopback",
        description=_wrap(
            "Run kit_async.testing.FakeKit in the foreground, for trying kit-async "
            "or another program without a Kit account. Ctrl-C stops it (exit code 0)."
        ),
        epilog=EXIT_CODES,
        formatter_class=formatter,
    )
    fake.add_argument(
        "--port",
        type=_int_between(0, 65535),
        default=8765,
        help="port on 127.0.0.1 (default: %(default)s; 0 picks a free one)",
    )
    _fake_account_options(fake, broadcasts=10, clicks=1200)
    fake.set_defaults(run=_cmd_fake_server, parser=fake)

    demo = commands.add_parser(
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
        formatter_class=formatter,
    )
    _output_options(demo)
    _export_options(demo)
    _fake_account_options(demo, broadcasts=DEMO_BROADCASTS, clicks=DEMO_CLICKS)
    demo.add_argument(
        "--top",
        type=_int_between(1),
        default=10,
        metavar="N",
        help="links in the report (default: %(default)s)",
    )
    demo.set_defaults(run=_cmd_demo, parser=demo)
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
