"""What observability records, and what it never does.

- A property over every operation Kit documents: whatever the ids, the
  addresses, the cursor and Kit's answers (successes, errors that quote the
  request back, 429s, 5xx and their retries), no span name or attribute, no
  metric attribute, no hook event and no log line holds a query string, an
  address, an id from the path, a cursor or the credential.
- `KIT_ASYNC_LOG=debug`: one DEBUG line per attempt, on a handler of its own.
- Without OpenTelemetry: `import kit_async` never imports it, and a client
  works without it; with the API but no SDK, no call is watched at all;
  with a tracer provider alone no metric is recorded, with a meter provider
  alone no span is started.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import pkgutil
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

pytest.importorskip("opentelemetry.sdk", reason="needs the OpenTelemetry SDK (a test dependency)")

from aioresponses import CallbackResult, aioresponses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from otel_support import recording

import kit_async
import kit_async._resources
from kit_async import KitError
from kit_async._core.declarations import Bulk, Endpoint, ListEndpoint, NoContent
from kit_async._core.observe import LOG_VARIABLE

pytestmark = pytest.mark.requires_extra("otel")

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "oauth_observed_secret_5f3a9c"
ANY_URL = re.compile(r"^https://api\.kit\.com/.*$")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PROPERTY = settings(
    max_examples=6,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

Declaration = Endpoint[Any] | NoContent | Bulk[Any] | ListEndpoint[Any]


def declarations() -> list[Declaration]:
    found: dict[tuple[str, str], Declaration] = {}
    for info in pkgutil.iter_modules(kit_async._resources.__path__):
        module = importlib.import_module(f"kit_async._resources.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Endpoint | NoContent | Bulk | ListEndpoint):
                found[value.method, value.path] = value
    return [found[key] for key in sorted(found)]


DECLARATIONS = declarations()


def test_the_property_below_covers_every_operation_kit_documents() -> None:
    assert {(d.method, d.path) for d in DECLARATIONS} == set(kit_async._kit.OPERATIONS)


class Kit:
    """Answers every request from a script, quoting the request back in its body."""

    def __init__(self) -> None:
        self.script: list[int] = []

    def __call__(self, url: Any, **kwargs: Any) -> CallbackResult:
        status = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        echo = f"{url} {kwargs.get('data')!r} {kwargs.get('json')!r}"
        if status == 204:
            return CallbackResult(status=204, body=b"")
        return CallbackResult(status=status, body=json.dumps({"errors": [echo], "echo": echo}))


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """Ids, an address, a cursor and Kit's answers, for one call."""
    ids = draw(st.lists(st.integers(10**9, 10**12), min_size=2, max_size=2, unique=True))
    local = draw(st.from_regex(r"[a-z]{6,10}", fullmatch=True))
    cursor = draw(st.from_regex(r"[A-Za-z0-9]{12,20}", fullmatch=True))
    statuses = draw(
        st.lists(
            st.sampled_from([200, 201, 204, 401, 404, 422, 429, 500, 503]), min_size=1, max_size=3
        )
    )
    return {"ids": ids, "email": f"{local}@observed.example", "cursor": cursor, "script": statuses}


async def call(declaration: Declaration, kit: kit_async.KitClient, case: dict[str, Any]) -> None:
    transport = kit._transport
    names = re.findall(r"\{(\w+)\}", declaration.path)
    path_params = dict(zip(names, case["ids"], strict=False))
    email = case["email"]
    body = {"email_address": email, "subscriber_id": case["ids"][0]}
    try:
        if isinstance(declaration, ListEndpoint):
            paginator = declaration.paginate(
                transport,
                path_params=path_params,
                params={"email_address": email} if declaration.method == "GET" else None,
                json=body if declaration.method == "POST" else None,
                after=case["cursor"],
            )
            async for _ in paginator.pages():
                break
        elif isinstance(declaration, Bulk):
            await declaration.call(transport, {"subscribers": [body]})
        else:
            get = declaration.method == "GET"
            json_body = {} if get else body
            await declaration.call(
                transport,
                path_params,
                params={"email_address": email} if get else None,
                **({} if get else {"json": json_body}),
            )
    except KitError:
        pass


def leaks(texts: list[str], case: dict[str, Any]) -> list[str]:
    secrets = [
        *map(str, case["ids"]),
        case["email"],
        case["cursor"],
        TOKEN,
        "?",
        "observed.example",
    ]
    return [f"{secret!r} in {text!r}" for text in texts for secret in secrets if secret in text]


@pytest.fixture
def debug_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`KIT_ASYNC_LOG=debug`, with the `kit_async` logger put back as it was afterwards."""
    logger = logging.getLogger("kit_async")
    level, handlers = logger.level, list(logger.handlers)
    monkeypatch.setenv(LOG_VARIABLE, "debug")
    try:
        yield
    finally:
        logger.setLevel(level)
        for handler in logger.handlers[:]:
            if handler not in handlers:
                logger.removeHandler(handler)


def event_values(event: Any) -> list[str]:
    return [
        str(getattr(event, field.name))
        for field in attrs.fields(type(event))
        if not isinstance(getattr(event, field.name), float)
    ]


@pytest.mark.parametrize("declaration", DECLARATIONS, ids=lambda d: f"{d.method} {d.path}")
def test_nothing_recorded_names_an_id_an_address_a_cursor_a_query_or_the_credential(
    declaration: Declaration,
    mocked: aioresponses,
    caplog: pytest.LogCaptureFixture,
    debug_log: None,
) -> None:
    kit_answers = Kit()
    for method in METHODS:
        mocked.add(ANY_URL, method=method, callback=kit_answers, repeat=True)

    @PROPERTY
    @given(requests())
    def check(case: dict[str, Any]) -> None:
        kit_answers.script = list(case["script"])
        caplog.clear()
        events: list[Any] = []

        async def scenario() -> None:
            async with kit_async.KitClient(access_token=TOKEN, rate_limit=None) as kit:
                for add in (
                    kit.hooks.on_request,
                    kit.hooks.on_response,
                    kit.hooks.on_retry,
                    kit.hooks.on_rate_limit_wait,
                ):
                    add(events.append)
                await call(declaration, kit, case)

        with recording() as telemetry, caplog.at_level(logging.DEBUG):
            asyncio.run(scenario())
            spans = telemetry.spans()
            texts = [span.name for span in spans]
            for span in spans:
                for key, value in (span.attributes or {}).items():
                    if not isinstance(value, float):  # durations: digits by chance
                        texts.append(f"{key}={value}")
                texts.extend(event.name for event in span.events)
                texts.append(span.status.description or "")
            texts.extend(f"{k}={v}" for p in telemetry.points() for k, v in p.attributes.items())
        texts.extend(record.getMessage() for record in caplog.records)
        for event in events:
            texts.extend(event_values(event))

        assert spans  # the call was traced
        assert any(
            r.levelno == logging.DEBUG and "(attempt 1)" in r.getMessage() for r in caplog.records
        )
        assert not leaks(texts, case)

    check()


# -- KIT_ASYNC_LOG=debug --------------------------------------------------------------


async def test_kit_async_log_debug_writes_one_line_per_attempt_without_a_secret(
    mocked: aioresponses, caplog: pytest.LogCaptureFixture, debug_log: None
) -> None:
    url = "https://api.kit.com/v4/subscribers/73519?email_address=ada%40observed.example"
    mocked.get(re.compile(r"^https://api\.kit\.com/v4/subscribers/73519.*$"), status=503)
    mocked.get(re.compile(r"^https://api\.kit\.com/v4/subscribers/73519.*$"), payload={})

    with caplog.at_level(logging.DEBUG, logger="kit_async"):
        async with kit_async.KitClient(access_token=TOKEN, rate_limit=None) as kit:
            await kit.request(
                "GET", "/v4/subscribers/73519", params={"email_address": "ada@observed.example"}
            )

    lines = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.DEBUG and r.name == "kit_async"
    ]
    assert [line.split(" in ")[0] for line in lines] == [
        "GET /v4/subscribers/{id} -> 503",
        "GET /v4/subscribers/{id} -> 200",
    ]
    assert lines[0].endswith("(attempt 1)")
    assert lines[1].endswith("(attempt 2)")
    for line in (r.getMessage() for r in caplog.records):
        assert "73519" not in line
        assert "observed.example" not in line
        assert TOKEN not in line
    assert url  # the URL the lines leave out


async def test_without_kit_async_log_no_line_per_attempt(
    mocked: aioresponses, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LOG_VARIABLE, raising=False)
    mocked.get("https://api.kit.com/v4/account", payload={})

    with caplog.at_level(logging.DEBUG, logger="kit_async"):
        async with kit_async.KitClient(access_token=TOKEN, rate_limit=None) as kit:
            await kit.request("GET", "/v4/account")

    assert not [r for r in caplog.records if "(attempt" in r.getMessage()]


def run_python(code: str, **env: str) -> str:
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


CALL_FAKEKIT = """
import asyncio, sys
{before}
import kit_async
from kit_async.testing import FakeKit

async def main():
    async with FakeKit(broadcasts=2, clicks=0, drafts=0) as server:
        async with kit_async.KitClient(server.api_key, base_url=server.url) as kit:
            print("subject:", (await kit.broadcasts.get(1)).id)
asyncio.run(main())
{after}
"""


def test_kit_async_log_debug_shows_the_lines_on_stderr_without_any_logging_set_up() -> None:
    output = run_python(CALL_FAKEKIT.format(before="", after=""), KIT_ASYNC_LOG="debug")

    assert "subject: 1" in output
    assert re.search(
        r"kit_async DEBUG GET /v4/broadcasts/\{id\} -> 200 in [\d.]+ s \(attempt 1\)", output
    )


def test_import_kit_async_does_not_import_opentelemetry() -> None:
    loaded = run_python(
        "import sys, kit_async; kit_async.KitClient; "
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    assert loaded.strip() == "[]"


def test_without_opentelemetry_installed_a_client_works_and_imports_none() -> None:
    # As if the extra were not installed: `import opentelemetry` fails.
    output = run_python(
        CALL_FAKEKIT.format(
            before="sys.modules['opentelemetry'] = None",
            after=(
                "import kit_async._core.observe as o; print('otel module:', o._OTEL); "
                "print('otel loaded:', any(m.startswith('opentelemetry.') for m in sys.modules))"
            ),
        )
    )
    assert "subject: 1" in output
    assert "otel module: None" in output
    assert "otel loaded: False" in output


def test_with_the_api_but_no_sdk_no_call_is_watched() -> None:
    # The API is installed (the cheap path): no provider is set, so no watch,
    # no span and no metric is made for a call.
    output = run_python(
        CALL_FAKEKIT.format(
            before=(
                "import kit_async._core.observe as o\n"
                "made = []\n"
                "init = o.Watch.__init__\n"
                "o.Watch.__init__ = lambda self, *a: (made.append(1), init(self, *a))[1]"
            ),
            after="print('otel module:', o._OTEL is not None, 'watches:', len(made))",
        )
    )
    assert "otel module: True watches: 0" in output


def test_with_a_tracer_provider_alone_spans_are_made_and_no_metric_is_recorded() -> None:
    # Recording into the API's no-op meters would cost each call its time
    # for nothing: with no meter provider set up, none is called.
    output = run_python(
        CALL_FAKEKIT.format(
            before=(
                "from opentelemetry import trace\n"
                "from opentelemetry.sdk.trace import TracerProvider\n"
                "from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
                "from opentelemetry.sdk.trace.export.in_memory_span_exporter import "
                "InMemorySpanExporter\n"
                "spans = InMemorySpanExporter()\n"
                "provider = TracerProvider()\n"
                "provider.add_span_processor(SimpleSpanProcessor(spans))\n"
                "trace.set_tracer_provider(provider)\n"
                "import kit_async._core.otel as otel\n"
                "records = []\n"
                "otel.record_attempt = lambda *a, **k: records.append('attempt')\n"
                "otel.record_call = lambda *a, **k: records.append('call')"
            ),
            after="print('spans:', len(spans.get_finished_spans()), 'records:', records)",
        )
    )
    assert "subject: 1" in output
    assert "spans: 1 records: []" in output


def test_with_a_meter_provider_alone_metrics_are_recorded_and_no_span_is_started() -> None:
    output = run_python(
        CALL_FAKEKIT.format(
            before=(
                "from opentelemetry import metrics\n"
                "from opentelemetry.sdk.metrics import MeterProvider\n"
                "from opentelemetry.sdk.metrics.export import InMemoryMetricReader\n"
                "reader = InMemoryMetricReader()\n"
                "metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))\n"
                "import kit_async._core.otel as otel\n"
                "started = []\n"
                "made = otel.CallSpan\n"
                "otel.CallSpan = lambda *a: (started.append(1), made(*a))[1]"
            ),
            after=(
                "data = reader.get_metrics_data()\n"
                "names = sorted(m.name for r in data.resource_metrics "
                "for s in r.scope_metrics for m in s.metrics)\n"
                "print('metrics:', names, 'spans started:', len(started))"
            ),
        )
    )
    assert "subject: 1" in output
    assert (
        "metrics: ['http.client.request.duration', 'kit_async.client.attempts'] "
        "spans started: 0" in output
    )
