"""FakeKit's subscribers over plain HTTP: upsert, update, unsubscribe, list filters, tags,
stats, the pinned location and the filter listing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from kit_async.testing import FakeKit

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
PIN = {
    "city": "Boise",
    "state_province": "Idaho",
    "country_code": "US",
    "latitude": 43.62,
    "longitude": -116.2,
    "timezone": "America/Denver",
}


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, clock=lambda: NOW) as fake:
        yield fake


@pytest.fixture
async def http(server: FakeKit) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"X-Kit-Api-Key": server.api_key}
    async with aiohttp.ClientSession(base_url=server.url, headers=headers) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with http.request(method, path, **kw) as response:
        body = await response.read()
        return response.status, (await response.json() if body else None)


def emails(body: dict[str, Any]) -> list[str]:
    return [s["email_address"] for s in body["subscribers"]]


# -- the upsert ---------------------------------------------------------------------------


async def test_create_is_201_then_200_for_the_same_address(server: FakeKit, http) -> None:
    status, created = await call(
        http,
        "POST",
        "/v4/subscribers",
        json={"email_address": "ada@example.com", "first_name": "Ada"},
    )
    assert status == 201
    assert created == {
        "subscriber": {
            "id": 1,
            "first_name": "Ada",
            "email_address": "ada@example.com",
            "state": "active",
            "created_at": "2026-11-20T12:00:00Z",
            "fields": {},
        },
        "warnings": [],
    }

    status, again = await call(
        http,
        "POST",
        "/v4/subscribers",
        json={"email_address": "ADA@example.com", "first_name": "Augusta", "state": "inactive"},
    )

    assert status == 200
    assert again["subscriber"]["id"] == 1
    assert again["subscriber"]["first_name"] == "Augusta"
    # The upsert updates the first name only.
    assert again["subscriber"]["state"] == "active"
    assert len(server.account.subscribers) == 1


async def test_create_takes_a_state(http) -> None:
    _, body = await call(
        http,
        "POST",
        "/v4/subscribers",
        json={"email_address": "a@example.com", "state": "inactive"},
    )
    status, refused = await call(
        http, "POST", "/v4/subscribers", json={"email_address": "b@example.com", "state": "gone"}
    )

    assert body["subscriber"]["state"] == "inactive"
    assert status == 422
    assert "active, inactive, bounced, complained, cancelled" in refused["errors"][0]


@pytest.mark.parametrize("email", [None, "", "no-at-sign", "two@@example.com", 7])
async def test_an_invalid_address_is_kits_422(server: FakeKit, http, email: Any) -> None:
    assert await call(http, "POST", "/v4/subscribers", json={"email_address": email}) == (
        422,
        {"errors": ["Email address is invalid"]},
    )
    assert not server.account.subscribers


async def test_custom_fields_are_set_by_key_or_label_and_unknown_ones_warned(
    server: FakeKit, http
) -> None:
    server.add_custom_field("Last name")
    server.add_custom_field("Company")

    status, body = await call(
        http,
        "POST",
        "/v4/subscribers",
        json={
            "email_address": "ada@example.com",
            "fields": {"last_name": "Lovelace", "Company": "Engines", "Shoe size": "38"},
        },
    )

    assert status == 201
    assert body["subscriber"]["fields"] == {"last_name": "Lovelace", "company": "Engines"}
    assert body["warnings"] == ["Custom field does not exist and was ignored: Shoe size"]


async def test_more_than_ten_fields_is_202_and_they_are_written_after(
    server: FakeKit, http
) -> None:
    for n in range(11):
        server.add_custom_field(f"Field {n}")
    fields = {f"field_{n}": str(n) for n in range(11)}

    status, body = await call(
        http, "POST", "/v4/subscribers", json={"email_address": "ada@example.com", "fields": fields}
    )

    assert status == 202
    assert set(body["subscriber"]["fields"].values()) == {None}
    _, fetched = await call(http, "GET", f"/v4/subscribers/{body['subscriber']['id']}")
    assert fetched["subscriber"]["fields"] == fields


async def test_more_than_140_fields_is_refused(http) -> None:
    fields = {f"f{n}": "x" for n in range(141)}

    status, body = await call(
        http, "POST", "/v4/subscribers", json={"email_address": "a@example.com", "fields": fields}
    )

    assert status == 422
    assert "140" in body["errors"][0]


# -- one subscriber -------------------------------------------------------------------------


async def test_get_shows_canceled_at_and_the_location(server: FakeKit, http) -> None:
    ada = server.add_subscriber("ada@example.com", first_name="Ada")
    ada.location = dict(PIN)

    status, body = await call(http, "GET", f"/v4/subscribers/{ada.id}")

    assert status == 200
    assert body["subscriber"]["canceled_at"] is None
    assert body["subscriber"]["location"] == {
        "city": "Boise",
        "state": "Idaho",
        "country": "US",
        "latitude": 43.62,
        "longitude": -116.2,
        "timezone": "America/Denver",
    }
    assert await call(http, "GET", "/v4/subscribers/99") == (404, {"errors": ["Not Found"]})


async def test_update_changes_address_name_and_fields(server: FakeKit, http) -> None:
    server.add_custom_field("Company")
    ada = server.add_subscriber("ada@example.com")

    status, body = await call(
        http,
        "PUT",
        f"/v4/subscribers/{ada.id}",
        json={
            "email_address": "countess@example.com",
            "first_name": "Ada",
            "fields": {"company": "E"},
        },
    )

    assert status == 200
    assert body["subscriber"]["email_address"] == "countess@example.com"
    assert body["subscriber"]["first_name"] == "Ada"
    assert body["subscriber"]["fields"] == {"company": "E"}
    assert ada.email_address == "countess@example.com"


async def test_update_refuses_an_address_another_subscriber_has(server: FakeKit, http) -> None:
    ada = server.add_subscriber("ada@example.com")
    server.add_subscriber("bob@example.com")

    assert await call(
        http, "PUT", f"/v4/subscribers/{ada.id}", json={"email_address": "Bob@example.com"}
    ) == (422, {"errors": ["Email address has already been taken"]})
    assert await call(http, "PUT", "/v4/subscribers/99", json={}) == (
        404,
        {"errors": ["Not Found"]},
    )
    assert ada.email_address == "ada@example.com"


async def test_update_with_more_than_ten_fields_is_202(server: FakeKit, http) -> None:
    ada = server.add_subscriber("ada@example.com")

    status, body = await call(
        http, "PUT", f"/v4/subscribers/{ada.id}", json={"fields": {f"f{n}": "x" for n in range(11)}}
    )

    assert status == 202
    assert len(body["warnings"]) == 11


async def test_unsubscribe_cancels_now_and_is_204_every_time(server: FakeKit, http) -> None:
    later = datetime(2026, 12, 1, tzinfo=UTC)
    ada = server.add_subscriber("ada@example.com")
    path = f"/v4/subscribers/{ada.id}/unsubscribe"

    assert await call(http, "POST", path, json={}) == (204, None)
    server.account.clock = lambda: later
    assert await call(http, "POST", path, json={}) == (204, None)

    assert (ada.state, ada.canceled_at) == ("cancelled", NOW)
    assert await call(http, "POST", "/v4/subscribers/99/unsubscribe", json={}) == (
        404,
        {"errors": ["Not Found"]},
    )


# -- the list -----------------------------------------------------------------------------


async def test_list_is_active_subscribers_newest_first_unless_told_otherwise(
    server: FakeKit, http
) -> None:
    server.add_subscriber("a@example.com")
    server.add_subscriber("b@example.com", state="bounced")
    server.add_subscriber("c@example.com")

    _, default = await call(http, "GET", "/v4/subscribers")
    _, bounced = await call(http, "GET", "/v4/subscribers", params={"status": "bounced"})
    _, every = await call(http, "GET", "/v4/subscribers", params={"status": "all"})
    _, oldest = await call(http, "GET", "/v4/subscribers", params={"sort_order": "asc"})

    assert emails(default) == ["c@example.com", "a@example.com"]
    assert emails(bounced) == ["b@example.com"]
    assert emails(every) == ["c@example.com", "b@example.com", "a@example.com"]
    assert emails(oldest) == ["a@example.com", "c@example.com"]


async def test_list_finds_addresses_exactly_several_at_once(server: FakeKit, http) -> None:
    for name in ("ann", "anna", "bob"):
        server.add_subscriber(f"{name}@example.com")

    _, one = await call(http, "GET", "/v4/subscribers", params={"email_address": "ann@example.com"})
    _, two = await call(
        http, "GET", "/v4/subscribers", params={"email_address": "ANN@example.com,bob@example.com"}
    )

    assert emails(one) == ["ann@example.com"]
    assert emails(two) == ["bob@example.com", "ann@example.com"]


async def test_list_filters_on_creation_and_update_dates(server: FakeKit, http) -> None:
    for month in (1, 2, 3):
        person = server.add_subscriber(
            f"m{month}@example.com", created_at=datetime(2026, month, 15, tzinfo=UTC)
        )
        person.updated_at = datetime(2026, month + 6, 1, tzinfo=UTC)

    _, created = await call(
        http,
        "GET",
        "/v4/subscribers",
        params={"created_after": "2026-02-01", "created_before": "2026-03-01"},
    )
    _, updated = await call(http, "GET", "/v4/subscribers", params={"updated_after": "2026-08-01"})

    assert emails(created) == ["m2@example.com"]
    assert emails(updated) == ["m3@example.com", "m2@example.com"]


async def test_list_sorts_on_engagement(server: FakeKit, http) -> None:
    for name, opened in (("low", 1), ("high", 9), ("mid", 5)):
        server.add_subscriber(f"{name}@example.com").stats["opened"] = opened

    _, body = await call(http, "GET", "/v4/subscribers", params={"sort_field": "engagement__opens"})

    assert emails(body) == ["high@example.com", "mid@example.com", "low@example.com"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"sort_field": "cancelled_at"},
            "The status param must be `cancelled` if sort_field is `cancelled_at`",
        ),
        ({"include": "canceled_at"}, "The status param must be `cancelled` to include canceled_at"),
        (
            {"sort_field": "engagement__clicks", "email_address": "a@example.com"},
            "Engagement sorts cannot be combined with email_address",
        ),
    ],
)
async def test_list_refuses_the_combinations_kit_refuses(
    http, params: dict[str, str], message: str
) -> None:
    assert await call(http, "GET", "/v4/subscribers", params=params) == (
        422,
        {"errors": [message]},
    )


async def test_cancelled_subscribers_sort_and_show_when_they_left(server: FakeKit, http) -> None:
    for day in (3, 1, 2):
        person = server.add_subscriber(f"d{day}@example.com")
        person.state, person.canceled_at = "cancelled", datetime(2026, 5, day, tzinfo=UTC)

    _, body = await call(
        http,
        "GET",
        "/v4/subscribers",
        params={"status": "cancelled", "sort_field": "canceled_at", "include": "canceled_at"},
    )

    assert emails(body) == ["d3@example.com", "d2@example.com", "d1@example.com"]
    assert body["subscribers"][0]["canceled_at"] == "2026-05-03T00:00:00Z"


async def test_list_includes_tags_location_and_attribution_on_request(
    server: FakeKit, http
) -> None:
    ada = server.add_subscriber("ada@example.com")
    server.tag_subscriber(server.add_tag("VIP"), ada)
    ada.location = dict(PIN)
    ada.attribution = {"referrer": "https://example.com", "source_type": "form"}

    _, body = await call(
        http,
        "GET",
        "/v4/subscribers",
        params={"include": "tags,location,attribution", "slim": "true"},
    )

    shown = body["subscribers"][0]
    assert shown["tags"] == [{"id": 1, "name": "VIP"}]
    assert shown["location"]["state"] == "Idaho"
    assert shown["attribution"]["referrer"] == "https://example.com"
    assert shown["attribution"]["utm_source"] is None
    assert "fields" not in shown


async def test_list_pages_with_fakekit_cursors(server: FakeKit, http) -> None:
    for n in range(7):
        server.add_subscriber(f"s{n}@example.com")

    seen, after = [], None
    while True:
        params = {"per_page": "3", **({"after": after} if after else {})}
        _, page = await call(http, "GET", "/v4/subscribers", params=params)
        seen += emails(page)
        if not page["pagination"]["has_next_page"]:
            break
        after = page["pagination"]["end_cursor"]
        assert after.startswith("++//")

    assert seen == [f"s{n}@example.com" for n in range(6, -1, -1)]


# -- a subscriber's tags and stats -----------------------------------------------------------


async def test_a_subscribers_tags_come_with_when_they_were_added(server: FakeKit, http) -> None:
    ada = server.add_subscriber("ada@example.com")
    first, second = server.add_tag("First"), server.add_tag("Second")
    server.tag_subscriber(first, ada, at=datetime(2026, 1, 1, tzinfo=UTC))
    server.tag_subscriber(second, ada, at=datetime(2026, 2, 1, tzinfo=UTC))

    _, body = await call(http, "GET", f"/v4/subscribers/{ada.id}/tags")

    assert body["tags"] == [
        {"id": second.id, "name": "Second", "tagged_at": "2026-02-01T00:00:00Z"},
        {"id": first.id, "name": "First", "tagged_at": "2026-01-01T00:00:00Z"},
    ]
    assert body["pagination"]["start_cursor"].startswith("++//")
    assert (await call(http, "GET", "/v4/subscribers/99/tags"))[0] == 404


async def test_stats_are_the_subscribers_and_refuse_dates_beyond_five_years(
    server: FakeKit, http
) -> None:
    ada = server.add_subscriber("ada@example.com")
    ada.stats.update(sent=4, opened=2, open_rate=0.5)

    _, body = await call(
        http, "GET", f"/v4/subscribers/{ada.id}/stats", params={"email_sent_after": "2024-01-01"}
    )
    status, refused = await call(
        http, "GET", f"/v4/subscribers/{ada.id}/stats", params={"email_sent_after": "2019-01-01"}
    )

    assert body["subscriber"]["id"] == ada.id
    assert body["subscriber"]["stats"]["sent"] == 4
    assert body["subscriber"]["stats"]["last_clicked"] is None
    assert status == 400
    assert "earliest available date is 2021-11-20" in refused["errors"][0]
    assert (await call(http, "GET", "/v4/subscribers/99/stats"))[0] == 404


# -- the pinned location ----------------------------------------------------------------------


async def test_a_pin_needs_only_a_country_code_and_replaces_the_last(server: FakeKit, http) -> None:
    ada = server.add_subscriber("ada@example.com")
    path = f"/v4/subscribers/{ada.id}/location"

    full = await call(http, "POST", path, json={"location": PIN})
    status, body = await call(http, "POST", path, json={"location": {"country_code": "fr"}})

    assert full == (200, {"subscriber": {"id": ada.id, "location": PIN}})
    assert status == 200
    assert body["subscriber"]["location"] == {
        "city": None,
        "state_province": None,
        "country_code": "FR",
        "latitude": None,
        "longitude": None,
        "timezone": None,
    }


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ({"city": "Boise"}, "Country code can't be blank"),
        ({"country_code": "USA"}, "Country code must be an ISO 3166-1 alpha-2 code, such as US"),
        ({"country_code": "US", "latitude": 91}, "Latitude must be a number between -90 and 90"),
        (
            {"country_code": "US", "longitude": "x"},
            "Longitude must be a number between -180 and 180",
        ),
    ],
)
async def test_a_bad_pin_is_422_and_not_kept(
    server: FakeKit, http, location: dict[str, Any], message: str
) -> None:
    ada = server.add_subscriber("ada@example.com")

    assert await call(
        http, "POST", f"/v4/subscribers/{ada.id}/location", json={"location": location}
    ) == (422, {"errors": [message]})
    assert ada.location is None


async def test_patch_is_a_full_replacement_naming_every_missing_field(
    server: FakeKit, http
) -> None:
    ada = server.add_subscriber("ada@example.com")
    path = f"/v4/subscribers/{ada.id}/location"

    assert await call(
        http, "PATCH", path, json={"location": {"country_code": "US", "city": "X"}}
    ) == (
        422,
        {
            "errors": [
                "State province can't be blank",
                "Latitude can't be blank",
                "Longitude can't be blank",
                "Timezone can't be blank",
            ]
        },
    )
    assert await call(http, "PATCH", path, json={"location": PIN}) == (
        200,
        {"subscriber": {"id": ada.id, "location": PIN}},
    )
    assert (await call(http, "PATCH", path, json={}))[0] == 422


async def test_delete_removes_the_pin_with_204(server: FakeKit, http) -> None:
    ada = server.add_subscriber("ada@example.com")
    ada.location = dict(PIN)

    assert await call(http, "DELETE", f"/v4/subscribers/{ada.id}/location") == (204, None)
    _, body = await call(http, "GET", f"/v4/subscribers/{ada.id}")
    assert body["subscriber"]["location"] is None
    for method in ("POST", "PATCH", "DELETE"):
        assert (await call(http, method, "/v4/subscribers/99/location", json={"location": PIN}))[
            0
        ] == 404


# -- the filter listing ----------------------------------------------------------------------


async def test_filter_ands_conditions_and_shows_ids_as_text(server: FakeKit, http) -> None:
    vip = server.add_tag("VIP")
    ada = server.add_subscriber("ada@example.com", created_at=datetime(2026, 3, 1, tzinfo=UTC))
    bob = server.add_subscriber("bob@example.com", created_at=datetime(2026, 3, 2, tzinfo=UTC))
    server.add_subscriber("cy@example.com", created_at=datetime(2025, 1, 1, tzinfo=UTC))
    server.tag_subscriber(vip, ada)
    server.tag_subscriber(vip, bob)
    bob.state = "inactive"
    body = {
        "all": [
            {"type": "subscribed", "after": "2026-01-01"},
            {"type": "tags", "any": [{"type": "ids", "matching": [vip.id]}]},
            {"type": "subscriber_state", "states": ["active"]},
        ]
    }

    status, answer = await call(http, "POST", "/v4/subscribers/filter", json=body)

    assert status == 200
    assert answer["subscribers"] == [
        {
            "id": str(ada.id),
            "first_name": None,
            "email_address": "ada@example.com",
            "created_at": "2026-03-01T00:00:00Z",
            "tag_names": ["VIP"],
            "tag_ids": [str(vip.id)],
        }
    ]
    assert answer["pagination"]["total_count"] == 1


async def test_filter_compares_engagement_totals_and_custom_fields(server: FakeKit, http) -> None:
    plan = server.add_custom_field("Plan")
    for name, opened, value in (("a", 1, "basic"), ("b", 6, "premium"), ("c", 9, "premium plus")):
        person = server.add_subscriber(f"{name}@example.com", fields={"plan": value})
        person.stats["opened"] = opened

    async def matching(*conditions: dict[str, Any]) -> list[str]:
        _, answer = await call(
            http, "POST", "/v4/subscribers/filter", json={"all": list(conditions)}
        )
        return sorted(emails(answer))

    assert await matching({"type": "opens", "count_greater_than": 5}) == [
        "b@example.com",
        "c@example.com",
    ]
    assert await matching({"type": "opens", "count_less_than_or_equal": 6}) == [
        "a@example.com",
        "b@example.com",
    ]
    field = {"type": "custom_field", "subscriber_custom_field_id": plan.id}
    assert await matching({**field, "value": "premium", "comparison": "is"}) == ["b@example.com"]
    assert await matching({**field, "value": "PREMIUM", "comparison": "contains"}) == [
        "b@example.com",
        "c@example.com",
    ]


async def test_filter_finds_pins_in_a_bounding_box_and_form_signups(server: FakeKit, http) -> None:
    near = server.add_subscriber("near@example.com")
    near.location = dict(PIN)
    far = server.add_subscriber("far@example.com")
    far.location = {**PIN, "latitude": 40.7, "longitude": -74.0}
    form = server.add_form("Sign up")
    server.subscribe_to_form(form, far)
    box = {"type": "location", "latitude": 43.6, "longitude": -116.2, "radius": 25}
    signed_up = {"type": "attribution", "any": [{"type": "forms", "ids": [form.id]}]}

    _, boxed = await call(http, "POST", "/v4/subscribers/filter", json={"all": [box]})
    _, forms = await call(http, "POST", "/v4/subscribers/filter", json={"all": [signed_up]})

    assert emails(boxed) == ["near@example.com"]
    assert emails(forms) == ["far@example.com"]


async def test_filter_includes_stats_and_custom_fields_on_request(server: FakeKit, http) -> None:
    server.add_custom_field("Plan")
    ada = server.add_subscriber("ada@example.com", fields={"plan": "pro"})
    ada.stats.update(open_rate=0.66666, click_rate=0.12345)
    body = {"all": [], "include": [{"type": "stats"}, {"type": "custom_fields"}]}

    _, answer = await call(http, "POST", "/v4/subscribers/filter", json=body)

    shown = answer["subscribers"][0]
    assert (shown["stats"]["open_rate"], shown["stats"]["click_rate"]) == (0.667, 0.123)
    assert shown["custom_fields"] == {"plan": "pro"}


async def test_filter_pages_with_after_in_the_body(server: FakeKit, http) -> None:
    for n in range(5):
        server.add_subscriber(f"s{n}@example.com", created_at=datetime(2026, 1, n + 1, tzinfo=UTC))

    _, first = await call(http, "POST", "/v4/subscribers/filter", json={"all": [], "per_page": 3})
    after = first["pagination"]["end_cursor"]
    _, second = await call(
        http, "POST", "/v4/subscribers/filter", json={"all": [], "per_page": 3, "after": after}
    )

    assert emails(first) + emails(second) == [f"s{n}@example.com" for n in range(4, -1, -1)]
    assert second["pagination"]["has_next_page"] is False
    assert first["pagination"]["total_count"] == 5


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 422, "all must be a list of conditions"),
        ({"all": [{"type": "moods"}]}, 422, "type must be one of"),
        ({"all": [{"type": "subscriber_state"}]}, 422, "states is required"),
        ({"all": [{"type": "location", "latitude": 1}]}, 422, "radius"),
        ({"all": [], "sort_field": "location__distance"}, 422, "needs a location condition"),
        (
            {"all": [], "include": [{"type": "stats", "range": {"start": "2019-01-01"}}]},
            400,
            "5-year",
        ),
    ],
)
async def test_filter_refuses_what_kit_refuses(
    http, body: dict[str, Any], status: int, message: str
) -> None:
    answered, answer = await call(http, "POST", "/v4/subscribers/filter", json=body)

    assert answered == status
    assert message in answer["errors"][0]


async def test_filter_sorts_by_distance_from_the_location_condition(server: FakeKit, http) -> None:
    for name, latitude in (("far", 43.9), ("near", 43.61), ("mid", 43.75)):
        server.add_subscriber(f"{name}@example.com").location = {**PIN, "latitude": latitude}
    body = {
        "all": [{"type": "location", "latitude": 43.6, "longitude": -116.2, "radius": 50}],
        "sort_field": "location__distance",
    }

    _, answer = await call(http, "POST", "/v4/subscribers/filter", json=body)

    assert emails(answer) == ["near@example.com", "mid@example.com", "far@example.com"]


@pytest.mark.parametrize(
    ("sort_field", "sort_order", "expected"),
    [
        ("email_address", "asc", ["a@example.com", "b@example.com", "c@example.com"]),
        ("first_name", "desc", ["a@example.com", "c@example.com", "b@example.com"]),
        ("engagement__clicks", "desc", ["c@example.com", "b@example.com", "a@example.com"]),
        ("id", "asc", ["b@example.com", "a@example.com", "c@example.com"]),
    ],
)
async def test_filter_sorts_on_kits_fields(
    server: FakeKit, http, sort_field: str, sort_order: str, expected: list[str]
) -> None:
    for email, name, clicked in (("b", "Bea", 2), ("a", "Zoe", 1), ("c", "Cy", 3)):
        server.add_subscriber(f"{email}@example.com", first_name=name).stats["clicked"] = clicked
    body = {"all": [], "sort_field": sort_field, "sort_order": sort_order}

    _, answer = await call(http, "POST", "/v4/subscribers/filter", json=body)

    assert emails(answer) == expected


async def test_filter_compares_numbers_and_presence_of_custom_fields(server: FakeKit, http) -> None:
    age = server.add_custom_field("Age")
    for name, value in (("a", "17"), ("b", "42"), ("c", None), ("d", "n/a")):
        server.add_subscriber(f"{name}@example.com", fields={"age": value})
    field = {"type": "custom_field", "subscriber_custom_field_id": age.id}

    async def matching(**condition: Any) -> list[str]:
        _, answer = await call(
            http, "POST", "/v4/subscribers/filter", json={"all": [{**field, **condition}]}
        )
        return sorted(emails(answer))

    assert await matching(comparison="has_value") == [
        "a@example.com",
        "b@example.com",
        "d@example.com",
    ]
    assert await matching(comparison="greater_than", value=18) == ["b@example.com"]
    assert await matching(comparison="less_than_or_equal", value="17") == ["a@example.com"]
    assert await matching(comparison="greater_than_or_equal", value=17) == [
        "a@example.com",
        "b@example.com",
    ]
    assert await matching(comparison="less_than", value=100) == ["a@example.com", "b@example.com"]


async def test_filter_matches_kit_sources_and_any_tag(server: FakeKit, http) -> None:
    imported = server.add_subscriber("imported@example.com")
    imported.attribution = {"source_type": "import"}
    tagged = server.add_subscriber("tagged@example.com")
    server.tag_subscriber(server.add_tag("Anything"), tagged)
    server.add_subscriber("plain@example.com")
    source = {"type": "attribution", "any": [{"type": "kit_source", "source_type": "import"}]}

    _, by_source = await call(http, "POST", "/v4/subscribers/filter", json={"all": [source]})
    _, any_tag = await call(
        http, "POST", "/v4/subscribers/filter", json={"all": [{"type": "tags"}]}
    )

    assert emails(by_source) == ["imported@example.com"]
    assert emails(any_tag) == ["tagged@example.com"]


async def test_filter_includes_tags_location_attribution_and_canceled_at(
    server: FakeKit, http
) -> None:
    ada = server.add_subscriber("ada@example.com", state="cancelled")
    ada.location = dict(PIN)
    ada.attribution = {"source_type": "form"}
    server.tag_subscriber(server.add_tag("VIP"), ada)
    include = [{"type": t} for t in ("tags", "location", "attribution", "canceled_at")]

    _, answer = await call(
        http, "POST", "/v4/subscribers/filter", json={"all": [], "include": include}
    )

    shown = answer["subscribers"][0]
    assert shown["tags"] == [{"id": 1, "name": "VIP"}]
    assert shown["location"]["country"] == "US"
    assert shown["attribution"] == {"source_type": "form"}
    assert shown["canceled_at"] == "2026-11-20T12:00:00Z"


@pytest.mark.parametrize(
    "condition",
    [
        "not an object",
        {"type": "opens", "count_greater_than": "many"},
        {"type": "tags", "any": "ids"},
        {"type": "tags", "any": [{"type": "ids", "matching": ["one"]}]},
        {"type": "attribution", "any": [{"type": "moods"}]},
        {"type": "custom_field", "subscriber_custom_field_id": 1, "comparison": "like"},
        {},
    ],
)
async def test_filter_refuses_a_malformed_condition(server: FakeKit, http, condition: Any) -> None:
    server.add_custom_field("Plan")

    status, answer = await call(http, "POST", "/v4/subscribers/filter", json={"all": [condition]})

    assert status == 422
    assert answer["errors"]


@pytest.mark.parametrize(
    "body",
    [
        {"all": [], "include": "stats"},
        {"all": [], "include": [{"type": "hobbies"}]},
        {"all": [], "counting_mode": "approximately"},
        {"all": [], "sort_order": "sideways"},
        {"all": [], "per_page": 0},
    ],
)
async def test_filter_refuses_bad_options(http, body: dict[str, Any]) -> None:
    assert (await call(http, "POST", "/v4/subscribers/filter", json=body))[0] == 422


async def test_filter_on_an_unknown_custom_field_matches_nobody(server: FakeKit, http) -> None:
    server.add_subscriber("ada@example.com")
    condition = {
        "type": "custom_field",
        "subscriber_custom_field_id": 99,
        "comparison": "has_value",
    }

    status, answer = await call(http, "POST", "/v4/subscribers/filter", json={"all": [condition]})

    assert (status, answer["subscribers"]) == (200, [])


async def test_a_cancelled_subscriber_without_canceled_at_still_sorts(
    server: FakeKit, http
) -> None:
    by_hand = server.add_subscriber("by-hand@example.com")
    by_hand.state = "cancelled"  # a test's shortcut: no canceled_at
    server.add_subscriber("proper@example.com", state="cancelled")

    status, body = await call(
        http, "GET", "/v4/subscribers", params={"status": "cancelled", "sort_field": "cancelled_at"}
    )

    assert status == 200
    assert emails(body) == ["proper@example.com", "by-hand@example.com"]
