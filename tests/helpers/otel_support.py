"""The OpenTelemetry SDK of the tests: in-memory spans and metrics, recorded on demand.

OpenTelemetry's providers are process-wide and set once, so the first use
sets them for the whole test run: a tracer provider whose sampler records
only inside `recording()` (elsewhere every span is dropped at its start, the
path of an app whose sampler says no), and a meter provider read by an
in-memory reader with delta temporality (each read returns what was measured
since the last one; `recording()` starts with a read that discards).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind, TraceState
from opentelemetry.util.types import Attributes


class _Gate(Sampler):
    """Samples every span while `on`, none otherwise."""

    on = False

    def should_sample(  # noqa: PLR0917 - the SDK's signature
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        chosen = ALWAYS_ON if self.on else ALWAYS_OFF
        return chosen.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "the tests' gate"


@attrs.frozen
class Point:
    """One metric data point: the instrument, its attributes, and its value."""

    name: str
    attributes: dict[str, Any]
    value: float  # a counter's sum, a histogram's sum
    count: int  # a histogram's count (1 for a counter)


class Telemetry:
    """What the SDK recorded inside `recording()`."""

    def __init__(self) -> None:
        self.gate = _Gate()
        self.exporter = InMemorySpanExporter()
        temporality: dict[type, AggregationTemporality] = {
            Counter: AggregationTemporality.DELTA,
            Histogram: AggregationTemporality.DELTA,
        }
        self.reader = InMemoryMetricReader(preferred_temporality=temporality)
        tracer_provider = TracerProvider(sampler=self.gate)
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        trace.set_tracer_provider(tracer_provider)
        metrics.set_meter_provider(MeterProvider(metric_readers=[self.reader]))
        self.tracer = trace.get_tracer("tests")
        self.collected: list[Point] = []

    def spans(self) -> list[ReadableSpan]:
        """The spans ended so far, in the order they ended."""
        return list(self.exporter.get_finished_spans())

    def points(self, name: str | None = None) -> list[Point]:
        """The data points measured inside `recording()` so far (of instrument `name`)."""
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    for point in metric.data.data_points:
                        value = getattr(point, "sum", None)
                        if value is None:
                            value = point.value  # type: ignore[union-attr]
                        count = getattr(point, "count", 1)
                        attributes = dict(point.attributes or {})
                        self.collected.append(Point(metric.name, attributes, value, count))
        return [p for p in self.collected if name is None or p.name == name]


_TELEMETRY: Telemetry | None = None


@contextmanager
def recording() -> Iterator[Telemetry]:
    """Record spans (and start metrics afresh) inside the block."""
    global _TELEMETRY  # noqa: PLW0603 - the process-wide providers, set once
    if _TELEMETRY is None:
        _TELEMETRY = Telemetry()
    telemetry = _TELEMETRY
    telemetry.exporter.clear()
    telemetry.reader.get_metrics_data()  # delta: forget what came before
    telemetry.collected.clear()
    telemetry.gate.on = True
    try:
        yield telemetry
    finally:
        telemetry.gate.on = False
