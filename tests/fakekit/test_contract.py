"""FakeKit against Kit's own description of its API (tests/contract/kit-openapi-v4-2026.json).

- FakeKit serves exactly the operations Kit describes (method and path template):
  these 83, and the 2 of the delivery history published since (`_kit.OPERATIONS`).
- Each operation, called with the request example of the description where it
  has one, answers 2xx with a body of the example's shape: the same keys at
  the top level and in the first item (of a list) or the object (of a
  resource). Where Kit's 2026 notes (/work/shared/KIT_API_2026.md) say a
  response changed since the example was written, `CHANGED` says how, and why.
- Every list pages with FakeKit's cursors, which start with `++//`.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from kit_async import _kit
from kit_async.testing import FakeKit

DESCRIPTION = Path(__file__).parents[1] / "contract" / "kit-openapi-v4-2026.json"
METHODS = ("get", "post", "put", "patch", "delete")
TOKEN = "fake_at_contract"
NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
ALICE = "alice@convertkit.dev"  # the address the description's examples use

SPEC = json.loads(DESCRIPTION.read_text())
OPERATIONS = {
    (method.upper(), path): operation
    for path, operations in SPEC["paths"].items()
    for method, operation in operations.items()
    if method in METHODS
}
TOKEN_PATH = re.sub(
    r"^https://[^/]+",
    "",
    SPEC["components"]["securitySchemes"]["OAuth2"]["flows"]["authorizationCode"]["tokenUrl"],
)
AUTHORIZE_PATH = re.sub(
    r"^https://[^/]+",
    "",
    SPEC["components"]["securitySchemes"]["OAuth2"]["flows"]["authorizationCode"][
        "authorizationUrl"
    ],
)

# What Kit's 2026 notes say changed in a response since its example was written:
# {(method, path): {part: (keys added, keys removed)}}, part "" being the top level.
_BROADCAST: tuple[set[str], set[str]] = ({"status", "public_url"}, set())
CHANGED: dict[tuple[str, str], dict[str, tuple[set[str], set[str]]]] = {
    # "GET /v4/account: the 200 response adds user.id, account.sending_addresses[] ... account.plan"
    ("GET", "/v4/account"): {
        "user": ({"id"}, set()),
        "account": ({"sending_addresses", "plan"}, set()),
    },
    # "GET /v4/account/email_stats: stats adds open_rate, click_rate, unsubscribe_rate, bounce_rate"
    ("GET", "/v4/account/email_stats"): {
        "stats": ({"open_rate", "click_rate", "unsubscribe_rate", "bounce_rate"}, set())
    },
    # "GET /v4/broadcasts: Items add public_url and status"
    ("GET", "/v4/broadcasts"): {"broadcasts": _BROADCAST},
    # "POST /v4/broadcasts: The 201 response adds public_url and status"
    ("POST", "/v4/broadcasts"): {"broadcast": _BROADCAST},
    # "PUT /v4/broadcasts/{id}: The 200 response adds public_url and status"
    ("PUT", "/v4/broadcasts/{id}"): {"broadcast": _BROADCAST},
    # "GET /v4/broadcasts/{id}: adds public_url and status. It no longer includes clicks or stats"
    ("GET", "/v4/broadcasts/{id}"): {"broadcast": ({"status", "public_url"}, {"clicks", "stats"})},
    # "GET /v4/broadcasts/stats: Items add subject and send_at"
    ("GET", "/v4/broadcasts/stats"): {"broadcasts": ({"subject", "send_at"}, set())},
    # "GET /v4/purchases: items add subscriber_id (required) and source"; the same for the others
    ("GET", "/v4/purchases"): {"purchases": ({"subscriber_id", "source"}, set())},
    ("POST", "/v4/purchases"): {"purchase": ({"subscriber_id", "source"}, set())},
    ("GET", "/v4/purchases/{id}"): {"purchase": ({"subscriber_id", "source"}, set())},
    # "GET /v4/sequences: Items add updated_at, email_address, ... email_count and subscriber_count"
    ("GET", "/v4/sequences"): {
        "sequences": (
            {
                "updated_at",
                "email_address",
                "email_template_id",
                "send_days",
                "send_hour",
                "time_zone",
                "active",
                "exclude_subscriber_sources",
                "email_count",
                "subscriber_count",
            },
            set(),
        )
    },
    # "POST /v4/subscribers: the 201 response adds a top-level warnings[]" (and PUT's 200)
    ("POST", "/v4/subscribers"): {"": ({"warnings"}, set())},
    ("PUT", "/v4/subscribers/{id}"): {"": ({"warnings"}, set())},
    # "GET /v4/subscribers/{id}: the subscriber adds canceled_at (nullable) and location"
    ("GET", "/v4/subscribers/{id}"): {"subscriber": ({"canceled_at", "location"}, set())},
    # "GET /v4/webhooks: the item event schema narrows to name, tag_id and form_id" (nested:
    # unchanged at this depth); the 2025 example of the create shows a bare event.
}


def shape(body: Any) -> dict[str, set[str]]:
    """The keys of a body: at the top level, and of each object or first list item in it."""
    if not isinstance(body, dict):
        return {"": {f"<{type(body).__name__}>"}}
    found = {"": set(body)}
    for key, value in body.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            found[key] = set(value[0])
        elif isinstance(value, dict):
            found[key] = set(value)
    return found


def expected_shape(method: str, path: str, status: int) -> dict[str, set[str]]:
    content = OPERATIONS[method, path]["responses"][str(status)].get("content") or {}
    example = content.get("application/json", {}).get("example")
    found = shape(example)
    for part, (added, removed) in CHANGED.get((method, path), {}).items():
        found[part] = (found[part] | added) - removed
    return found


# -- the seeded account, and one request per operation ---------------------------------------------


def seed(server: FakeKit) -> dict[str, int]:
    """One of everything, linked together; the ids the requests use."""
    field = server.add_custom_field("Category")
    alice = server.add_subscriber(ALICE, first_name="Alice", fields={"category": "One"})
    bob = server.add_subscriber("bob@example.com")
    tag = server.add_tag("Tag A")
    server.tag_subscriber(tag, alice)
    form = server.add_form("Sign up")
    server.subscribe_to_form(form, alice, referrer="https://example.com/?utm_source=x")
    sequence = server.add_sequence("Welcome")
    server.add_to_sequence(sequence, alice)
    server.add_segment("Segment A")
    server.add_post("A post", content="<p>Hi</p>")
    endpoint = server.add_webhook_endpoint("https://hooks.example.com/in", ["subscriber.created"])
    return {
        "custom_field": field.id,
        "subscriber": alice.id,
        "other_subscriber": bob.id,
        "tag": tag.id,
        "form": form.id,
        "sequence": sequence.id,
        "webhook_endpoint": endpoint.id,
        "draft_broadcast": 9,
        "sent_broadcast": 1,
    }


async def prepare(http: aiohttp.ClientSession, ids: dict[str, int]) -> None:
    """What only the API creates: a sequence email, a snippet, a purchase, a legacy webhook."""
    made = []
    made.append(
        await http.post(
            f"/v4/sequences/{ids['sequence']}/emails",
            json={"subject": "Hi", "delay_value": 0, "delay_unit": "days"},
        )
    )
    made.append(
        await http.post(
            "/v4/snippets", json={"name": "Welcome", "snippet_type": "inline", "content": "Hi"}
        )
    )
    made.append(
        await http.post(
            "/v4/purchases",
            json=OPERATIONS["POST", "/v4/purchases"]["requestBody"]["content"]["application/json"][
                "example"
            ],
        )
    )
    made.append(
        await http.post(
            "/v4/webhooks",
            json={
                "target_url": "https://example.com/",
                "event": {"name": "subscriber.tag_add", "tag_id": ids["tag"]},
            },
        )
    )
    for response in made:
        assert response.status == 201, await response.text()
        response.release()
    ids.update(sequence_email=1, snippet=1, purchase=1, webhook=1)


def path_ids(method: str, path: str, ids: dict[str, int]) -> dict[str, int]:
    """The ids to put in an operation's path."""
    resource = path.split("/")[2]
    own = {
        "broadcasts": ids["draft_broadcast"]
        if method in {"PUT", "DELETE"}
        else ids["sent_broadcast"],
        "custom_fields": ids["custom_field"],
        "forms": ids["form"],
        "purchases": ids["purchase"],
        "posts": 1,
        "sequences": ids["sequence"],
        "snippets": ids["snippet"],
        "subscribers": ids["subscriber"],
        "tags": ids["tag"],
        "webhook_endpoints": ids["webhook_endpoint"],
        "webhooks": ids["webhook"],
    }.get(resource, 0)
    found = {
        "broadcast_id": own,
        "subscriber_id": ids["subscriber"],
        "tag_id": ids["tag"],
        "form_id": ids["form"],
        "sequence_id": ids["sequence"],
    }
    if "{sequence_id}/emails/{id}" in path:
        found["id"] = ids["sequence_email"]
    elif re.search(r"\{\w+\}/subscribers/\{id\}", path):
        found["id"] = ids["other_subscriber"]
    else:
        found["id"] = own
    return found


def request_body(method: str, path: str, ids: dict[str, int]) -> dict[str, Any]:
    """The description's request example, or what the operation needs where it has none."""
    needs: dict[tuple[str, str], dict[str, Any]] = {
        # The example's address belongs to another subscriber than the one updated.
        ("PUT", "/v4/subscribers/{id}"): {"first_name": "Alice"},
        ("DELETE", "/v4/tags/{tag_id}/subscribers"): {"email_address": ALICE},
        ("POST", "/v4/webhook_endpoints/{id}/rotate_secret"): {"force": False},
        # The example's conditions match nobody here: the list would have no first item.
        ("POST", "/v4/subscribers/filter"): {
            "all": [{"type": "subscriber_state", "states": ["active"]}]
        },
    }
    if (method, path) in needs:
        return needs[method, path]
    body = OPERATIONS[method, path].get("requestBody", {}).get("content", {})
    example = body.get("application/json", {}).get("example")
    return example if isinstance(example, dict) else {}


# The example of these lists shows what a query parameter adds.
QUERIES = {("GET", "/v4/snippets"): {"include_content": "true"}}


@pytest.fixture
async def served() -> AsyncIterator[tuple[FakeKit, aiohttp.ClientSession, dict[str, int]]]:
    async with FakeKit(access_token=TOKEN, clock=lambda: NOW) as server:
        ids = seed(server)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with aiohttp.ClientSession(base_url=server.url, headers=headers) as http:
            await prepare(http, ids)
            yield server, http, ids


# -- the tests ------------------------------------------------------------------------------------


def test_the_vendored_description_is_kits_83_operations() -> None:
    assert len(OPERATIONS) == 83
    assert TOKEN_PATH == "/v4/oauth/token"


def test_fakekit_serves_exactly_the_operations_kit_describes() -> None:
    served = {
        (route.method, route.resource.canonical)
        for route in FakeKit().app.router.routes()
        if route.resource is not None
    }

    # Kit's OAuth server: the token URL and the authorization page of the
    # description's securitySchemes (the page's form posts back to it), and
    # revocation from Kit's "OAuth token revocation" guide.
    oauth = {
        ("POST", TOKEN_PATH),
        ("GET", AUTHORIZE_PATH),
        ("POST", AUTHORIZE_PATH),
        ("POST", "/v4/oauth/revoke"),
    }
    # The 83 above, and the 2 of the delivery history published since (85 in
    # kit-openapi-v4-2026-12.json, without example answers to compare shapes with).
    assert set(OPERATIONS) < set(_kit.OPERATIONS)
    assert served - oauth == set(_kit.OPERATIONS)
    assert oauth <= served


@pytest.mark.parametrize(("method", "path"), sorted(OPERATIONS), ids=lambda value: value)
async def test_each_operation_answers_2xx_in_the_shape_of_kits_example(
    served: tuple[FakeKit, aiohttp.ClientSession, dict[str, int]], method: str, path: str
) -> None:
    _, http, ids = served
    url = path.format(**path_ids(method, path, ids))
    body = request_body(method, path, ids)

    query = QUERIES.get((method, path), {})
    async with http.request(
        method, url, params=query, json=body if method != "GET" else None
    ) as response:
        raw = await response.read()
        status = response.status

    assert 200 <= status < 300, raw
    assert str(status) in OPERATIONS[method, path]["responses"], (
        f"{status} is not a documented answer"
    )
    if status == 204:
        assert raw == b""
        return
    served_shape, expected = shape(json.loads(raw)), expected_shape(method, path, status)
    # A bulk answer's failures depend on the request: compare them when both sides have one.
    if "failures" not in served_shape or "failures" not in expected:
        served_shape.pop("failures", None)
        expected.pop("failures", None)
    assert served_shape == expected


LISTS = sorted(
    (
        path,
        next(
            iter(
                set(op["responses"]["200"]["content"]["application/json"]["example"])
                - {"pagination"}
            )
        ),
    )
    for (method, path), op in OPERATIONS.items()
    if method == "GET"
    and "pagination" in op["responses"]["200"]["content"]["application/json"]["example"]
)


@pytest.mark.parametrize(("path", "key"), LISTS, ids=[path for path, _ in LISTS])
async def test_every_list_pages_with_cursors_starting_with_plus_plus_slash_slash(
    served: tuple[FakeKit, aiohttp.ClientSession, dict[str, int]], path: str, key: str
) -> None:
    server, http, ids = served
    url = path.format(**path_ids("GET", path, ids))

    async with http.get(url, params={"per_page": "1"}) as response:
        assert response.status == 200
        first = await response.json()
    pagination = first["pagination"]

    assert pagination["start_cursor"].startswith("++//")
    assert pagination["end_cursor"].startswith("++//")
    assert pagination["end_cursor"] == FakeKit.cursor(1)
    assert first[key]
    server.inject("repeat_cursor", path=url)
    async with http.get(url, params={"per_page": "1"}) as response:
        spoiled = await response.json()
    assert spoiled["pagination"]["has_next_page"] is True
