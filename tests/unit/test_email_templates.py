"""`kit.email_templates`: the list of email templates.

A scripted loopback server answers with the body of Kit's description and
records what arrived.
"""

from __future__ import annotations

from aiohttp import web
from scripted import Scripted

from kit_async import EmailTemplate, KitClient


def client(server: Scripted) -> KitClient:
    return KitClient("kit_templates_key", base_url=server.url, rate_limit=None)


async def test_email_templates_carry_their_category_and_default(scripted: Scripted) -> None:
    scripted.answers.append(
        web.json_response(
            {
                "pagination": {
                    "has_previous_page": False,
                    "has_next_page": False,
                    "start_cursor": "Wzld",
                    "end_cursor": "WzFd",
                    "per_page": 500,
                },
                "email_templates": [
                    {
                        "id": 9,
                        "name": "Custom HTML Template",
                        "is_default": False,
                        "category": "HTML",
                    },
                    {"id": 8, "name": "Story", "is_default": False, "category": "Starting point"},
                    {"id": 6, "name": "Text Only", "is_default": True, "category": "HTML"},
                ],
            }
        )
    )
    async with client(scripted) as kit:
        templates = [t async for t in kit.email_templates.list()]

    assert templates[1] == EmailTemplate(8, "Story", is_default=False, category="Starting point")
    assert [t.id for t in templates if t.is_default] == [6]
    assert scripted.received[0][:3] == ("GET", "/v4/email_templates", "per_page=1000")
