"""End to end: the webhook inbox on SQLite and on a real PostgreSQL, fed by FakeKit's deliveries.

A loopback aiohttp receiver answers after `inbox.receive`; FakeKit signs and
POSTs real deliveries to it. Processors run the handler on a clock the test
advances; one runs as a separate OS process and is SIGKILLed inside its handler.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from inbox_app import AppTable

from kit_async import KitClient
from kit_async.testing import FakeKit, WebhookDelivery, make_delivery, make_event, sign_delivery
from kit_async.webhooks import (
    DEFAULT_LEASE,
    Inbox,
    InboxError,
    MissingSignatureError,
    SignatureMismatchError,
    TimestampOutOfToleranceError,
    WebhookError,
    WebhookEvent,
    WebhookPayloadError,
)

pytestmark = pytest.mark.requires_extra("sync")

SECRET = "whsec_inbox-test"
START = 1_800_000_000.0
HELPERS = Path(__file__).resolve().parents[1] / "helpers"
ROOT = HELPERS.parents[1]
WAIT = 60.0


class Clock:
    """The inbox's clock, in Unix seconds; the test moves it."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'inbox.sqlite'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def inbox(database: str, clock: Clock) -> AsyncIterator[Inbox]:
    async with Inbox(database, secret=SECRET, clock=clock) as opened:
        yield opened


class Receiver:
    """The aiohttp recipe in small: answer 204 once `receive` returns; can be taken down."""

    def __init__(self) -> None:
        self.inbox: Inbox | None = None
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def receive(self, request: web.Request) -> web.Response:
        assert self.inbox is not None
        try:
            await self.inbox.receive(await request.read(), request.headers)
        except WebhookError:
            return web.Response(status=400)
        except InboxError:
            return web.Response(status=503)
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/kit", self.receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/kit"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    kept = Receiver()
    await kept.start()
    yield kept
    await kept.stop()


@pytest.fixture
async def server() -> AsyncIterator[FakeKit]:
    async with FakeKit(broadcasts=0) as fake:
        yield fake


def signed(
    *events: dict[str, object], delivery_id: int | None = None
) -> tuple[bytes, dict[str, str]]:
    body = make_delivery(events, delivery_id=delivery_id)
    return body, {"X-Kit-Signature": sign_delivery(body, SECRET)}


class Recorder:
    """A handler that records every call; fails while `failing`."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.failing = False

    async def __call__(self, event: WebhookEvent) -> None:
        self.calls.append(event.id)
        if self.failing:
            msg = f"cannot handle {event.type}"
            raise RuntimeError(msg)


# -- receive --------------------------------------------------------------------------


async def test_a_delivery_from_fakekit_is_stored_once_and_its_repeat_acknowledged(
    server: FakeKit, receiver: Receiver, database: str
) -> None:
    endpoint = server.add_webhook_endpoint(receiver.url, ["subscriber.created"])
    async with Inbox(database, secret=endpoint.secret) as inbox:
        receiver.inbox = inbox
        [sent] = await server.emit("subscriber.created")
        assert sent.status == 204
        body = sent.body

        again = await inbox.receive(body, {"X-Kit-Signature": sign_delivery(body, endpoint.secret)})
        pending = await inbox.pending()
        counts = await inbox.counts()

    assert (again.events, again.stored, again.duplicates) == (1, 0, 1)
    assert [(e.delivery_id, e.attempts) for e in pending] == [(sent.delivery_id, 0)]
    assert counts == {"pending": 1}


async def test_unsigned_tampered_stale_and_oversized_bodies_never_reach_the_database(
    database: str,
) -> None:
    body, headers = signed(make_event("subscriber.created"))
    stale = {"X-Kit-Signature": sign_delivery(body, SECRET, timestamp=1_000_000_000)}
    async with Inbox(database, secret=SECRET, max_body_size=len(body) - 1) as small:
        with pytest.raises(WebhookPayloadError, match="over the inbox's limit"):
            await small.receive(body, headers)
    async with Inbox(database, secret=SECRET) as inbox:
        with pytest.raises(MissingSignatureError):
            await inbox.receive(body, {})
        with pytest.raises(SignatureMismatchError):
            await inbox.receive(body.replace(b"subscriber", b"SUBSCRIBER"), headers)
        with pytest.raises(TimestampOutOfToleranceError):
            await inbox.receive(body, stale)

        assert await inbox.counts() == {}
        # The same body, signed, is stored: nothing above was a problem of the database.
        assert (await inbox.receive(body, headers)).stored == 1


async def test_100_deliveries_posted_concurrently_twice_are_each_stored_once(
    receiver: Receiver, inbox: Inbox
) -> None:
    receiver.inbox = inbox
    deliveries = [signed(make_event("subscriber.created")) for _ in range(100)]

    async with aiohttp.ClientSession() as session:

        async def post(body: bytes, headers: dict[str, str]) -> int:
            async with session.post(receiver.url, data=body, headers=headers) as response:
                return response.status

        statuses = await asyncio.gather(*(post(*d) for d in deliveries for _ in range(2)))

    assert statuses == [204] * 200
    stored = await inbox.pending()
    assert len(stored) == 100  # none twice
    assert {e.event.id for e in stored} == {
        event["id"] for body, _ in deliveries for event in json.loads(body)["events"]
    }


# -- process --------------------------------------------------------------------------


async def test_an_event_is_done_only_after_its_handler_returns(inbox: Inbox) -> None:
    event = make_event("subscriber.created")
    await inbox.receive(*signed(event))
    entered, release = asyncio.Event(), asyncio.Event()

    async def handler(got: WebhookEvent) -> None:
        entered.set()
        await release.wait()

    draining = asyncio.create_task(inbox.drain(handler))
    await entered.wait()
    held = await inbox.get(str(event["id"]))
    assert held is not None
    assert (held.status, held.attempts) == ("pending", 1)
    release.set()
    assert await draining == 1

    done = await inbox.get(str(event["id"]))
    assert done is not None
    assert done.status == "done"
    assert await inbox.drain(handler) == 0  # a done event is not handled again


async def test_two_processors_on_one_database_handle_each_event_once(
    database: str, clock: Clock
) -> None:
    events = [make_event("subscriber.created") for _ in range(40)]
    recorder = Recorder()
    async with (
        Inbox(database, secret=SECRET, clock=clock) as first,
        Inbox(database, secret=SECRET, clock=clock) as second,
    ):
        for index in range(0, 40, 10):
            await first.receive(*signed(*events[index : index + 10]))

        counts = await asyncio.gather(
            first.drain(recorder, concurrency=3), second.drain(recorder, concurrency=3)
        )

        assert sum(counts) == 40
        assert sorted(recorder.calls) == sorted(str(e["id"]) for e in events)
        assert await first.counts() == {"done": 40}


async def test_failures_back_off_then_the_event_is_set_aside_and_can_be_replayed(
    inbox: Inbox, clock: Clock
) -> None:
    event = make_event("subscriber.tag_added")
    event_id = str(event["id"])
    await inbox.receive(*signed(event))
    recorder = Recorder()
    recorder.failing = True

    def process() -> asyncio.Future[int]:
        return asyncio.ensure_future(
            inbox.drain(recorder, max_attempts=3, backoff=lambda attempt: 60.0 * attempt)
        )

    assert await process() == 1
    assert await process() == 0  # the retry is 60 s away
    clock.now += 59
    assert await process() == 0
    clock.now += 1
    assert await process() == 1
    clock.now += 120
    assert await process() == 1  # the third failure: set aside
    clock.now += 10_000
    assert await process() == 0
    assert recorder.calls == [event_id] * 3

    [dead] = await inbox.dead()
    assert (dead.event.id, dead.status, dead.attempts) == (event_id, "dead", 3)
    assert dead.last_error == "RuntimeError: cannot handle subscriber.tag_added"

    recorder.failing = False
    await inbox.replay(event_id)
    assert await inbox.dead() == []
    assert await process() == 1
    assert await inbox.counts() == {"done": 1}
    with pytest.raises(InboxError, match="no dead or done event 'nope'"):
        await inbox.replay("nope")


async def test_an_event_whose_processor_never_finishes_is_set_aside_after_max_attempts(
    inbox: Inbox, clock: Clock
) -> None:
    event = make_event("subscriber.created")
    await inbox.receive(*signed(event))
    entered = asyncio.Event()

    async def hangs(got: WebhookEvent) -> None:
        entered.set()
        await asyncio.Event().wait()

    for _ in range(2):  # each processor stops mid-handler; its lease then runs out
        entered.clear()
        processing = asyncio.create_task(inbox.process_once(hangs, max_attempts=2))
        await entered.wait()
        processing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await processing
        clock.now += DEFAULT_LEASE
    recorder = Recorder()

    assert await inbox.drain(recorder, max_attempts=2) == 1  # claimed a third time: set aside

    assert recorder.calls == []
    [dead] = await inbox.dead()
    assert (dead.attempts, dead.last_error) == (
        3,
        "no attempt of the last 3 finished within its lease",
    )


async def test_a_processor_killed_inside_its_handler_leaves_the_event_to_be_handled_again(
    database: str, inbox: Inbox, clock: Clock
) -> None:
    # The worker process runs on the real clock; so does the inbox, until its lease ends.
    clock.now = time.time()
    victim = make_event("subscriber.created")
    victim_id = str(victim["id"])
    await inbox.receive(*signed(victim))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HELPERS)])}
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HELPERS / "inbox_app.py"),
        database,
        SECRET,
        victim_id,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        assert worker.stdout is not None
        line = await asyncio.wait_for(worker.stdout.readline(), timeout=WAIT)
        if line != b"inside\n":
            assert worker.stderr is not None
            pytest.fail((await worker.stderr.read()).decode())
        worker.send_signal(signal.SIGKILL)
        await asyncio.wait_for(worker.wait(), timeout=WAIT)
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
    assert worker.returncode == -signal.SIGKILL
    calls: list[str] = []
    async with AppTable(database) as table:

        async def idempotent(event: WebhookEvent) -> None:
            calls.append(event.id)
            await table.apply(event.id)

        # Still claimed by the dead processor: nobody takes it before its lease ends.
        clock.now = time.time()
        assert await inbox.drain(idempotent) == 0
        clock.now = time.time() + DEFAULT_LEASE + 1
        assert await inbox.drain(idempotent) == 1

        assert calls == [victim_id]  # handled again: at least once
        assert await table.effects() == [victim_id]  # and its effect once
    handled = await inbox.get(victim_id)
    assert handled is not None
    assert (handled.status, handled.attempts) == ("done", 2)


# -- opening and closing --------------------------------------------------------------


async def test_an_inbox_used_before_open_or_after_close_raises_inbox_error(database: str) -> None:
    inbox = Inbox(database, secret=SECRET)
    with pytest.raises(InboxError, match="the inbox is not open") as before:
        await inbox.counts()

    async with inbox:
        assert await inbox.counts() == {}
    with pytest.raises(InboxError, match="the inbox is not open"):
        await inbox.counts()
    await inbox.close()  # closing again is harmless

    assert before.value.database == inbox.database


# -- the database URL -----------------------------------------------------------------


async def test_a_postgresql_password_shows_nowhere() -> None:
    inbox = Inbox("postgresql://kit:s3cret-pw@127.0.0.1:1/app?sslpassword=key-pw", secret=SECRET)

    with pytest.raises(InboxError) as raised:
        await inbox.open()

    assert "s3cret-pw" not in repr(inbox)
    assert "***" in inbox.database
    assert "s3cret-pw" not in str(raised.value)
    assert "key-pw" not in str(raised.value)
    assert raised.value.database == inbox.database


# -- reconcile ------------------------------------------------------------------------


def sent_event_ids(server: FakeKit) -> list[str]:
    return [str(e["id"]) for d in server.deliveries for e in json.loads(d.body)["events"]]


async def test_reconcile_adds_the_events_of_failed_deliveries_the_inbox_lacks(
    server: FakeKit, receiver: Receiver, database: str
) -> None:
    async with KitClient(server.api_key, base_url=server.url, rate_limit=None) as kit:
        endpoint = await kit.webhook_endpoints.create(receiver.url, ["subscriber.created"])
        async with Inbox(database, secret=endpoint.secret or "") as inbox:
            receiver.inbox = inbox
            await server.emit("subscriber.created")
            await receiver.stop()
            missed = [await server.emit("subscriber.created") for _ in range(5)]
            await receiver.start()
            await server.emit("subscriber.created")

            added = await inbox.reconcile(kit, endpoint.id)
            again = await inbox.reconcile(kit, endpoint.id)
            recorder = Recorder()
            handled = await inbox.drain(recorder)

    assert all(d.status is None for [d] in missed)  # the receiver was down
    assert (added, again, handled) == (5, 0, 7)
    assert sorted(recorder.calls) == sorted(sent_event_ids(server))


# -- the receiver down for two hours ------------------------------------------------------

KIT_NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DOWN = timedelta(hours=2)


def batch(server: FakeKit, endpoint_id: int, url: str, count: int) -> WebhookDelivery:
    """A delivery of `count` events, due now: FakeKit sends it, and retries it, as Kit would."""
    now = server.clock()
    delivery_id = server.account.next_id("webhook_deliveries")
    events = [make_event("subscriber.created", created=now) for _ in range(count)]
    delivery = WebhookDelivery(
        endpoint_id=endpoint_id,
        url=url,
        delivery_id=delivery_id,
        body=make_delivery(events, delivery_id=delivery_id),
        event_type="subscriber.created",
        account_id=server.account.id,
        sent_at=now,
        next_attempt_at=now,
    )
    server.deliveries.append(delivery)
    return delivery


async def test_after_two_hours_down_and_reconcile_every_effect_happens_exactly_once(
    receiver: Receiver, database: str, clock: Clock
) -> None:
    async with (
        FakeKit(broadcasts=0, clock=lambda: KIT_NOW) as server,
        KitClient(server.api_key, base_url=server.url, rate_limit=None) as kit,
    ):
        endpoint = await kit.webhook_endpoints.create(receiver.url, ["subscriber.created"])
        async with (
            Inbox(database, secret=endpoint.secret or "", clock=clock) as inbox,
            AppTable(database) as table,
        ):
            receiver.inbox = inbox
            before = await server.emit("subscriber.created")  # received while up
            await receiver.stop()
            # Down for two hours: 1,000 events in 50 deliveries, each retried on Kit's schedule.
            sent = []
            for _ in range(50):
                sent.append(batch(server, endpoint.id, receiver.url, 20))
                await server.run_due_deliveries()
                await server.advance(DOWN / 50)
            assert {d.state for d in sent} == {"retrying"}
            assert max(len(d.attempts) for d in sent) == 5  # 0 s, 30 s, 2.5 min, 17.5 min, 77.5 min

            await receiver.start()
            added = await inbox.reconcile(kit, endpoint.id)
            calls: Counter[str] = Counter()

            async def handler(event: WebhookEvent) -> None:
                calls[event.id] += 1
                await table.apply(event.id)

            first_pass = await inbox.drain(handler, concurrency=20)
            # Kit's later retries now reach the receiver: each is a repeat, acknowledged.
            await server.advance(timedelta(days=2))
            assert {d.state for d in sent} == {"delivered"}
            second_pass = await inbox.drain(handler, concurrency=20)
            effects = await table.effects()
            counts = await inbox.counts()

    every_event = sent_event_ids(server)
    assert len(every_event) == 1001
    assert [d.state for d in before] == ["delivered"]
    assert added == 1000
    assert (first_pass, second_pass) == (1001, 0)
    assert calls == Counter(dict.fromkeys(every_event, 1))  # none twice, none missing
    assert effects == sorted(every_event)
    assert counts == {"done": 1001}
