"""The benchmark's client side: one case per process.

`bench/run.py` runs `python bench/_cases.py CASE 'JSON options'` in a fresh
process for every measurement, so memory figures start from a clean process
and no case warms another's caches. The last stdout line is the JSON result.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import json
import pstats
import resource
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

import kit_async
import kit_async._converter
import kit_async._json
from kit_async._converter import decode_items, read_items
from kit_async._resources.broadcasts import CLICKS
from kit_async.models import BroadcastClick

try:
    import orjson
except ImportError:
    orjson = None  # type: ignore[assignment]

Options = dict[str, Any]


def _client(o: Options, **extra: Any) -> kit_async.KitClient:
    extra.setdefault("rate_limit", None)
    return kit_async.KitClient(o["api_key"], base_url=o["url"], timeout=60.0, **extra)


# -- 1. decoding cost -------------------------------------------------------


async def _walk_kit(o: Options, broadcast_id: int, limit: int | None = None) -> int:
    count = 0
    async with _client(o) as kit:
        pages = 0
        async for page in kit.iter_broadcast_clicks(broadcast_id).pages():
            for _click in page.items:
                count += 1
            pages += 1
            if limit is not None and pages >= limit:
                break
    return count


async def _walk_kit_items(o: Options, broadcast_id: int, limit: int | None = None) -> int:
    """The same walk one click at a time: `async for click in iter_broadcast_clicks(...)`."""
    count = 0
    async with _client(o) as kit:
        async for _click in kit.iter_broadcast_clicks(broadcast_id):
            count += 1
            if limit is not None and count >= limit * 1000:
                break
    return count


async def _walk_raw(
    o: Options, broadcast_id: int, loads: Callable[[str], Any] | None, limit: int | None = None
) -> int:
    """The hand-written loop: same cursors, `await resp.json()` into dicts."""
    count = 0
    url = f"{o['url']}/v4/broadcasts/{broadcast_id}/clicks"
    headers = {"X-Kit-Api-Key": o["api_key"], "Accept": "application/json"}
    async with aiohttp.ClientSession(headers=headers) as session:
        params = {"per_page": "1000"}
        pages = 0
        while True:
            async with session.get(url, params=params) as resp:
                resp.raise_for_status()
                data = await (resp.json() if loads is None else resp.json(loads=loads))
            for _click in data["broadcast"]["clicks"]:
                count += 1
            pages += 1
            pagination = data["pagination"]
            if not pagination["has_next_page"] or (limit is not None and pages >= limit):
                break
            params = {"per_page": "1000", "after": pagination["end_cursor"]}
    return count


async def _cpu(walk: Awaitable[int], *, collector: bool = True) -> tuple[float, int]:
    """CPU seconds of one walk (with the cyclic collector off if not `collector`)."""
    gc.collect()
    if not collector:
        gc.disable()
    try:
        started = time.process_time()
        count = await walk
        return time.process_time() - started, count
    finally:
        gc.enable()


# Generated code, by the name it is compiled under; "<cattrs generated ...>"
# before "<attrs generated ...>", which it contains.
_GENERATED = (
    ("cattrs generated", "models: cattrs' structuring functions"),
    ("/cattrs/", "models: cattrs' structuring functions"),
    ("kit_async flat structure", "models: the converter's hook for flat models (_flat_models)"),
    ("attrs generated", "models: attrs __init__ (frozen, slotted)"),
)


def _bucket(filename: str, name: str) -> str:
    for part, bucket in _GENERATED:
        if part in filename:
            return bucket
    if filename.endswith("_converter.py"):
        return "kit_async._converter (JSON hooks, type checks, envelope)"
    if filename.endswith(("/json/decoder.py", "/json/__init__.py", "kit_async/_json.py")):
        return "JSON parsing (json, standard library)"
    if name in ("<method 'update' of 'dict' objects>", "<method 'pop' of 'list' objects>"):
        return "kit_async._converter (JSON hooks, type checks, envelope)"
    if name == "<method 'translate' of 'bytes' objects>":  # `_json._may_overflow`
        return "JSON parsing (json, standard library)"
    if "orjson" in name or "loads" in name or name.startswith("<method 'decode' of 'msgspec"):
        return "JSON parsing (msgspec: parsing and building the models)"
    if filename.endswith("_fast.py") or "deque" in name:
        return "kit_async._fast (class and envelope fields of the items)"
    if any(part in filename for part in ("/aiohttp/", "/yarl/", "/multidict/")):
        return "aiohttp / yarl (HTTP)"
    if "/asyncio/" in filename or "selectors" in filename or "socket" in name or "poll" in name:
        return "asyncio loop and socket I/O"
    if "/stamina/" in filename:
        return "stamina (retry context)"
    if "kit_async" in filename:
        return "kit_async transport and pagination"
    return "other"


def _profile_summary(profile: cProfile.Profile, top: int = 14) -> dict[str, Any]:
    stats = pstats.Stats(profile)
    rows = []
    buckets: dict[str, float] = {}
    total = 0.0
    for (filename, _line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tottime
        bucket = _bucket(filename, name)
        buckets[bucket] = buckets.get(bucket, 0.0) + tottime
        rows.append(
            {
                "function": f"{Path(filename).name}:{name}" if filename != "~" else name,
                "calls": calls,
                "tottime": round(tottime, 4),
                "cumtime": round(cumtime, 4),
            }
        )
    rows.sort(key=lambda row: row["tottime"], reverse=True)
    return {
        "total": round(total, 4),
        "buckets": {
            k: round(v / total, 4) for k, v in sorted(buckets.items(), key=lambda kv: -kv[1])
        },
        "top": rows[:top],
    }


async def first_page(o: Options) -> bytes:
    """The body of broadcast 1's first page of clicks, as the server sends it."""
    url = f"{o['url']}/v4/broadcasts/1/clicks"
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            url, params={"per_page": "1000"}, headers={"X-Kit-Api-Key": o["api_key"]}
        ) as resp,
    ):
        return await resp.read()


async def _micro(o: Options) -> dict[str, float]:
    """Per-page costs, offline, on one real 1,000-click page (milliseconds of CPU)."""
    body = await first_page(o)
    parsed = json.loads(body)
    clicks = parsed["broadcast"]["clicks"]
    bid = parsed["broadcast"]["id"]

    def hand_written() -> list[BroadcastClick]:
        return [
            BroadcastClick(
                bid,
                c["url"],
                c["unique_clicks"],
                c["click_to_delivery_rate"],
                c["click_to_open_rate"],
            )
            for c in clicks
        ]

    candidates: dict[str, Callable[[], object]] = {
        "json.loads (stdlib, what resp.json() does)": lambda: json.loads(body),
        "decode_items (cattrs, on parsed dicts)": lambda: decode_items(
            parsed, BroadcastClick, CLICKS.envelope, method="GET", path="/x"
        ),
        "hand-written BroadcastClick(...) per item, no checks": hand_written,
        "read_items (bytes to models, as the client does)": lambda: read_items(
            body, BroadcastClick, CLICKS.envelope, method="GET", path="/x"
        ),
    }
    if orjson is not None:
        candidates["orjson.loads"] = lambda: orjson.loads(body)
    out = {}
    repeat = 60
    for label, run in candidates.items():
        run()
        times = []
        for _ in range(5):
            started = time.process_time()
            for _ in range(repeat):
                run()
            times.append((time.process_time() - started) / repeat * 1000)
        out[label] = round(min(times), 4)
    return out


def _decoders() -> dict[str, str]:
    """What kit_async decodes with in this process."""
    return {
        "models": "msgspec" if kit_async._converter._fast is not None else "cattrs",
        "json": "msgspec" if kit_async._json.msgspec is not None else "json (stdlib)",
    }


async def decode(o: Options) -> dict[str, Any]:
    pages, rounds = o["pages"], o["rounds"]
    decoders = _decoders()
    expected = "cattrs" if o.get("install") == "default" else "msgspec"
    if decoders["models"] != expected:
        msg = f"kit_async decodes with {decoders}, expected {expected} (is msgspec installed?)"
        raise RuntimeError(msg)
    variants: dict[str, Callable[[], Awaitable[int]]] = {
        "raw_stdlib_json": lambda: _walk_raw(o, 1, None),
        "kit_async": lambda: _walk_kit(o, 1),
        "kit_async_items": lambda: _walk_kit_items(o, 1),
    }
    if orjson is not None:
        variants["raw_orjson"] = lambda: _walk_raw(o, 1, orjson.loads)
    # Warm up every path (imports, connection pool, generated functions).
    for make in (
        lambda: _walk_raw(o, 1, None, limit=3),
        lambda: _walk_kit(o, 1, limit=3),
        lambda: _walk_kit_items(o, 1, limit=3),
        *([lambda: _walk_raw(o, 1, orjson.loads, limit=3)] if orjson is not None else []),
    ):
        await make()
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    counts: dict[str, int] = {}
    names = list(variants)
    for round_ in range(rounds):
        # Rotate the order each round so no variant always runs first.
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            # gc_disabled: the collector's share, measured (never what users get).
            seconds, count = await _cpu(variants[name](), collector=not o.get("gc_disabled"))
            cpu[name].append(seconds)
            counts[name] = count
    assert len(set(counts.values())) == 1, counts
    assert counts["kit_async"] == pages * 1000, counts

    profile = cProfile.Profile(time.process_time)
    profile.enable()
    await _walk_kit(o, 1, limit=min(pages, 50))
    profile.disable()

    medians = {name: statistics.median(values) for name, values in cpu.items()}
    return {
        "install": o.get("install", "fast"),
        "decoders": decoders,
        "pages": pages,
        "clicks": counts["kit_async"],
        "rounds": rounds,
        "cpu_seconds": cpu,
        "median_cpu_seconds": medians,
        "ratio_vs_stdlib_json": medians["kit_async"] / medians["raw_stdlib_json"],
        "ratio_vs_orjson": (
            medians["kit_async"] / medians["raw_orjson"] if "raw_orjson" in medians else None
        ),
        "profile": _profile_summary(profile),
        "micro_ms_per_page": await _micro(o),
    }


# -- 2. rate-limit floor ----------------------------------------------------


async def _raw_walk_retrying(
    session: aiohttp.ClientSession,
    o: Options,
    broadcast_id: int,
    limiter: Any,
    seen: dict[str, int],
) -> None:
    """A typical hand-written walker: on 429, wait one window and try again."""
    url = f"{o['url']}/v4/broadcasts/{broadcast_id}/clicks"
    params = {"per_page": "1000"}
    while True:
        while True:
            if limiter is not None:
                async with limiter:
                    resp = await session.get(url, params=params)
            else:
                resp = await session.get(url, params=params)
            async with resp:
                seen["requests"] += 1
                if resp.status == 429:
                    seen["429"] += 1
                    await resp.read()
                    await asyncio.sleep(o["period"])
                    continue
                resp.raise_for_status()
                data = await resp.json(loads=orjson.loads if orjson is not None else json.loads)
                break
        pagination = data["pagination"]
        if not pagination["has_next_page"]:
            return
        params = {"per_page": "1000", "after": pagination["end_cursor"]}


async def ratelimit(o: Options) -> dict[str, Any]:
    ids = range(1, o["broadcasts"] + 1)
    seen = {"requests": 0, "429": 0}
    started = time.perf_counter()
    if o["variant"].startswith("kit_async"):
        # The default margin (2% of the period) keeps requests sent exactly
        # one window apart out of one server window; "no_margin" shows its cost.
        margin = 0.0 if o["variant"] == "kit_async_no_margin" else None
        limit = kit_async.RateLimit(o["requests"], o["period"], margin=margin)
        # Waits scaled to the shortened window, in case a 429 ever comes.
        retry = kit_async.RetryPolicy(
            rate_limited_wait=o["period"], rate_limited_wait_max=2 * o["period"]
        )
        async with _client(o, rate_limit=limit, retry=retry) as kit:
            stream = kit.iter_clicks_for_broadcasts(ids, concurrency=o["concurrency"])
            async for _page in stream.pages():
                pass
            seen["requests"] = kit._transport.requests_sent
            seen["pages"] = stream.pages_fetched
    else:
        limiter = None
        if o["variant"] == "aiolimiter":
            from aiolimiter import AsyncLimiter

            limiter = AsyncLimiter(o["requests"], o["period"])
        headers = {"X-Kit-Api-Key": o["api_key"]}
        async with aiohttp.ClientSession(headers=headers) as session:
            await asyncio.gather(*(_raw_walk_retrying(session, o, b, limiter, seen) for b in ids))
    return {"wall": time.perf_counter() - started, **seen}


# -- 3. latency-bound fan-out --------------------------------------------------


async def _round_trip(o: Options, samples: int = 15) -> float:
    """Median wall time of one plain aiohttp request for one page: the floor per step."""
    url = f"{o['url']}/v4/broadcasts/{o['first']}/clicks"
    times = []
    async with aiohttp.ClientSession(headers={"X-Kit-Api-Key": o["api_key"]}) as session:
        for _ in range(samples):
            started = time.perf_counter()
            async with session.get(url, params={"per_page": str(o["per_page"])}) as resp:
                await resp.read()
            times.append(time.perf_counter() - started)
    return statistics.median(times[2:])


async def latency(o: Options) -> dict[str, Any]:
    rtt = await _round_trip(o)
    async with _client(o) as kit:
        await kit.broadcasts.get(o["first"])  # open the connection pool outside the timing
        started, cpu = time.perf_counter(), time.process_time()
        stream = kit.iter_clicks_for_broadcasts(
            range(o["first"], o["first"] + o["broadcasts"]),
            concurrency=o["concurrency"],
            per_page=o["per_page"],
        )
        clicks = 0
        async for page in stream.pages():
            clicks += len(page.page.items)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"wall": wall, "cpu": cpu, "rtt": rtt, "pages": stream.pages_fetched, "clicks": clicks}


# -- 4. memory ----------------------------------------------------------------


class _Sampler:
    """Samples this process's RSS every few milliseconds, keeping the peak."""

    def __init__(self, every: float = 0.002) -> None:
        import psutil

        self._process = psutil.Process()
        self._every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        return int(self._process.memory_info().rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            self._stop.wait(self._every)

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


async def memory(o: Options) -> dict[str, Any]:
    async with _client(o) as kit:
        # Warm up on a broadcast the case does not read: imports, the session,
        # a pooled connection and the generated decoding functions all exist.
        await kit.broadcasts.clicks(o["warmup_id"], per_page=5)
        gc.collect()
        sampler = _Sampler()
        base = sampler.rss()
        maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        clicks = 0
        with sampler:
            if o["mode"] == "single":
                async for _click in kit.iter_broadcast_clicks(o["ids"][0]):
                    clicks += 1
            else:
                stream = kit.iter_clicks_for_broadcasts(o["ids"], concurrency=o["concurrency"])
                async for page in stream.pages():
                    clicks += len(page.page.items)
                    if o["mode"] == "fanout_slow":
                        await asyncio.sleep(o["consumer_delay"])
        maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "clicks": clicks,
        "base_rss": base,
        "peak_rss": sampler.peak,
        "growth_bytes": sampler.peak - base,
        # ru_maxrss is the lifetime peak, in KiB on Linux: a cross-check only.
        "maxrss_growth_bytes": (maxrss_after - maxrss_before) * 1024,
    }


CASES: dict[str, Callable[[Options], Awaitable[dict[str, Any]]]] = {
    "decode": decode,
    "ratelimit": ratelimit,
    "latency": latency,
    "memory": memory,
}

if __name__ == "__main__":
    case, options = sys.argv[1], json.loads(sys.argv[2])
    result = asyncio.run(CASES[case](options))
    sys.stdout.write(json.dumps(result) + "\n")
