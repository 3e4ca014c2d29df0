"""Measure 7, the client side: CPU per page with OpenTelemetry tracing on and off.

`bench/run.py` runs `python bench/_tracing.py 'JSON options'` in a fresh
process against a FakeKit in another process. The process sets up the
OpenTelemetry SDK: a tracer provider whose spans go through a
`SimpleSpanProcessor` to an exporter that drops them, and with
`"metrics": true` a meter provider with an in-memory reader too (every
instrument recorded, nothing exported). The
two sides alternate, walk by walk, in this one process, so a busy machine
weighs on both alike:

- on: the client records its spans (one a page: each page is answered at its
  first attempt) and metrics into that SDK;
- off: the client finds no SDK set up, as in a process that sets none. The
  SDK's providers cannot be unset once set, so this side answers "no SDK" to
  the one check the client makes (`kit_async._core.otel.active`): from
  there on, it is the code path of an application without tracing.

The figure is the median, over the rounds, of each "on" walk's CPU time
divided by that of the "off" walk beside it. The last stdout line is the
JSON result.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

import kit_async
from kit_async._core import otel


class _Dropped(SpanExporter):
    """Takes every span and keeps none: the SDK's whole cost, no exporter's."""

    def __init__(self) -> None:
        self.spans = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans += len(spans)
        return SpanExportResult.SUCCESS


async def _walk(o: dict[str, Any]) -> tuple[float, int]:
    """CPU seconds of one walk over the broadcast's pages, and the pages."""
    pages = 0
    async with kit_async.KitClient(
        o["api_key"], base_url=o["url"], timeout=60.0, rate_limit=None
    ) as kit:
        started = time.process_time()
        async for _page in kit.iter_broadcast_clicks(1).pages():
            pages += 1
        return time.process_time() - started, pages


def main(o: dict[str, Any]) -> dict[str, Any]:
    exporter = _Dropped()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(tracer_provider)
    reader = InMemoryMetricReader()
    if o["metrics"]:
        metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    sdk_set_up = otel.active

    def untraced() -> bool:
        return False

    times: dict[str, list[float]] = {"on": [], "off": []}
    pages = 0
    asyncio.run(_walk(o))  # warm up: imports, first connections
    for _ in range(o["rounds"]):
        for side in ("off", "on") if _ % 2 else ("on", "off"):
            otel.active = sdk_set_up if side == "on" else untraced
            gc.collect()
            spans = exporter.spans
            cpu, pages = asyncio.run(_walk(o))
            if side == "on" and exporter.spans - spans != pages:
                msg = f"expected a span a page, got {exporter.spans - spans} for {pages}"
                raise RuntimeError(msg)
            if side == "off" and exporter.spans != spans:
                raise RuntimeError("spans were recorded with tracing off")
            times[side].append(cpu)
    otel.active = sdk_set_up
    on, off = statistics.median(times["on"]), statistics.median(times["off"])
    return {
        **{k: v for k, v in o.items() if k not in {"api_key", "url"}},
        "pages": pages,
        "cpu_seconds": times,
        "median_cpu_seconds": {"on": on, "off": off},
        "ms_per_page": {"on": on / pages * 1000, "off": off / pages * 1000},
        # Each "on" walk against the "off" walk beside it, then the median:
        # a load that comes and goes weighs on both walks of a pair.
        "ratio": statistics.median(a / b for a, b in zip(times["on"], times["off"], strict=True)),
        "ratio_of_medians": on / off,
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
