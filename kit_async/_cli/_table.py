"""The most-clicked links: their ranking (`TopClicks`) and the table of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO

from ..models import BroadcastClick
from ._stdio import _is_tty, _plural


class TopClicks:
    """The `n` most-clicked links seen so far, in bounded memory.

    Ordered by unique clicks, then click-to-open rate (both descending),
    then broadcast id and URL, so ties always come out the same way.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._kept: list[BroadcastClick] = []
        #: How many clicks were considered.
        self.seen = 0
        #: The broadcasts they came from.
        self.broadcasts: set[int] = set()

    @staticmethod
    def key(click: BroadcastClick) -> tuple[int, float, int, str]:
        """The sort key: most clicks first, ties broken deterministically."""
        return (-click.unique_clicks, -click.click_to_open_rate, click.broadcast_id, click.url)

    def add(self, clicks: Iterable[BroadcastClick]) -> None:
        """Consider more clicks."""
        kept = self._kept
        for click in clicks:
            self.seen += 1
            self.broadcasts.add(click.broadcast_id)
            kept.append(click)
            if len(kept) >= 4 * self.n + 1000:
                self._trim()

    def _trim(self) -> None:
        self._kept.sort(key=self.key)
        del self._kept[self.n :]

    def top(self) -> list[BroadcastClick]:
        """The `n` most-clicked links, most clicked first."""
        self._trim()
        return list(self._kept)


def _report_title(top: TopClicks) -> str:
    return (
        f"Top {min(top.n, top.seen)} links by unique clicks, of "
        f"{_plural(top.seen, 'link')} in {_plural(len(top.broadcasts), 'broadcast')}"
    )


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
