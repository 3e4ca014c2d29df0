"""The public API, used the way users will use it, for the type checker.

Checked by `mypy --strict tests/typing` (`nox -s typecheck`); never run, and not
collected by pytest. A signature change that would break users' type-checked
code breaks this file. Each `# type: ignore[...]` marks a misuse that must stay
an error: if the API started to accept it, mypy would report the ignore as
unused.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any, assert_type

import aiohttp
import stamina

import kit_async
import kit_async.models
import kit_async.resources
from kit_async import errors, models
from kit_async.resources import AccountEndpoints, Tags
from kit_async.testing import FAULT_KINDS, FakeKit, Fault, RecordedRequest


async def clicks_of_one_broadcast(kit: kit_async.KitClient) -> None:
    paginator = kit.iter_broadcast_clicks(1, per_page=500)
    assert_type(paginator, kit_async.AsyncPaginator[kit_async.BroadcastClick])
    async for click in paginator:
        assert_type(click, kit_async.BroadcastClick)
        assert_type(click.broadcast_id, int)
        assert_type(click.url, str)
        assert_type(click.unique_clicks, int)
        assert_type(click.click_to_delivery_rate, float)
        assert_type(click.click_to_open_rate, float)

    async for page in kit.broadcasts.clicks(1, after="WzE0XQ==").pages():
        assert_type(page, kit_async.Page[kit_async.BroadcastClick])
        assert_type(page.items, tuple[kit_async.BroadcastClick, ...])
        assert_type(page.cursor, str | None)
        assert_type(page.pagination, kit_async.Pagination)
        assert_type(page.pagination.has_next_page, bool)
        assert_type(page.pagination.end_cursor, str | None)
        assert_type(page.pagination.total_count, int | None)

    first = await kit.iter_broadcast_clicks(1, before="WzE0XQ==")
    assert_type(first, kit_async.Page[kit_async.BroadcastClick])

    kit.iter_broadcast_clicks("1")  # type: ignore[arg-type]
    kit.iter_broadcast_clicks(1, 500)  # type: ignore[call-arg]


async def broadcasts(kit: kit_async.KitClient) -> None:
    listing = kit.broadcasts.list(per_page=100, include_total_count=True, status="completed")
    assert_type(listing, kit_async.AsyncPaginator[kit_async.Broadcast])
    async for broadcast in listing:
        assert_type(broadcast, kit_async.Broadcast)
        assert_type(broadcast.id, int)
        assert_type(broadcast.created_at, datetime)
        assert_type(broadcast.subject, str | None)
        assert_type(broadcast.status, str | None)
        assert_type(broadcast.email_template, kit_async.EmailTemplate | None)

    one = await kit.broadcasts.get(1)
    assert_type(one, kit_async.Broadcast)
    assert_type(one.subscriber_filter, tuple[Mapping[str, Any], ...])
    assert_type(kit_async.to_jsonable(one), Any)
    assert_type({one}, set[kit_async.Broadcast])  # models are hashable
    stats = await kit.broadcasts.stats(1)
    assert_type(stats, kit_async.BroadcastStats)
    assert_type(stats.recipients, int)
    assert_type(stats.open_rate, float)


async def broadcast_writes(kit: kit_async.KitClient) -> None:
    draft = await kit.broadcasts.create(subject="Hi", content="<p>Hi</p>", send_at=None)
    assert_type(draft, kit_async.Broadcast)
    await kit.broadcasts.update(draft.id, send_at=datetime(2030, 1, 1), public=True)
    await kit.broadcasts.delete(draft.id)
    kit.broadcasts.list(status="completed", sent_after="2026-01-01", slim=True)
    async for item in kit.broadcasts.list_stats(status="completed"):
        assert_type(item, kit_async.BroadcastStatsItem)
        assert_type(item.stats.open_rate, float)
        assert_type(item.subject, str | None)
    await kit.broadcasts.create(subjet="Hi")  # type: ignore[call-arg]
    await kit.broadcasts.create(public="yes")  # type: ignore[arg-type]
    kit.broadcasts.list(status="sent")  # type: ignore[arg-type]


async def the_rest_of_the_account(kit: kit_async.KitClient) -> None:
    account = await kit.account.get()
    assert_type(account, kit_async.Account)
    assert_type(account.user.email, str)
    assert_type(await kit.account.colors(), tuple[str, ...])
    assert_type(await kit.account.update_colors(["#000000"]), tuple[str, ...])
    assert_type(await kit.account.creator_profile(), kit_async.CreatorProfile)
    assert_type(await kit.account.email_stats(), kit_async.EmailStats)
    growth = await kit.account.growth_stats(starting="2023-02-10")
    assert_type(growth.starting, datetime)

    async for post in kit.posts.list(include_content=True):
        assert_type(post, kit_async.Post)
    assert_type(await kit.posts.get(1), kit_async.Post)

    snippet = await kit.snippets.create(name="A", snippet_type="inline", content="Hi")
    assert_type(snippet, kit_async.Snippet)
    await kit.snippets.update(snippet.id, archived=True)
    await kit.snippets.create(name="A", snippet_type="text", content="Hi")  # type: ignore[arg-type]

    purchase = await kit.purchases.create(
        email_address="a@example.com",
        transaction_id="t-1",
        status="paid",
        subtotal=1.0,
        tax=0.0,
        shipping=0.0,
        discount=0.0,
        total=1.0,
        currency="USD",
        transaction_time="2026-12-07T10:00:00Z",
        products=[
            {"name": "Tip", "pid": "1", "lid": "1", "quantity": 1, "unit_price": 1.0, "sku": "T"}
        ],
    )
    assert_type(purchase, kit_async.Purchase)
    assert_type(purchase.products, tuple[kit_async.PurchaseProduct, ...])
    # Kit requires every field (its description of 2026-10-02): one left out is flagged.
    await kit.purchases.create(  # type: ignore[call-arg]
        email_address="a@example.com",
        transaction_id="t-2",
        currency="USD",
        products=[],
    )

    async for segment in kit.segments.list():
        assert_type(segment, kit_async.Segment)
    async for template in kit.email_templates.list():
        assert_type(template, kit_async.EmailTemplate)


async def webhook_endpoints(kit: kit_async.KitClient) -> None:
    endpoint = await kit.webhook_endpoints.create(
        "https://hooks.example.com/kit", ["subscriber.created"], name="CRM"
    )
    assert_type(endpoint, kit_async.WebhookEndpoint)
    assert_type(endpoint.secret, str | None)
    assert_type(endpoint.events, tuple[str, ...])
    assert_type(endpoint.previous_secret_expires_at, datetime | None)
    rotated = await kit.webhook_endpoints.rotate_secret(endpoint.id, force=True)
    assert_type(rotated, kit_async.WebhookEndpoint)
    listing = kit.webhook_endpoints.list(status="disabled")
    assert_type(listing, kit_async.AsyncPaginator[kit_async.WebhookEndpoint])
    await kit.webhook_endpoints.update(endpoint.id, events=("subscriber.created",))
    kit.webhook_endpoints.list(status="paused")  # type: ignore[arg-type]
    await kit.webhook_endpoints.create("https://hooks.example.com/kit")  # type: ignore[call-arg]
    assert_type(await kit.webhook_endpoints.delete(endpoint.id), None)
    history = kit.webhook_endpoints.deliveries(
        endpoint.id, status="failed", event_type="subscriber.created", per_page=50
    )
    assert_type(history, kit_async.AsyncPaginator[kit_async.WebhookDeliveryRecord])
    kit.webhook_endpoints.deliveries(endpoint.id, status="bounced")  # type: ignore[arg-type]
    delivery = await kit.webhook_endpoints.delivery(endpoint.id, 7, include_payload=True)
    assert_type(delivery.completed_at, datetime | None)
    assert_type(delivery.attempt_count, int | None)
    assert_type(delivery.raw["attempts"], Any)

    webhook = await kit.legacy_webhooks.create(
        "https://hooks.example.com/kit", {"name": "subscriber.tag_add", "tag_id": 1}
    )
    assert_type(webhook, kit_async.LegacyWebhook)
    assert_type(webhook.event, kit_async.LegacyWebhookEvent)
    assert_type(webhook.event.tag_id, int | None)
    async for legacy in kit.legacy_webhooks.list():
        assert_type(legacy, kit_async.LegacyWebhook)
    # The old name still works, flagged as deprecated (PEP 702).
    assert_type(kit.webhooks, kit_async.resources.LegacyWebhooks)  # type: ignore[deprecated]


async def names_of_tags(tags: Tags) -> list[str]:
    return [tag.name async for tag in tags.list()]


def models_have_a_home(subscriber: models.Subscriber, tag: kit_async.models.Tag) -> None:
    # The top-level name is the same class.
    assert_type(subscriber, kit_async.Subscriber)
    assert_type(subscriber.fields, Mapping[str, str | None])
    assert_type(tag.name, str)


async def the_namespaces_can_be_annotated(kit: kit_async.KitClient) -> None:
    assert_type(kit.account, AccountEndpoints)
    assert_type(kit.tags, Tags)
    assert_type(kit.broadcasts, kit_async.resources.Broadcasts)
    assert_type(kit.legacy_webhooks, kit_async.resources.LegacyWebhooks)
    assert_type(kit.webhook_endpoints, kit_async.resources.WebhookEndpoints)
    assert_type(await names_of_tags(kit.tags), list[str])


async def sent_ids() -> AsyncIterator[int]:
    for broadcast_id in (1, 2, 3):
        yield broadcast_id


async def many_broadcasts(kit: kit_async.KitClient) -> None:
    stream = kit.iter_clicks_for_broadcasts([1, 2, 3], concurrency=4, on_missing="skip")
    assert_type(stream, kit_async.ClickStream)
    async for click in stream:
        assert_type(click, kit_async.BroadcastClick)
    assert_type(stream.skipped, list[int])
    assert_type(stream.completed, list[int])

    resumed = kit.iter_clicks_for_broadcasts(sent_ids(), after={2: "WzE0XQ=="}, buffer=2)
    async for item in resumed.pages():
        assert_type(item, kit_async.BroadcastPage)
        broadcast_id, page = item
        assert_type(broadcast_id, int)
        assert_type(page, kit_async.Page[kit_async.BroadcastClick])

    everything = kit.iter_clicks_for_broadcasts()  # every sent broadcast
    assert_type(everything, kit_async.ClickStream)

    gathered = await kit.gather_broadcast_clicks([1, 2])  # type: ignore[deprecated]
    assert_type(gathered, dict[int, list[kit_async.BroadcastClick]])

    kit.iter_clicks_for_broadcasts([1], on_missing="ignore")  # type: ignore[arg-type]


async def any_list_over_many_keys(kit: kit_async.KitClient) -> None:
    # The item type comes from the list method.
    stream = kit.fan_out(kit.broadcasts.clicks, [1, 2, 3], per_page=500)
    assert_type(stream, kit_async.FanOutStream[int, kit_async.BroadcastClick])
    async with stream:
        async for click in stream:
            assert_type(click, kit_async.BroadcastClick)
    assert_type(stream.skipped, list[int])
    assert_type(stream.completed, list[int])
    assert_type(stream.taken, list[int])
    assert_type(stream.items_fetched, int)

    resumed = kit.fan_out(
        kit.broadcasts.clicks,
        sent_ids(),
        concurrency=4,
        on_missing="skip",
        after={2: "WzE0XQ=="},
        buffer=2,
    )
    async for item in resumed.pages():
        assert_type(item, kit_async.KeyedPage[int, kit_async.BroadcastClick])
        assert_type(item.key, int)
        key, page = item
        assert_type(key, int)
        assert_type(page, kit_async.Page[kit_async.BroadcastClick])

    # A ClickStream is the fan-out over broadcasts.clicks; its pages are keyed pages.
    general: kit_async.FanOutStream[int, kit_async.BroadcastClick]
    general = kit.iter_clicks_for_broadcasts([1])
    async for broadcast_page in kit.iter_clicks_for_broadcasts([1]).pages():
        keyed: kit_async.KeyedPage[int, kit_async.BroadcastClick] = broadcast_page
        assert_type(broadcast_page.broadcast_id, int)
        assert_type(keyed.key, int)
    assert_type(kit.iter_clicks_for_broadcasts([1]).clicks_fetched, int)
    del general

    # The engine itself, over any function of (key, cursor).
    def tag_pages(tag_id: int, cursor: str | None) -> kit_async.AsyncPaginator[str]:
        raise NotImplementedError

    engine = kit_async.FanOutStream(tag_pages, [1, 2], concurrency=2, on_missing="skip")
    assert_type(engine, kit_async.FanOutStream[int, str])

    kit.fan_out(kit.broadcasts.clicks, [1], per_pag=500)  # type: ignore[call-arg]
    kit.fan_out(kit.broadcasts.clicks, [1], per_page="500")  # type: ignore[arg-type]
    kit.fan_out(kit.broadcasts.clicks, ["1"])  # type: ignore[list-item]
    kit.fan_out(kit.broadcasts.clicks, [1], on_missing="ignore")  # type: ignore[arg-type]
    kit.fan_out(kit.broadcasts.clicks, [1], after="WzE0XQ==")  # type: ignore[arg-type]
    kit.fan_out(kit.broadcasts.list, [1])  # type: ignore[arg-type]


async def handling_errors(kit: kit_async.KitClient) -> None:
    try:
        await kit.broadcasts.get(1)
    except kit_async.NotFoundError as err:
        assert_type(err.status_code, int)
        assert_type(err.errors, tuple[str, ...])
        assert_type(err.body, str | None)
    except errors.ResponseValidationError as err:
        assert_type(err.field, str | None)
    except kit_async.TokenSaveError as err:
        assert_type(err.__cause__, BaseException | None)
        assert_type(err.method, str | None)
    except kit_async.KitError as err:
        assert_type(err.method, str | None)
        assert_type(err.path, str | None)
        assert_type(err.cursor, str | None)
        assert_type(err.attempts, int)
        assert_type(err.path_params, Mapping[str, Any])
        assert_type(err.resource_id, Any)
    assert issubclass(kit_async.APITimeoutError, kit_async.APIConnectionError)
    assert issubclass(errors.RateLimitError, errors.APIStatusError)
    assert kit_async.PaginationError is errors.PaginationError
    assert kit_async.TokenSaveError is errors.TokenSaveError
    assert issubclass(kit_async.TokenSaveError, kit_async.KitError)


def save_tokens(tokens: kit_async.TokenSet) -> None:
    assert_type(tokens.access_token, str)
    assert_type(tokens.refresh_token, str)
    assert_type(tokens.expires_in, int | None)


async def save_tokens_async(tokens: kit_async.TokenSet) -> None:
    await asyncio.sleep(0)


def clients(session: aiohttp.ClientSession) -> list[kit_async.KitClient]:
    shared = kit_async.RateLimit(120, 60.0)
    redis = kit_async.RateLimit(120, 60.0, margin=1.0, storage="redis://localhost:6379/0")
    policy = kit_async.RetryPolicy(max_retries=3, max_retry_time=120.0)
    made = [
        kit_async.KitClient(),  # KIT_API_KEY / KIT_ACCESS_TOKEN / KIT_BASE_URL
        kit_async.KitClient("kit_...", rate_limit=shared, timeout=10.0, max_retries=2),
        kit_async.KitClient(api_key="kit_...", rate_limit=redis, retry=policy, session=session),
        kit_async.KitClient(
            api_key="kit_...", rate_limit=None, base_url=kit_async.DEFAULT_BASE_URL
        ),
        kit_async.KitClient(
            access_token="...",
            refresh_token="...",
            client_id="my-app",
            client_secret="...",
            on_token_refresh=save_tokens,
        ),
        kit_async.KitClient(
            access_token="...",
            refresh_token="...",
            client_id="my-app",
            on_token_refresh=save_tokens_async,
            token_expires_at=1_900_000_000.0,
        ),
        kit_async.KitClient(access_token="...", token_expires_at=1_900_000_000),
    ]
    kit = made[0]
    assert_type(kit.rate_limit, kit_async.RateLimit | None)
    assert_type(kit.retry, kit_async.RetryPolicy)
    assert_type(kit.base_url, str)
    assert_type(kit.closed, bool)
    assert_type(shared.waiting, int)
    assert_type(shared.total_wait, float)
    assert_type(kit_async.__version__, str)

    kit_async.KitClient(timeout="30")  # type: ignore[arg-type]
    return made


async def with_fake_kit() -> None:
    with stamina.set_testing(True, attempts=3, cap=True):
        async with FakeKit(broadcasts=3, clicks={1: 10, 2: 2000}, rate_limit=(120, 60.0)) as server:
            assert_type(server.url, str)
            assert_type(server.api_key, str)
            fault = server.inject("503", times=2, path="/clicks", after=FakeKit.cursor(1000))
            assert_type(fault, Fault)
            assert "503" in FAULT_KINDS
            server.inject("530")  # type: ignore[arg-type]
            server.inject("503", time=2)  # type: ignore[call-arg]
            clicks_data = server.clicks_of(1)
            assert_type(clicks_data, list[dict[str, Any]])
            async with kit_async.KitClient(
                server.api_key, base_url=server.url, rate_limit=None
            ) as kit:
                assert_type(kit, kit_async.KitClient)
                await clicks_of_one_broadcast(kit)
                await kit.aclose()
            assert_type(server.requests, list[RecordedRequest])


if __name__ == "__main__":
    asyncio.run(with_fake_kit())
