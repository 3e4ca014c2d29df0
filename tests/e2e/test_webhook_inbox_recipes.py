"""The recipes of docs/webhook-inbox.md, as a reader copies them, fed by FakeKit's deliveries.

The receivers answer once the delivery is stored, before any handler runs;
the worker handles what they stored; the idempotent handler makes its effect
once however often it runs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from docs_examples import ROOT, recipe

from kit_async.testing import FakeKit, make_delivery, make_event, sign_delivery
from kit_async.webhooks import Inbox, WebhookEvent

pytestmark = pytest.mark.requires_extra("sync")

PAGE = ROOT / "docs" / "webhook-inbox.md"
WAIT = 10.0


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0) as fake:
        yield fake


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'webhooks.sqlite'}"


async def test_the_aiohttp_receiver_answers_once_stored_before_any_handler(
    server: FakeKit, database: str
) -> None:
    create_receiver = recipe(PAGE, "def create_receiver")["create_receiver"]
    endpoint = server.add_webhook_endpoint("http://127.0.0.1:1/", ["subscriber.created"])
    async with TestServer(create_receiver(database, [endpoint.secret])) as receiver:
        endpoint.url = str(receiver.make_url("/kit/webhooks"))
        [delivery] = await server.emit("subscriber.created")
        async with Inbox(database, secret=endpoint.secret) as inbox:
            stored = await inbox.pending()
            # Tampered with on the way: refused with a 400, and not stored.
            forged = delivery.body.replace(b"subscriber", b"SUBSCRIBER")
            headers = {"X-Kit-Signature": sign_delivery(delivery.body, endpoint.secret)}
            async with (
                aiohttp.ClientSession() as session,
                session.post(endpoint.url, data=forged, headers=headers) as answer,
            ):
                refused = answer.status
            still = await inbox.counts()

    assert delivery.status == 204
    assert [(e.delivery_id, e.attempts, e.status) for e in stored] == [
        (delivery.delivery_id, 0, "pending")  # stored, no handler has run
    ]
    assert refused == 400
    assert still == {"pending": 1}


async def test_the_fastapi_receiver_answers_once_stored_before_any_handler(
    server: FakeKit, database: str
) -> None:
    import uvicorn

    create_api = recipe(PAGE, "def create_api")["create_api"]
    endpoint = server.add_webhook_endpoint("http://127.0.0.1:1/", ["subscriber.created"])
    config = uvicorn.Config(
        create_api(database, [endpoint.secret]), host="127.0.0.1", port=0, log_level="warning"
    )
    uvicorn_server = uvicorn.Server(config)
    serving = asyncio.create_task(uvicorn_server.serve())
    try:
        async with asyncio.timeout(WAIT):
            while not uvicorn_server.started:  # noqa: ASYNC110 - uvicorn offers a flag, no event
                await asyncio.sleep(0.01)
        port = uvicorn_server.servers[0].sockets[0].getsockname()[1]
        endpoint.url = f"http://127.0.0.1:{port}/kit/webhooks"
        [delivery] = await server.emit("subscriber.created")
        [again] = await server.emit("subscriber.created")
    finally:
        uvicorn_server.should_exit = True
        await serving

    async with Inbox(database, secret=endpoint.secret) as inbox:
        stored = await inbox.pending()
    assert (delivery.status, again.status) == (204, 204)
    assert sorted(e.delivery_id for e in stored) == sorted(
        [delivery.delivery_id, again.delivery_id]
    )
    assert {e.attempts for e in stored} == {0}


async def test_the_worker_handles_what_the_receiver_stored(database: str) -> None:
    run_worker = recipe(PAGE, "async def run_worker")["run_worker"]
    secret = "whsec_worker"
    body = make_delivery([make_event("subscriber.created") for _ in range(3)])
    handled: list[str] = []
    all_handled = asyncio.Event()

    async def handler(event: WebhookEvent) -> None:
        handled.append(event.id)
        if len(handled) == 3:
            all_handled.set()

    async with Inbox(database, secret=secret) as inbox:
        await inbox.receive(body, {"X-Kit-Signature": sign_delivery(body, secret)})
        worker = asyncio.create_task(run_worker(database, [secret], handler, poll_interval=0.01))
        try:
            await asyncio.wait_for(all_handled.wait(), WAIT)
            # Marked done just after the handler returns: the database says when.
            async with asyncio.timeout(WAIT):
                while (await inbox.counts()).get("done") != 3:  # noqa: ASYNC110 - no event to wait on
                    await asyncio.sleep(0.01)
        finally:
            worker.cancel()
            with pytest.raises(asyncio.CancelledError):
                await worker
        counts = await inbox.counts()

    assert sorted(handled) == sorted(e["id"] for e in json.loads(body)["events"])
    assert counts == {"done": 3}


async def test_the_idempotent_handler_makes_its_effect_once_when_run_twice(
    tmp_path: Path,
) -> None:
    memberships_class = recipe(PAGE, "class Memberships")["Memberships"]
    secret = "whsec_idempotent"
    event = make_event("subscriber.tag_added", tag={"id": 7, "name": "VIP"})
    email = event["data"]["subscriber"]["email_address"]
    body = make_delivery([event])
    path = tmp_path / "app.sqlite"
    import aiosqlite  # the [sync] extra: imported here, so the minimal install collects this file

    async with (
        aiosqlite.connect(path) as db,
        Inbox(path, secret=secret) as inbox,
    ):
        memberships = memberships_class(db)
        await memberships.create_table()
        await inbox.receive(body, {"X-Kit-Signature": sign_delivery(body, secret)})
        calls = 0

        async def counted(got: WebhookEvent) -> None:
            nonlocal calls
            calls += 1
            await memberships.handle(got)

        await inbox.drain(counted)
        await inbox.replay(str(event["id"]))  # as when a processor died before it heard back
        await inbox.drain(counted)
        async with db.execute("SELECT event_id, email, tag FROM memberships") as cursor:
            rows = [tuple(row) for row in await cursor.fetchall()]

    assert calls == 2
    assert rows == [(event["id"], email, "VIP")]
