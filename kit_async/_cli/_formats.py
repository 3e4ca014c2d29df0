"""The formats of an export: JSON lines or CSV, written and read back."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from ..models import BroadcastClick

__all__ = ["FIELDS", "Format", "format_page", "header", "read_clicks"]

Format = Literal["jsonl", "csv"]

#: Columns of an export, in order: the broadcast id, then Kit's click fields.
FIELDS = ("broadcast_id", "url", "unique_clicks", "click_to_delivery_rate", "click_to_open_rate")


def _row(click: BroadcastClick) -> tuple[Any, ...]:
    return (
        click.broadcast_id,
        click.url,
        click.unique_clicks,
        click.click_to_delivery_rate,
        click.click_to_open_rate,
    )


def _csv_text(rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def header(fmt: Format) -> bytes:
    """What an output starts with: the CSV header row, nothing for JSON lines."""
    return _csv_text([FIELDS]).encode() if fmt == "csv" else b""


def format_page(clicks: Iterable[BroadcastClick], fmt: Format) -> bytes:
    """One page of clicks as UTF-8 JSON lines or CSV rows."""
    if fmt == "csv":
        return _csv_text(_row(click) for click in clicks).encode()
    lines = (json.dumps(dict(zip(FIELDS, _row(click), strict=True))) + "\n" for click in clicks)
    return "".join(lines).encode()


def read_clicks(path: Path, fmt: Format) -> Iterator[BroadcastClick]:
    """Read back the clicks of an export file, one at a time."""
    with path.open(encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            for row in csv.DictReader(handle):
                yield BroadcastClick(
                    broadcast_id=int(row["broadcast_id"]),
                    url=row["url"],
                    unique_clicks=int(row["unique_clicks"]),
                    click_to_delivery_rate=float(row["click_to_delivery_rate"]),
                    click_to_open_rate=float(row["click_to_open_rate"]),
                )
        else:
            for line in handle:
                if line.strip():
                    yield BroadcastClick(**json.loads(line))
