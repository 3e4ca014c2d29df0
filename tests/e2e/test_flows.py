"""Realistic flows per namespace, end to end: the real client against FakeKit's state.

Each test walks one job a user does (a subscriber's life with a tag, custom
fields, concurrent tagging, purchases through OAuth, posts and snippets, one
list over many tags) and checks what FakeKit holds after each step, not only
what the client returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from typing import Any

import pytest

from kit_async import (
    KitClient,
    NotFoundError,
    OAuthRequiredError,
    UnprocessableEntityError,
)
from kit_async.testing import FakeKit

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
TOKEN = "oauth-access-token"


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0, clock=lambda: NOW, access_token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def kit(server: FakeKit) -> AsyncIterator[KitClient]:
    async with KitClient(server.api_key, base_url=server.url, rate_limit=None) as client:
        yield client


@pytest.fixture
async def oauth_kit(server: FakeKit) -> AsyncIterator[KitClient]:
    async with KitClient(access_token=TOKEN, base_url=server.url, rate_limit=None) as client:
        yield client


def statuses(server: FakeKit, method: str, path: str) -> list[int]:
    return [r.status for r in server.requests if (r.method, r.path) == (method, path)]


async def returned(call: Awaitable[object]) -> object:
    """What a call returns at run time (a method typed `-> None` included)."""
    return await call


# -- subscribers and tags ------------------------------------------------------------


async def test_a_subscriber_is_created_tagged_listed_untagged_and_unsubscribed(
    server: FakeKit, kit: KitClient
) -> None:
    account = server.account

    created = await kit.subscribers.create("ada@example.com", first_name="Ada")
    ada = account.subscribers[created.item.id]
    assert created.created
    assert (ada.email_address, ada.first_name, ada.state) == ("ada@example.com", "Ada", "active")

    customers = (await kit.tags.create("Customers")).item
    assert account.tags[customers.id].name == "Customers"

    tagged = await kit.tags.tag_subscriber(customers.id, email_address="ada@example.com")
    assert tagged.created
    assert account.taggings[customers.id] == {ada.id: NOW}
    again = await kit.tags.tag_subscriber(customers.id, subscriber_id=ada.id)
    assert not again.created
    assert account.taggings[customers.id] == {ada.id: NOW}

    listed = [s async for s in kit.tags.subscribers(customers.id)]
    assert [(s.id, s.email_address, s.tagged_at) for s in listed] == [
        (ada.id, "ada@example.com", NOW)
    ]
    assert [t.name async for t in kit.subscribers.tags(ada.id)] == ["Customers"]

    untagged = await returned(
        kit.tags.untag_subscriber(customers.id, email_address=ada.email_address)
    )
    assert untagged is None
    assert account.taggings[customers.id] == {}
    assert [s async for s in kit.tags.subscribers(customers.id)] == []
    await kit.tags.untag_subscriber(customers.id, subscriber_id=ada.id)  # harmless again
    assert customers.id in account.tags  # untagging leaves the tag

    assert await returned(kit.subscribers.unsubscribe(ada.id)) is None
    assert (ada.state, ada.canceled_at) == ("cancelled", NOW)
    assert [s async for s in kit.subscribers.list()] == []
    cancelled = [s.email_address async for s in kit.subscribers.list(status="cancelled")]
    assert cancelled == ["ada@example.com"]
    assert len(account.subscribers) == 1
    writes = [(r.method, r.path, r.status) for r in server.requests if r.method != "GET"]
    assert writes == [
        ("POST", "/v4/subscribers", 201),
        ("POST", "/v4/tags", 201),
        ("POST", f"/v4/tags/{customers.id}/subscribers", 201),
        ("POST", f"/v4/tags/{customers.id}/subscribers/{ada.id}", 200),
        ("DELETE", f"/v4/tags/{customers.id}/subscribers", 204),
        ("DELETE", f"/v4/tags/{customers.id}/subscribers/{ada.id}", 204),
        ("POST", f"/v4/subscribers/{ada.id}/unsubscribe", 204),
    ]


async def test_a_second_create_of_an_address_finds_the_subscriber_and_keeps_its_state(
    server: FakeKit, kit: KitClient
) -> None:
    first = await kit.subscribers.create("lin@example.com", first_name="Lin")
    await kit.subscribers.unsubscribe(first.item.id)

    again = await kit.subscribers.create("LIN@example.com", first_name="Lin Y.", state="active")

    assert (again.created, again.status, again.item.id) == (False, 200, first.item.id)
    record = server.account.subscribers[first.item.id]
    assert (record.first_name, record.state) == ("Lin Y.", "cancelled")
    assert len(server.account.subscribers) == 1


async def test_twenty_concurrent_creates_of_one_tag_make_one_tag_with_one_201(
    server: FakeKit, kit: KitClient
) -> None:
    results = await asyncio.gather(*(kit.tags.create("VIP") for _ in range(20)))

    assert len({result.item.id for result in results}) == 1
    assert sorted(result.status for result in results) == [200] * 19 + [201]
    assert [tag.name for tag in server.account.tags.values()] == ["VIP"]
    assert sorted(statuses(server, "POST", "/v4/tags")) == [200] * 19 + [201]


async def test_a_tag_name_is_matched_case_insensitively(server: FakeKit, kit: KitClient) -> None:
    made = await kit.tags.create("Webinar")
    found = await asyncio.gather(kit.tags.create("webinar"), kit.tags.create("WEBINAR"))

    assert [(r.item.id, r.item.name, r.created) for r in found] == [
        (made.item.id, "Webinar", False)
    ] * 2
    assert len(server.account.tags) == 1


async def test_thirty_concurrent_taggings_of_different_subscribers_all_land(
    server: FakeKit, kit: KitClient
) -> None:
    tag = server.add_tag("Attended")
    people = [server.add_subscriber(f"p{n}@example.com") for n in range(30)]

    results = await asyncio.gather(
        *(kit.tags.tag_subscriber(tag.id, subscriber_id=person.id) for person in people)
    )

    assert all(result.created for result in results)
    assert sorted(result.item.id for result in results) == [person.id for person in people]
    assert set(server.account.taggings[tag.id]) == {person.id for person in people}
    listed = [s.id async for s in kit.tags.subscribers(tag.id, per_page=7)]
    assert sorted(listed) == [person.id for person in people]


async def test_ten_concurrent_taggings_of_one_subscriber_tag_them_once(
    server: FakeKit, kit: KitClient
) -> None:
    tag = server.add_tag("Attended")
    person = server.add_subscriber("once@example.com")

    results = await asyncio.gather(
        *(kit.tags.tag_subscriber(tag.id, email_address="once@example.com") for _ in range(10))
    )

    assert sum(result.created for result in results) == 1
    assert server.account.taggings[tag.id] == {person.id: NOW}


async def test_tagging_an_unknown_subscriber_or_tag_is_a_not_found_error(
    server: FakeKit, kit: KitClient
) -> None:
    tag = server.add_tag("Attended")
    with pytest.raises(NotFoundError) as by_email:
        await kit.tags.tag_subscriber(tag.id, email_address="nobody@example.com")
    with pytest.raises(NotFoundError) as by_tag:
        await kit.tags.tag_subscriber(999, email_address="nobody@example.com")

    assert by_email.value.path == f"/v4/tags/{tag.id}/subscribers"
    assert by_tag.value.resource_id == 999
    assert server.account.taggings.get(tag.id, {}) == {}


# -- custom fields ------------------------------------------------------------------------


async def test_a_custom_field_is_found_or_made_filled_relabelled_and_deleted(
    server: FakeKit, kit: KitClient
) -> None:
    account = server.account
    made = await kit.custom_fields.create("Company")
    found = await kit.custom_fields.create(" company ")
    assert (made.created, found.created, found.item.id) == (True, False, made.item.id)
    field = account.custom_fields[made.item.id]
    assert (field.label, field.key, field.name) == (
        "Company",
        "company",
        f"ck_field_{field.id}_company",
    )

    grace = (await kit.subscribers.create("grace@example.com")).item
    assert grace.fields == {"company": None}
    by_label = await kit.subscribers.update(grace.id, fields={"Company": "US Navy"})
    assert by_label.fields == {"company": "US Navy"}
    assert account.subscribers[grace.id].fields == {field.id: "US Navy"}
    by_key = await kit.subscribers.update(grace.id, fields={"company": "Univac"})
    assert by_key.fields == {"company": "Univac"}
    assert account.subscribers[grace.id].fields == {field.id: "Univac"}

    relabelled = await kit.custom_fields.update(field.id, "Employer")
    assert (relabelled.label, relabelled.key, relabelled.name) == (
        "Employer",
        "employer",
        field.name,  # the name stays: custom forms use it
    )
    assert (await kit.subscribers.get(grace.id)).fields == {"employer": "Univac"}

    assert await returned(kit.custom_fields.delete(field.id)) is None
    assert account.custom_fields == {}
    assert account.subscribers[grace.id].fields == {}
    assert (await kit.subscribers.get(grace.id)).fields == {}
    assert [f async for f in kit.custom_fields.list()] == []


async def test_a_taken_label_is_refused_and_changes_nothing(
    server: FakeKit, kit: KitClient
) -> None:
    zip_code = (await kit.custom_fields.create("Zip code")).item
    await kit.custom_fields.create("Post code")

    with pytest.raises(UnprocessableEntityError) as taken:
        await kit.custom_fields.update(zip_code.id, "Post code")

    assert taken.value.errors
    assert server.account.custom_fields[zip_code.id].label == "Zip code"


async def test_values_for_a_field_that_does_not_exist_are_ignored(
    server: FakeKit, kit: KitClient
) -> None:
    server.add_custom_field("City")
    created = await kit.subscribers.create(
        "ignored@example.com", fields={"City": "Lisbon", "Shoe size": "42"}
    )

    assert created.item.fields == {"city": "Lisbon"}
    assert len(server.account.custom_fields) == 1


# -- purchases (OAuth only) ------------------------------------------------------------


def purchase(transaction_id: str, *products: dict[str, Any]) -> dict[str, Any]:
    return {
        "email_address": "buyer@example.com",
        "transaction_id": transaction_id,
        "status": "paid",
        "currency": "eur",
        "transaction_time": datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
        "subtotal": 20.0,
        "tax": 2.0,
        "shipping": 0.0,
        "discount": 0.0,
        "total": 22.0,
        "products": list(products),
    }


MUG = {
    "name": "Mug",
    "pid": "p-mug",
    "lid": "l-1",
    "quantity": 2,
    "unit_price": 10.0,
    "sku": "MUG-1",
}
CAP = {
    "name": "Cap",
    "pid": "p-cap",
    "lid": "l-2",
    "quantity": 1,
    "unit_price": 12.5,
    "sku": "CAP-1",
}


async def test_a_purchase_is_recorded_read_back_and_extended_through_oauth(
    server: FakeKit, oauth_kit: KitClient
) -> None:
    account = server.account

    recorded = await oauth_kit.purchases.create(**purchase("order-1001", MUG))

    buyer = account.subscriber_by_email("buyer@example.com")
    assert buyer is not None  # Kit made the buyer a subscriber
    assert (recorded.subscriber_id, recorded.currency, recorded.total) == (buyer.id, "EUR", 22.0)
    assert [(p.name, p.quantity) for p in recorded.products] == [("Mug", 2)]
    assert await oauth_kit.purchases.get(recorded.id) == recorded

    # An update is sent with only the new line items: Kit appends them.
    extended = await oauth_kit.purchases.create(**purchase("order-1001", CAP))
    assert extended.id == recorded.id
    assert [p.name for p in extended.products] == ["Mug", "Cap"]
    assert len(account.purchases) == 1

    await oauth_kit.purchases.create(**purchase("order-1002", MUG))
    listed = [p.transaction_id async for p in oauth_kit.purchases.list(per_page=1)]
    assert listed == ["order-1002", "order-1001"]
    assert len(account.subscribers) == 1


async def test_purchases_are_refused_to_an_api_key_before_anything_is_sent(
    server: FakeKit, kit: KitClient
) -> None:
    with pytest.raises(OAuthRequiredError, match="POST /v4/purchases accepts only an OAuth"):
        await kit.purchases.create(**purchase("order-1", MUG))
    with pytest.raises(OAuthRequiredError):
        await kit.purchases.get(1)
    with pytest.raises(OAuthRequiredError):
        [p async for p in kit.purchases.list()]

    assert server.requests == []
    assert server.account.purchases == {}


async def test_a_product_without_a_sku_is_refused_before_sending(
    server: FakeKit, oauth_kit: KitClient
) -> None:
    # Kit's description of 2026-10-02 requires a product's sku.
    no_sku = {k: v for k, v in MUG.items() if k != "sku"}

    with pytest.raises(TypeError, match=r"products\[0\] needs sku"):
        await oauth_kit.purchases.create(**purchase("order-2001", no_sku))

    assert server.account.purchases == {}
    assert [r for r in server.requests if r.path == "/v4/purchases"] == []


async def test_an_unknown_purchase_is_a_not_found_error(oauth_kit: KitClient) -> None:
    with pytest.raises(NotFoundError) as missing:
        await oauth_kit.purchases.get(404)
    assert missing.value.resource_id == 404


async def test_kits_refusal_of_a_purchase_records_nothing(
    server: FakeKit, oauth_kit: KitClient
) -> None:
    # kit-async checks only that it is text; Kit (and FakeKit) refuse a bad address.
    refusable = {**purchase("order-7", MUG), "email_address": "not-an-email-address"}

    with pytest.raises(UnprocessableEntityError) as refused:
        await oauth_kit.purchases.create(**refusable)

    assert refused.value.errors == ("Email address is invalid",)
    assert server.account.purchases == {}


# -- posts and snippets ------------------------------------------------------------------


async def test_posts_are_listed_without_their_html_and_read_one_by_one_with_it(
    server: FakeKit, kit: KitClient
) -> None:
    hello = server.add_post("Hello world", content="<p>Hi!</p>")
    draft = server.add_post("Coming soon", status="draft", content="<p>Soon</p>")

    listed = [p async for p in kit.posts.list(per_page=1)]
    assert [(p.id, p.title, p.status) for p in listed] == [
        (draft.id, "Coming soon", "draft"),
        (hello.id, "Hello world", "published"),
    ]
    assert all(p.content is None for p in listed)
    assert listed[1].public_url == "https://fakekit.example.com/posts/hello-world"
    assert listed[0].public_url is None

    with_html = {p.id: p.content async for p in kit.posts.list(include_content=True)}
    assert with_html == {hello.id: "<p>Hi!</p>", draft.id: "<p>Soon</p>"}
    full = await kit.posts.get(hello.id)
    assert (full.title, full.content) == ("Hello world", "<p>Hi!</p>")
    with pytest.raises(NotFoundError):
        await kit.posts.get(999)


async def test_snippets_are_made_listed_changed_archived_and_keep_their_type(
    server: FakeKit, kit: KitClient
) -> None:
    account = server.account
    sign_off = await kit.snippets.create(
        name="Sign-off", snippet_type="inline", content="See you, {{ subscriber.first_name }}"
    )
    footer = await kit.snippets.create(
        name="Footer", snippet_type="block", document_attributes={"value_html": "<p>Bye</p>"}
    )
    assert (sign_off.key, footer.key) == ("sign-off", "footer")
    assert set(account.snippets) == {sign_off.id, footer.id}

    inline = [s.name async for s in kit.snippets.list(snippet_type="inline")]
    assert inline == ["Sign-off"]
    block = await kit.snippets.get(footer.id)
    assert block.document is not None
    assert block.document.value_html == "<p>Bye</p>"

    renamed = await kit.snippets.update(sign_off.id, name="Goodbye", content="Bye!")
    assert (renamed.name, renamed.content) == ("Goodbye", "Bye!")
    assert account.snippets[sign_off.id].name == "Goodbye"

    with pytest.raises(UnprocessableEntityError):
        await kit.snippets.update(sign_off.id, snippet_type="block")
    assert account.snippets[sign_off.id].snippet_type == "inline"

    await kit.snippets.update(footer.id, archived=True)
    assert account.snippets[footer.id].archived
    assert [s.name async for s in kit.snippets.list()] == ["Goodbye"]
    assert [s.name async for s in kit.snippets.list(archived=True)] == ["Footer"]
    with pytest.raises(NotFoundError):
        await kit.snippets.get(999)


async def test_each_snippet_create_makes_another_snippet(server: FakeKit, kit: KitClient) -> None:
    made = await asyncio.gather(
        *(
            kit.snippets.create(name="Promo", snippet_type="inline", content="20% off")
            for _ in range(5)
        )
    )

    assert len({s.id for s in made}) == 5
    assert len({s.key for s in made}) == 5  # Kit keeps keys unique
    assert len(server.account.snippets) == 5


# -- one list over many tags --------------------------------------------------------------


async def test_fan_out_walks_the_subscribers_of_several_tags_each_once_in_order(
    server: FakeKit, kit: KitClient
) -> None:
    sizes = {"Alpha": 23, "Beta": 7, "Gamma": 0, "Delta": 10}
    expected: dict[int, list[str]] = {}
    for name, size in sizes.items():
        tag = server.add_tag(name)
        people = [server.add_subscriber(f"{name.lower()}{n}@example.com") for n in range(size)]
        for person in people:
            server.tag_subscriber(tag, person)
        # Kit lists a tag's subscribers newest first (the highest id).
        expected[tag.id] = [p.email_address for p in sorted(people, key=lambda p: -p.id)]

    seen: dict[int, list[str]] = {tag_id: [] for tag_id in expected}
    async with kit.fan_out(
        kit.tags.subscribers, list(expected), per_page=5, concurrency=2
    ) as stream:
        async for tag_id, page in stream.pages():
            seen[tag_id].extend(s.email_address for s in page.items)

    assert seen == expected
    assert sorted(stream.completed) == sorted(expected)
    assert stream.items_fetched == sum(sizes.values())
    # 5 + 2 + 1 + 2 pages: every page once, nothing fetched twice.
    assert stream.pages_fetched == 10
    assert len([r for r in server.requests if r.path.startswith("/v4/tags/")]) == 10


async def test_fan_out_over_tags_raises_or_skips_an_unknown_tag(
    server: FakeKit, kit: KitClient
) -> None:
    tag = server.add_tag("Known")
    server.tag_subscriber(tag, server.add_subscriber("known@example.com"))

    with pytest.raises(NotFoundError) as missing:
        [s async for s in kit.fan_out(kit.tags.subscribers, [tag.id, 999])]
    assert missing.value.resource_id == 999

    stream = kit.fan_out(kit.tags.subscribers, [999, tag.id], on_missing="skip")
    assert [s.email_address async for s in stream] == ["known@example.com"]
    assert stream.skipped == [999]


async def test_fan_out_passes_the_filters_to_every_tag(server: FakeKit, kit: KitClient) -> None:
    tags = [server.add_tag(name) for name in ("One", "Two")]
    for tag in tags:
        server.tag_subscriber(tag, server.add_subscriber(f"active-{tag.name}@example.com"))
        gone = server.add_subscriber(f"gone-{tag.name}@example.com", state="cancelled")
        server.tag_subscriber(tag, gone)

    active = [
        s.email_address async for s in kit.fan_out(kit.tags.subscribers, [t.id for t in tags])
    ]
    every = [
        s.email_address
        async for s in kit.fan_out(kit.tags.subscribers, [t.id for t in tags], status="all")
    ]

    assert sorted(active) == ["active-One@example.com", "active-Two@example.com"]
    assert len(every) == 4
    assert {r.query.get("status") for r in server.requests if "status" in r.query} == {"all"}


# -- the account, segments and email templates: reads that match FakeKit's state --------------


async def test_the_account_and_its_segments_and_templates_read_as_fakekit_holds_them(
    server: FakeKit, kit: KitClient
) -> None:
    state = server.account
    vip = state.add_segment("VIPs")
    lapsed = state.add_segment("Lapsed")
    custom = state.add_email_template("Launch", category="HTML")

    colors = await kit.account.update_colors(["#112233", "#445566"])
    segments = [segment async for segment in kit.segments.list(per_page=1)]
    templates = [template async for template in kit.email_templates.list()]

    assert colors == ("#112233", "#445566") == tuple(state.colors)
    assert await kit.account.colors() == colors
    assert {(s.id, s.name) for s in segments} == {(vip.id, "VIPs"), (lapsed.id, "Lapsed")}
    assert len(segments) == 2
    assert {t.id: t.name for t in templates} == {
        t.id: t.name for t in state.email_templates.values()
    }
    assert custom.id in {t.id for t in templates}
    assert [t.name for t in templates if t.is_default] == ["Text Only"]
    # Two segments, one per page: two requests, each with Kit's cursor.
    pages = [r for r in server.requests if r.path == "/v4/segments"]
    assert len(pages) == 2
    assert "after" in pages[1].query
