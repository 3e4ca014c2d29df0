"""Measure 7, the client side: CPU per page with OpenTelemetry tracing on and off.

`bench/run.py` runs `python bench/_tracing.py 'JSON options'` in a fresh
process against a FakeKit in another process. The process sets up the
OpenTelemetry SDK as an application would: a tracer provider whose spans go
through a `BatchSpanProcessor` (`"processor": "simple"`: a
`SimpleSpanProcessor`) to an exporter that drops them, and with
`"metrics": true` a meter provider with an in-memory reader too (every
instrument recorded, nothing exported).

One client walks the broadcast's pages again and again, and three sides take
turns *page by page*, in triples (pages 1 to 3, then 4 to 6, ...), the order
within a triple going through the six possible from triple to triple:

- on: the client records its span (one a page: each page is answered at its
  first attempt) and, with `"metrics": true`, its metrics into that SDK;
- off: the client finds no SDK set up, as in a process that sets none. The
  SDK's providers cannot be unset once set, so this side answers "no SDK" to
  the one check the client makes (`kit_async._core.otel.active`): from
  there on, it is the code path of an application without tracing;
- sdk: the off side, plus the SDK calls any client must make for the page,
  made here by the benchmark around it: one span with the same name and
  attributes, current while the page is fetched, its outcome set at its end
  (and the two histogram records, with metrics). The floor: what is left
  between it and "on" is the client's own work.

Each page's CPU time (`time.process_time()` around fetching and decoding it)
is compared with that of the other pages of its triple, a few milliseconds
away: a machine whose load comes and goes (other processes, the CPU's clock)
weighs on all three alike. The figure is the median, over the triples, of
the traced page's CPU time divided by the untraced page's; its spread is
given by a bootstrap interval of that median, the quartiles of the ratios and
the ratio of each round's sums. The last stdout line is the JSON result.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yarl
from opentelemetry import context, metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

import kit_async
from kit_async._core import otel


class _Dropped(SpanExporter):
    """Takes every span and keeps none: the SDK's whole cost, no exporter's."""

    def __init__(self) -> None:
        self.spans = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans += len(spans)
        return SpanExportResult.SUCCESS


def _untraced() -> int:
    return 0  # neither `otel.TRACES` nor `otel.METRICS`


SIDES = ("on", "off", "sdk")
#: The order of the sides in each triple, going through the six in turn.
ORDERS = list(itertools.permutations(SIDES))
NAME = "GET /v4/broadcasts/{broadcast_id}/clicks"


class _Floor:
    """The SDK calls one page needs whatever the client (the "sdk" side)."""

    def __init__(self, url: str, with_metrics: bool) -> None:
        self.tracer = trace.get_tracer("bench")
        self.metrics = with_metrics
        self.spans = 0
        self.attributes = {
            "http.request.method": "GET",
            "server.address": "127.0.0.1",
            "server.port": yarl.URL(url).port,
            "url.template": "/v4/broadcasts/{broadcast_id}/clicks",
        }

    async def around(self, page: Any) -> None:
        """`await page`, inside the span (and records) a traced call makes."""
        span = self.tracer.start_span(NAME, kind=trace.SpanKind.CLIENT, attributes=self.attributes)
        token = context.attach(trace.set_span_in_context(span))
        started = time.monotonic()
        try:
            await page
        finally:
            elapsed = time.monotonic() - started
            context.detach(token)
            if self.metrics:
                answered = {**self.attributes, "http.response.status_code": 200}
                otel.record_attempt(elapsed, answered, rate_limited=False)
                otel.record_call(1, 0.0, self.attributes)
            span.set_attributes(
                {
                    "kit_async.attempts": 1,
                    "kit_async.rate_limit_wait": 0.0,
                    "http.response.status_code": 200,
                }
            )
            span.end()
            self.spans += 1


async def _walks(o: dict[str, Any], exporter: _Dropped) -> dict[str, list[float]]:
    """Each triple's CPU seconds, side by side, over `rounds` walks (and one to warm up)."""
    sdk_set_up, floor = otel.active, _Floor(o["url"], o["metrics"])
    in_triples = o["pages"] - o["pages"] % len(SIDES)
    cpu: dict[str, list[float]] = {side: [] for side in (*SIDES, "round")}
    spans = 0
    async with kit_async.KitClient(
        o["api_key"], base_url=o["url"], timeout=60.0, rate_limit=None
    ) as kit:
        for walk in range(-1, o["rounds"]):
            gc.collect()
            pages = kit.iter_broadcast_clicks(1).pages()
            page, sums = 0, dict.fromkeys(SIDES, 0.0)
            while True:
                triple = page // len(SIDES)
                side = ORDERS[(triple + walk * 5) % len(ORDERS)][page % len(SIDES)]
                otel.active = sdk_set_up if side == "on" else _untraced
                started = time.process_time()
                try:
                    if side == "sdk":
                        await floor.around(anext(pages))
                    else:
                        await anext(pages)
                except StopAsyncIteration:
                    break
                took = time.process_time() - started
                spans += side == "on"
                if walk >= 0 and page < in_triples:
                    cpu[side].append(took)
                    sums[side] += took
                page += 1
            if page != o["pages"]:
                msg = f"walked {page} pages, expected {o['pages']}"
                raise RuntimeError(msg)
            if walk >= 0:
                cpu["round"].append(sums["on"] / sums["off"])
    otel.active = sdk_set_up
    trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]
    if exporter.spans != spans + floor.spans:
        msg = f"{exporter.spans} spans, {spans} pages traced: one span each expected"
        raise RuntimeError(msg)
    return cpu


def _bootstrap(ratios: list[float], draws: int = 2000) -> list[float]:
    """A 95% bootstrap interval of the median of `ratios` (a fixed seed)."""
    pick = random.Random(7).choices
    medians = sorted(statistics.median(pick(ratios, k=len(ratios))) for _ in range(draws))
    return [medians[int(draws * 0.025)], medians[int(draws * 0.975) - 1]]


def _compared(a: list[float], b: list[float]) -> dict[str, Any]:
    """Side `a` against side `b`, triple by triple."""
    ratios = sorted(x / y for x, y in zip(a, b, strict=True))
    quartiles = statistics.quantiles(ratios, n=4)
    return {
        "ratio": statistics.median(ratios),
        "ratio_interval_95": _bootstrap(ratios),
        "ratio_quartiles": [quartiles[0], quartiles[2]],
        "ratio_of_sums": sum(a) / sum(b),
        # The extra CPU of `a`'s page, in microseconds (the median over the triples).
        "extra_us": statistics.median((x - y) * 1e6 for x, y in zip(a, b, strict=True)),
    }


def main(o: dict[str, Any]) -> dict[str, Any]:
    exporter = _Dropped()
    tracer_provider = TracerProvider()
    processor = SimpleSpanProcessor if o.get("processor") == "simple" else BatchSpanProcessor
    tracer_provider.add_span_processor(processor(exporter))
    trace.set_tracer_provider(tracer_provider)
    reader = InMemoryMetricReader()
    if o["metrics"]:
        metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    cpu = asyncio.run(_walks(o, exporter))
    on, off, sdk = cpu["on"], cpu["off"], cpu["sdk"]
    rounds = sorted(cpu["round"])
    return {
        **{k: v for k, v in o.items() if k not in {"api_key", "url"}},
        "triples": len(on),
        "ms_per_page": {side: statistics.median(cpu[side]) * 1000 for side in SIDES},
        # The target: each traced page against the untraced page of its triple.
        "traced": _compared(on, off),
        # The SDK's own share (the floor), and the client's work beyond it.
        "sdk_alone": _compared(sdk, off),
        "client_beyond_sdk": _compared(on, sdk),
        "round_ratios": {"min": rounds[0], "median": statistics.median(rounds), "max": rounds[-1]},
        "metric_points": _points(reader) if o["metrics"] else 0,
    }


def _points(reader: InMemoryMetricReader) -> int:
    """The metric data points the meter provider's reader holds."""
    data = reader.get_metrics_data()
    if data is None:
        return 0
    return sum(
        len(metric.data.data_points)
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    )


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
