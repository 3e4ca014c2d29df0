"""FakeKit's custom fields over plain HTTP: create or find, relabel, delete with the values."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from kit_async.testing import FakeKit


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0) as fake:
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


async def test_create_derives_key_and_name_and_finds_an_existing_label(http) -> None:
    created = await call(http, "POST", "/v4/custom_fields", json={"label": " Interests "})
    again = await call(http, "POST", "/v4/custom_fields", json={"label": "interests"})

    assert created == (
        201,
        {
            "custom_field": {
                "id": 1,
                "name": "ck_field_1_interests",
                "key": "interests",
                "label": "Interests",
            }
        },
    )
    assert again == (200, created[1])


async def test_a_label_is_required_and_its_key_must_be_free(http) -> None:
    assert await call(http, "POST", "/v4/custom_fields", json={}) == (
        422,
        {"errors": ["Label can't be blank"]},
    )
    await call(http, "POST", "/v4/custom_fields", json={"label": "Last name"})
    assert await call(http, "POST", "/v4/custom_fields", json={"label": "Last-name"}) == (
        422,
        {"errors": ["Key has already been taken"]},
    )


async def test_relabelling_changes_the_key_but_not_the_name_nor_the_values(
    server: FakeKit, http
) -> None:
    field = server.add_custom_field("Zip code")
    ada = server.add_subscriber("ada@example.com", fields={"zip_code": "83702"})

    status, body = await call(
        http, "PUT", f"/v4/custom_fields/{field.id}", json={"label": "Post code"}
    )

    assert (status, body["custom_field"]) == (
        200,
        {
            "id": field.id,
            "name": f"ck_field_{field.id}_zip_code",
            "key": "post_code",
            "label": "Post code",
        },
    )
    assert server.account.fields_of(ada) == {"post_code": "83702"}


async def test_relabelling_refuses_a_taken_label_or_key(server: FakeKit, http) -> None:
    first = server.add_custom_field("First")
    server.add_custom_field("Second")
    server.add_custom_field("Third-one")

    assert await call(http, "PUT", f"/v4/custom_fields/{first.id}", json={"label": "second"}) == (
        422,
        {"errors": ["Label has already been taken"]},
    )
    assert await call(
        http, "PUT", f"/v4/custom_fields/{first.id}", json={"label": "Third one"}
    ) == (
        422,
        {"errors": ["Key has already been taken"]},
    )
    assert await call(http, "PUT", f"/v4/custom_fields/{first.id}", json={"label": ""}) == (
        422,
        {"errors": ["Label can't be blank"]},
    )
    assert await call(http, "PUT", "/v4/custom_fields/99", json={"label": "x"}) == (
        404,
        {"errors": ["Not Found"]},
    )
    assert first.label == "First"


async def test_delete_removes_the_field_and_its_values(server: FakeKit, http) -> None:
    field = server.add_custom_field("Company")
    server.add_custom_field("Role")
    ada = server.add_subscriber("ada@example.com", fields={"company": "E", "role": "R"})

    assert await call(http, "DELETE", f"/v4/custom_fields/{field.id}") == (204, None)

    assert server.account.fields_of(ada) == {"role": "R"}
    assert field.id not in ada.fields
    assert (await call(http, "DELETE", f"/v4/custom_fields/{field.id}"))[0] == 404


async def test_list_is_newest_first_with_fakekit_cursors(server: FakeKit, http) -> None:
    for label in ("A", "B", "C"):
        server.add_custom_field(label)

    _, first = await call(http, "GET", "/v4/custom_fields", params={"per_page": "2"})
    _, second = await call(
        http,
        "GET",
        "/v4/custom_fields",
        params={"per_page": "2", "after": first["pagination"]["end_cursor"]},
    )

    assert [f["label"] for f in first["custom_fields"] + second["custom_fields"]] == ["C", "B", "A"]
    assert first["pagination"]["end_cursor"].startswith("++//")
    assert set(first["custom_fields"][0]) == {"id", "name", "key", "label"}
