"""`kit.segments`: the list of segments.

A scripted loopback server answers with the bodies of Kit's description and
records what arrived.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl

from aiohttp import web
from scripted import Scripted

from kit_async import KitClient, Segment


def client(server: Scripted) -> KitClient:
    return KitClient("kit_segments_key", base_url=server.url, rate_limit=None)


async def test_segments_are_listed_across_pages(scripted: Scripted) -> None:
    more = {
        "has_previous_page": False,
        "has_next_page": True,
        "start_cursor": "WzU2XQ==",
        "end_cursor": "WzU2XQ==",
        "per_page": 1,
    }
    last = {**more, "has_previous_page": True, "has_next_page": False, "end_cursor": "WzU1XQ=="}
    scripted.answers += [
        web.json_response(
            {
                "segments": [{"id": 56, "name": "Segment B", "created_at": "2023-02-17T11:43:55Z"}],
                "pagination": more,
            }
        ),
        web.json_response(
            {
                "segments": [{"id": 55, "name": "Segment A", "created_at": "2023-02-17T11:43:55Z"}],
                "pagination": last,
            }
        ),
    ]
    async with client(scripted) as kit:
        segments = [s async for s in kit.segments.list(per_page=1, include_total_count=True)]

    created = datetime(2023, 2, 17, 11, 43, 55, tzinfo=UTC)
    assert segments == [Segment(56, "Segment B", created), Segment(55, "Segment A", created)]
    first, second = (dict(parse_qsl(r[2])) for r in scripted.received)
    assert [r[1] for r in scripted.received] == ["/v4/segments", "/v4/segments"]
    assert first == {"include_total_count": "true", "per_page": "1"}
    assert second == {"after": "WzU2XQ==", "per_page": "1"}
