"""kit-async benchmarks: ratios measured side by side, in one run.

Run with `nox -s bench` (or `python bench/run.py [--quick]` from the repo
root). Each server is a FakeKit in its own process on a free loopback port,
and each measurement runs in a fresh client process (`bench/_cases.py`), so
neither side's CPU time or memory leaks into the other's figures.

1. Decoding cost: client CPU time of `iter_broadcast_clicks` over 200 pages
   of 1,000 clicks / CPU time of a hand-written aiohttp loop that follows the
   same cursors and only does `await resp.json()`: with the default install
   (target <= 2.0, a guard) and with `kit-async[fast]` (target <= 0.8), each in its
   own process beside its own yardstick. Also reported: one click at a time
   instead of `.pages()`, and a process that turns the cyclic collector off
   while measuring (the collector's share; never what users get).
2. Rate-limit floor: a fan-out over 50 broadcasts x 3 pages against a server
   that enforces 20 requests per rolling 1 s: wall time / floor and the 429s,
   beside a naive `asyncio.gather` and `aiolimiter.AsyncLimiter(20, 1.0)`
   (target <= 1.05 and zero 429s).
3. Latency-bound fan-out: 200 broadcasts x 3 pages, 50 ms server latency,
   `concurrency=16`: wall / (pages x latency / concurrency) (target <= 1.2).
4. Memory: peak RSS growth streaming 1,000,000 clicks (1,000 pages) through
   `iter_broadcast_clicks` and `iter_clicks_for_broadcasts`, beside 100 pages
   (target <= 25 MiB and flat).
5. Sync: requests a `sync_clicks` spends on 1,000 sent broadcasts, first and
   after 10 changed, beside `kit-async clicks --all` (`bench/_sync.py`):
   the first sync spends no more than the export plus the stats and list
   pages, the re-sync at most 2 listing pages plus the changed broadcasts'
   pages, a sync with no change no clicks request.
6. Accounts: one `KitAccounts` serving 10,000 accounts (a FakeKit with that
   many creators), each used once, 200 at a time (`bench/_accounts.py`): RSS
   growth (target <= 30 MiB) and the most sockets open (target <= the pool's
   `connection_limit`, 100).
7. Tracing: client CPU per page of `iter_broadcast_clicks` (pages of 1,000
   clicks) with OpenTelemetry's SDK recording every span / with no SDK set
   up, taking turns page by page in one process with a third side, the
   SDK's span alone made around an untraced page (`bench/_tracing.py`;
   target <= 1.05, the median over the triples of pages with its 95%
   interval); then the same with the metrics recorded too.
8. Fleet: 1, 2 and 3 `kit-async worker` processes over 200 accounts of 20
   sent broadcasts (redis-server, PostgreSQL, FakeKit; `bench/_fleet.py`):
   accounts synced per minute and requests, a first round and a round after
   2 broadcasts of each account changed (targets: 23 then 3 requests an
   account, 0 x 429), and the CPU each part spent. Needs redis-server and
   PostgreSQL's server binaries: the suite refuses to start without them.

Prints a table and writes the raw figures to `bench/results.json`
(`bench/results-quick.json` with `--quick`, a smaller smoke run).
`--only decode,memory` runs some of the measures; `nox -s bench_decode` runs
measure 1 on each supported Python.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MIB = 1024 * 1024

FULL: dict[str, dict[str, Any]] = {
    "decode": {"pages": 200, "rounds": 5},
    "ratelimit": {"broadcasts": 50, "pages": 3, "requests": 20, "period": 1.0, "concurrency": 8},
    "latency": {"broadcasts": 200, "pages": 3, "latency": 0.05, "concurrency": 16, "rounds": 3},
    "memory": {"small": 100, "large": 1000, "slow_delay": 0.002},
    "sync": {"broadcasts": 1000, "clicks": 200, "changed": 10},
    "accounts": {"accounts": 10_000, "concurrency": 200, "connection_limit": 100},
    "tracing": {"pages": 100, "rounds": 40, "processor": "batch"},
    "fleet": {
        "accounts": 200,
        "broadcasts": 20,
        "changed": 2,
        "workers": [1, 2, 3],
        "concurrency": 4,
    },
}
QUICK: dict[str, dict[str, Any]] = {
    "decode": {"pages": 40, "rounds": 1},
    "ratelimit": {"broadcasts": 20, "pages": 3, "requests": 20, "period": 1.0, "concurrency": 8},
    "latency": {"broadcasts": 50, "pages": 3, "latency": 0.05, "concurrency": 16, "rounds": 1},
    "memory": {"small": 20, "large": 100, "slow_delay": 0.002},
    "sync": {"broadcasts": 200, "clicks": 200, "changed": 5},
    "accounts": {"accounts": 1000, "concurrency": 200, "connection_limit": 100},
    "tracing": {"pages": 21, "rounds": 4, "processor": "batch"},
    "fleet": {"accounts": 40, "broadcasts": 10, "changed": 1, "workers": [1, 3], "concurrency": 4},
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class Server:
    """A FakeKit in a child process, controlled over its stdin."""

    def __init__(self, **options: Any) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "_server.py"), json.dumps(options)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=_env(),
        )
        hello = self._read()
        self.url = f"http://127.0.0.1:{hello['port']}"
        self.api_key = hello["api_key"]

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            msg = "the benchmark server exited early"
            raise RuntimeError(msg)
        return json.loads(line)  # type: ignore[no-any-return]

    def command(self, name: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return self._read()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_: object) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


# The default install, in a process where the extras' packages cannot be
# imported (as where they are not installed): the standard library's json and
# the cattrs converter decode everything.
WITHOUT_EXTRAS = """
import runpy, sys
for name in ("msgspec", "orjson"):
    sys.modules[name] = None
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def case(name: str, server: Server, **options: Any) -> dict[str, Any]:
    """Run one measurement in a fresh client process; return its JSON result.

    With `install="default"` the process runs as if no extra were installed.
    """
    options = {"url": server.url, "api_key": server.api_key, **options}
    command = [str(HERE / "_cases.py"), name, json.dumps(options)]
    if options.get("install") == "default":
        command = ["-c", WITHOUT_EXTRAS, *command]
    return _in_process(f"benchmark case {name!r}", command)


def _in_process(what: str, command: list[str], *, timeout: float = 240) -> dict[str, Any]:
    """Run `python <command>` in a fresh process; the JSON of its last line of output."""
    done = subprocess.run(
        [sys.executable, *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        msg = f"{what} failed (exit {done.returncode})"
        raise RuntimeError(msg)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def progress(text: str) -> None:
    print(f"  .. {text}", flush=True)


# -- the measurements ---------------------------------------------------------


# The collector settings measure 1 also runs under, each in its own process:
# (key in the results, what the client process does, progress label).
_COLLECTOR_CASES = (
    # The collector's share: the walks with it off in the measuring process
    # (never what users get; kit-async leaves the collector alone).
    ("gc_disabled", {"gc_disabled": True}, "with the cyclic collector off while measuring"),
)


def bench_decode(cfg: dict[str, Any]) -> dict[str, Any]:
    with Server(broadcasts=1, drafts=0, clicks=cfg["pages"] * 1000, cache=True) as server:
        pages = f"{cfg['pages']} pages x 1,000 clicks, {cfg['rounds']} round(s)"
        # The default install: msgspec and orjson made unimportable in that
        # process, so the standard library's json and cattrs decode.
        installs = (("default", "default install"), ("fast", "kit-async[fast] (msgspec)"))
        runs = {}
        for install, label in installs:
            progress(f"decoding, {label}: {pages}")
            run = runs[install] = case("decode", server, install=install, **cfg)
            for key, options, how in _COLLECTOR_CASES:
                progress(f"decoding, {label}, {how}")
                run[key] = case("decode", server, install=install, **options, **cfg)
        result = runs["default"]
        result["fast"] = runs["fast"]
        return result


def bench_ratelimit(cfg: dict[str, Any]) -> dict[str, Any]:
    requests_needed = cfg["broadcasts"] * cfg["pages"]
    r, p = cfg["requests"], cfg["period"]
    out: dict[str, Any] = {
        **cfg,
        "requests_needed": requests_needed,
        # No schedule that stays within R requests per rolling P seconds can
        # send request number N (1-based) before (ceil(N / R) - 1) * P.
        "floor_strict": (math.ceil(requests_needed / r) - 1) * p,
        # The average-rate figure N / (R / P), an easier yardstick.
        "floor_rate": requests_needed / r * p,
        "variants": {},
    }
    server_options = {
        "broadcasts": cfg["broadcasts"],
        "drafts": 0,
        "clicks": cfg["pages"] * 1000,
        "rate_limit": [r, p],
        "cache": True,
    }
    with Server(**server_options) as server:
        for variant in ("kit_async", "kit_async_no_margin", "naive_gather", "aiolimiter"):
            server.command("reset")
            time.sleep(p + 0.2)  # the server's window is empty again
            progress(f"rate-limit floor: {variant}")
            result = case("ratelimit", server, variant=variant, **cfg)
            stats = server.command("stats")
            result["server_requests"] = stats["requests"]
            result["server_429"] = stats["rate_limited"]
            result["ratio_strict"] = result["wall"] / out["floor_strict"]
            result["ratio_rate"] = result["wall"] / out["floor_rate"]
            out["variants"][variant] = result
    return out


def bench_latency(cfg: dict[str, Any]) -> dict[str, Any]:
    n = cfg["broadcasts"]
    # Broadcasts 1..n have 3,000 clicks (3 pages of 1,000); n+1..2n have 300
    # (3 pages of 100): the same request pattern with a tenth of the bytes.
    clicks = {str(i): 3000 for i in range(1, n + 1)} | {
        str(i): 300 for i in range(n + 1, 2 * n + 1)
    }
    out: dict[str, Any] = {**cfg, "runs": {}}
    server_options = {"broadcasts": 2 * n, "drafts": 0, "clicks": clicks, "cache": True}
    with Server(latency=cfg["latency"], **server_options) as server:
        for label, first, per_page in (("1000 per page", 1, 1000), ("100 per page", n + 1, 100)):
            walls, server_cpu, client_cpu, rtts = [], [], [], []
            pages = 0
            # Round 0 only fills the server's page cache; it is not counted.
            for round_ in range(cfg["rounds"] + 1):
                progress(f"latency-bound fan-out, {label}, round {round_}")
                before = server.command("stats")["cpu"]
                result = case(
                    "latency",
                    server,
                    first=first,
                    broadcasts=n,
                    per_page=per_page,
                    concurrency=cfg["concurrency"],
                )
                if round_ == 0:
                    continue
                server_cpu.append(server.command("stats")["cpu"] - before)
                walls.append(result["wall"])
                client_cpu.append(result["cpu"])
                rtts.append(result["rtt"])
                pages = result["pages"]
            ideal = pages * cfg["latency"] / cfg["concurrency"]
            # A broadcast's pages are sequential and a fetcher takes whole
            # broadcasts, so no schedule beats ceil(B / c) rounds of a chain.
            packing = math.ceil(n / cfg["concurrency"]) * cfg["pages"] * cfg["latency"]
            # The same bound with the measured round trip of one plain aiohttp
            # request (latency + loopback + server work) instead of the latency.
            rtt = statistics.median(rtts)
            packing_rtt = packing / cfg["latency"] * rtt
            out["runs"][label] = {
                "walls": walls,
                "wall": statistics.median(walls),
                "pages": pages,
                "ideal": ideal,
                "ratio": statistics.median(walls) / ideal,
                "packing_bound": packing,
                "ratio_vs_packing_bound": statistics.median(walls) / packing,
                "round_trip": rtt,
                "ratio_vs_measured_round_trip": statistics.median(walls) / packing_rtt,
                "server_cpu_seconds": server_cpu,
                "client_cpu_seconds": client_cpu,
            }
    return out


def bench_memory(cfg: dict[str, Any]) -> dict[str, Any]:
    small, large = cfg["small"], cfg["large"]
    per_broadcast = 10  # fan-out: broadcasts of 10 pages each
    fan_small = list(range(11, 11 + small // per_broadcast))
    fan_large = list(range(fan_small[-1] + 1, fan_small[-1] + 1 + large // per_broadcast))
    clicks = {"1": large * 1000, "2": small * 1000, "3": 5}
    clicks |= {str(i): per_broadcast * 1000 for i in fan_small + fan_large}
    runs = [
        ("iter_broadcast_clicks", small, {"mode": "single", "ids": [2]}),
        ("iter_broadcast_clicks", large, {"mode": "single", "ids": [1]}),
        ("iter_clicks_for_broadcasts", small, {"mode": "fanout", "ids": fan_small}),
        ("iter_clicks_for_broadcasts", large, {"mode": "fanout", "ids": fan_large}),
        (
            "iter_clicks_for_broadcasts, slow consumer",
            large,
            {"mode": "fanout_slow", "ids": fan_large, "consumer_delay": cfg["slow_delay"]},
        ),
    ]
    out: dict[str, Any] = {**cfg, "runs": []}
    with Server(broadcasts=fan_large[-1], drafts=0, clicks=clicks) as server:
        for label, pages, options in runs:
            progress(f"memory: {label}, {pages} pages")
            result = case("memory", server, warmup_id=3, concurrency=8, **options)
            assert result["clicks"] == pages * 1000, result
            out["runs"].append({"api": label, "pages": pages, **result})
    return out


# -- report -------------------------------------------------------------------


def bench_sync(cfg: dict[str, Any]) -> dict[str, Any]:
    progress(
        f"sync: {cfg['broadcasts']:,} sent broadcasts, then {cfg['changed']} changed, "
        "beside clicks --all"
    )
    command = [str(HERE / "_sync.py"), json.dumps(cfg)]
    return _in_process("the sync benchmark", command, timeout=600)


def bench_accounts(cfg: dict[str, Any]) -> dict[str, Any]:
    progress(
        f"accounts: {cfg['accounts']:,} accounts each used once, {cfg['concurrency']} at a time, "
        f"connection_limit={cfg['connection_limit']}"
    )
    options = {"accounts": cfg["accounts"], "broadcasts": 1, "clicks": 1, "drafts": 0}
    with Server(**options) as server, tempfile.TemporaryDirectory() as directory:
        tokens_file = Path(directory) / "tokens.json"
        tokens_file.write_text(json.dumps(server.command("tokens")["tokens"]))
        command = [
            str(HERE / "_accounts.py"),
            json.dumps(
                {
                    **cfg,
                    "url": server.url,
                    "client_id": "fake-client-id",
                    "tokens_file": str(tokens_file),
                }
            ),
        ]
        result = _in_process("the accounts benchmark", command, timeout=600)
        result["server_requests"] = server.command("stats")["requests"]
        return result


def bench_tracing(cfg: dict[str, Any]) -> dict[str, Any]:
    runs = {}
    with Server(broadcasts=1, drafts=0, clicks=cfg["pages"] * 1000, cache=True) as server:
        for side, with_metrics in (("traces", False), ("traces_and_metrics", True)):
            what = side.replace("_", " ")
            progress(
                f"tracing: {cfg['pages']} pages x {cfg['rounds']} rounds, {what} on and off, "
                "taking turns page by page with the SDK's span alone"
            )
            options = {**cfg, "metrics": with_metrics, "url": server.url, "api_key": server.api_key}
            command = [str(HERE / "_tracing.py"), json.dumps(options)]
            runs[side] = _in_process("the tracing benchmark", command)
    return runs


def bench_fleet(cfg: dict[str, Any]) -> dict[str, Any]:
    workers = ", ".join(str(n) for n in cfg["workers"])
    progress(
        f"fleet: {workers} kit-async worker process(es), {cfg['accounts']} accounts of "
        f"{cfg['broadcasts']} sent broadcasts, then {cfg['changed']} of each changed"
    )
    return _in_process(
        "the fleet benchmark", [str(HERE / "_fleet.py"), json.dumps(cfg)], timeout=900
    )


def fleet_missing() -> list[str]:
    """What measure 8 needs that this machine lacks, each with how to install it."""
    import importlib.util
    import shutil

    sys.path.insert(0, str(ROOT / "tests" / "helpers"))
    from pg import find_bin_dir

    missing = []
    if shutil.which("redis-server") is None:
        missing.append("redis-server (apt-get install redis-server)")
    if find_bin_dir() is None:
        missing.append(
            "PostgreSQL's server binaries, initdb and postgres, in PATH or "
            "/usr/lib/postgresql/*/bin (apt-get install postgresql)"
        )
    for module, package in (("arq", "kit-async[fleet]"), ("psutil", "psutil")):
        if importlib.util.find_spec(module) is None:
            missing.append(f"{module} (pip install '{package}')")
    return missing


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = (math.nan,) * 3
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        # Python 3.13 raised the first generation's threshold from 700 to 2000.
        "gc_threshold": list(gc.get_threshold()),
        "platform": platform.platform(),
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    names = (
        "kit-async",
        "aiohttp",
        "attrs",
        "cattrs",
        "msgspec",
        "orjson",
        "stamina",
        "aiolimiter",
        "opentelemetry-sdk",
    )
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def table(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """One row per figure, for the measures in `results` (all, or those of `--only`)."""
    rows: list[tuple[str, str, str, str]] = []

    def add(what: str, value: str, target: str, met: bool | None) -> None:
        rows.append((what, value, target, "-" if met is None else ("yes" if met else "NO")))

    for name, make_rows in ROWS.items():
        if name in results:
            make_rows(results[name], add)
    return rows


def _ratio(run: dict[str, Any], yardstick: str = "raw_stdlib_json", walk: str = "kit_async") -> str:
    m = run["median_cpu_seconds"]
    value = m[walk] / m[yardstick]
    return f"{value:.2f}  ({m[walk]:.3f} s / {m[yardstick]:.3f} s)"


# Measure 1's variants beside the plain walk: (label, run key or None, walk).
_DECODE_VARIANTS = (
    (
        "one click at a time (async for click in iter_broadcast_clicks(...))",
        None,
        "kit_async_items",
    ),
    ("the cyclic collector off while measuring (its share)", "gc_disabled", "kit_async"),
)


def decode_rows(d: dict[str, Any], add: Any) -> None:
    """Measure 1's rows: both installs, each beside its own yardstick."""
    installs = (
        ("1. decoding CPU, default install, kit-async / raw aiohttp resp.json()", d, 2.0),
        ("1b. decoding CPU, kit-async[fast] (msgspec), same yardstick", d["fast"], 0.8),
    )
    for label, run, target in installs:
        add(
            f"{label} ({run['pages']} pages)",
            _ratio(run),
            f"<= {target}",
            run["ratio_vs_stdlib_json"] <= target,
        )
        for variant, key, walk in _DECODE_VARIANTS:
            add(
                f"   same, {variant}", _ratio(run if key is None else run[key], walk=walk), "", None
            )
    fast = d["fast"]
    if fast["ratio_vs_orjson"] is not None:
        add(
            "   same, vs raw aiohttp + orjson.loads into dicts",
            _ratio(fast, "raw_orjson"),
            "",
            None,
        )


def ratelimit_rows(r: dict[str, Any], add: Any) -> None:
    """Measure 2's rows: kit-async beside a naive fan-out and aiolimiter."""
    for variant, label in (
        ("kit_async", "kit-async fan-out, RateLimit"),
        ("kit_async_no_margin", "kit-async, RateLimit(margin=0)"),
        ("naive_gather", "naive asyncio.gather, no limiter"),
        ("aiolimiter", "asyncio.gather + aiolimiter"),
    ):
        v = r["variants"][variant]
        is_kit = variant == "kit_async"
        add(
            f"2. rate-limit floor, {label}",
            f"{v['ratio_strict']:.3f}  ({v['wall']:.2f} s / {r['floor_strict']:.2f} s; "
            f"{v['ratio_rate']:.2f} of N/R = {r['floor_rate']:.2f} s), {v['server_429']} x 429",
            "<= 1.05, 0 x 429" if is_kit else "",
            (v["ratio_strict"] <= 1.05 and v["server_429"] == 0) if is_kit else None,
        )


def latency_rows(lat: dict[str, Any], add: Any) -> None:
    """Measure 3's rows."""
    for label, run in lat["runs"].items():
        primary = label == "1000 per page"
        add(
            f"3. latency-bound fan-out, {run['pages']} pages ({label})",
            f"{run['ratio']:.2f}  ({run['wall']:.2f} s / {run['ideal']:.2f} s); "
            f"{run['ratio_vs_measured_round_trip']:.2f} of the bound with the measured "
            f"{run['round_trip'] * 1000:.1f} ms round trip",
            "<= 1.2" if primary else "",
            run["ratio"] <= 1.2 if primary else None,
        )


def memory_rows(m: dict[str, Any], add: Any) -> None:
    """Measure 4's rows."""
    for run in m["runs"]:
        growth = run["growth_bytes"] / MIB
        add(
            f"4. peak RSS growth, {run['api']}, {run['pages']} pages",
            f"{growth:.1f} MiB",
            "<= 25 MiB",
            growth <= 25,
        )


def sync_rows(s: dict[str, Any], add: Any) -> None:
    """The sync's rows: request counts, the targets of issue 10."""
    export, first, resync = s["export_all"], s["first_sync"], s["resync"]
    n = f"{s['broadcasts']:,}"
    add(
        f"5. sync, {n} broadcasts: first sync / kit-async clicks --all (requests)",
        f"{first['requests']:,} / {export['requests']:,}  "
        f"({first['listing_requests']} listing + {first['clicks_requests']:,} clicks)",
        "<= export + stats page + account",
        # The account: `GET /v4/account`, once per sync (schema version 2's account_id).
        first["clicks_requests"] <= export["clicks_requests"]
        and first["requests"] <= export["requests"] + 2,
    )
    add(
        f"   re-sync after {s['changed']} changed (requests; export / re-sync)",
        f"{resync['requests']}  ({resync['listing_requests']} listing + "
        f"{resync['clicks_requests']} clicks); {export['requests'] / resync['requests']:.0f}x "
        "fewer than the export",
        f"<= 2 listing + {s['changed']} clicks",
        resync["listing_requests"] <= 2 and resync["clicks_requests"] == s["changed"],
    )
    add(
        "   sync with no change (clicks requests)",
        f"{s['no_change']['clicks_requests']}  ({s['no_change']['requests']} request in all)",
        "0",
        s["no_change"]["clicks_requests"] == 0,
    )
    fallback = s["fallback_resync"]
    add(
        "   where the stats answer 403: first sync / re-sync (requests)",
        f"{s['fallback_first']['requests']:,} / {fallback['requests']}  "
        "(re-sync: recent and never-synced broadcasts only)",
        "",
        None,
    )


def accounts_rows(a: dict[str, Any], add: Any) -> None:
    """Measure 6's rows."""
    n = f"{a['accounts']:,} accounts used once"
    growth = a["growth_bytes"] / MIB
    add(
        f"6. KitAccounts, {n}: RSS growth (after gc; peak during the run)",
        f"{growth:.1f} MiB ({a['peak_growth_bytes'] / MIB:.1f} MiB); {a['errors']} errors",
        "<= 30 MiB, 0 errors",
        growth <= 30 and a["errors"] == 0,
    )
    add(
        f"   most sockets open ({a['most_fds']} file descriptors)",
        f"{a['most_sockets']}",
        f"<= {a['connection_limit']}",
        a["most_sockets"] <= a["connection_limit"],
    )
    add(
        "   held at the end: whole states / accounts kept as request times",
        f"{a['whole_states']:,} / {a['kept_as_request_times']:,}",
        "",
        None,
    )


def tracing_rows(t: dict[str, Any], add: Any) -> None:
    """Measure 7's rows: spans alone (the target), then spans and metrics.

    Each with its 95% interval, and the share of the SDK's own calls (the
    same span made around an untraced page) beside the client's own work.
    """
    for label, run, target in (
        ("7. tracing on / off, client CPU per page", t["traces"], 1.05),
        ("   same, spans and metrics recorded", t["traces_and_metrics"], None),
    ):
        traced, sdk, own = run["traced"], run["sdk_alone"], run["client_beyond_sdk"]
        low, high = traced["ratio_interval_95"]
        add(
            f"{label} ({run['triples']} triples of pages)",
            f"{traced['ratio']:.3f} [{low:.3f}, {high:.3f}]  "
            f"({traced['extra_us']:+.0f} us on {run['ms_per_page']['off']:.3f} ms)",
            "" if target is None else f"<= {target}",
            None if target is None else traced["ratio"] <= target,
        )
        add(
            "     of which the SDK's calls alone / the client's own",
            f"{sdk['ratio']:.3f} / {own['ratio']:.3f}  "
            f"({sdk['extra_us']:+.0f} us / {own['extra_us']:+.0f} us)",
            "",
            None,
        )


def fleet_rows(f: dict[str, Any], add: Any) -> None:
    """Measure 8's rows: each fleet's two rounds."""
    targets = (
        ("first_round", "first round", 1 + 1 + 1 + f["broadcasts"]),
        ("changed_round", f"after {f['changed']} of each changed", 1 + f["changed"]),
    )
    for run in f["runs"]:
        n = run["workers"]
        for key, label, most in targets:
            r = run[key]
            cpu = r["cpu_seconds"]
            add(
                f"8. fleet, {n} worker{'s' if n > 1 else ''}, {f['accounts']} accounts, {label}",
                f"{r['accounts_per_minute']:,} accounts/min ({r['seconds']:.1f} s), "
                f"{r['requests_per_account']:.2f} requests an account, {run['rate_limited']} x 429; "
                f"CPU s: workers {cpu['workers']:.1f}, PostgreSQL {cpu['postgres']:.1f}, "
                f"FakeKit {cpu['fakekit']:.1f}; cores {r['machine_busy']:.0%} busy",
                f"<= {most} requests an account, 0 x 429",
                r["requests_per_account"] <= most and run["rate_limited"] == 0,
            )


ROWS = {
    "decode": decode_rows,
    "ratelimit": ratelimit_rows,
    "latency": latency_rows,
    "memory": memory_rows,
    "sync": sync_rows,
    "accounts": accounts_rows,
    "tracing": tracing_rows,
    "fleet": fleet_rows,
}


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    header = ("measure", "measured", "target", "met")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def print_profile(decode: dict[str, Any]) -> None:
    for run in (decode, decode["fast"]):
        profile = run["profile"]
        print(
            f"\n{run['install']} install (models: {run['decoders']['models']}, "
            f"JSON: {run['decoders']['json']}):"
        )
        print("  where kit-async's client CPU goes (cProfile, own time, one walk):")
        for bucket, share in profile["buckets"].items():
            print(f"    {share:6.1%}  {bucket}")
        print("  busiest functions (own CPU time):")
        for row in profile["top"][:6]:
            print(f"    {row['tottime']:7.4f} s  {row['calls']:>7}  {row['function']}")
        print("  per 1,000-click page, offline (ms of CPU):")
        for label, ms in run["micro_ms_per_page"].items():
            print(f"    {ms:7.3f}  {label}")


MEASURES = {
    "decode": bench_decode,
    "ratelimit": bench_ratelimit,
    "latency": bench_latency,
    "memory": bench_memory,
    "sync": bench_sync,
    "accounts": bench_accounts,
    "tracing": bench_tracing,
    "fleet": bench_fleet,
}
#: What a measure needs beyond Python packages, checked before any measure runs.
REQUIREMENTS = {"fleet": fleet_missing}


def _measures(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in MEASURES]
    if unknown or not names:
        msg = (
            f"unknown measure {', '.join(unknown) or repr(text)}; choose from {', '.join(MEASURES)}"
        )
        raise argparse.ArgumentTypeError(msg)
    # The suite's order, each once.
    return [name for name in MEASURES if name in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a smaller smoke run")
    parser.add_argument("--output", type=Path, help="where to write the raw figures (JSON)")
    parser.add_argument(
        "--only",
        type=_measures,
        default=list(MEASURES),
        metavar="NAME[,NAME...]",
        help=f"run only these measures, of: {', '.join(MEASURES)} (default: all)",
    )
    args = parser.parse_args()
    for name in args.only:
        missing = REQUIREMENTS[name]() if name in REQUIREMENTS else []
        if missing:
            others = ",".join(m for m in MEASURES if m != name)
            parser.exit(
                2,
                f"bench: measure {name!r} needs what this machine lacks: {'; '.join(missing)}. "
                f"Install it, or run the others: --only {others}\n",
            )
    cfg = QUICK if args.quick else FULL
    default_name = "results-quick" if args.quick else "results"
    if args.only != list(MEASURES):
        default_name += "-" + "-".join(args.only)
    output = args.output or HERE / f"{default_name}.json"

    started = time.perf_counter()
    info = machine()
    print(
        f"kit-async benchmarks ({'quick' if args.quick else 'full'}) on {info['nproc']} x "
        f"{info['cpu_model']}, Python {info['python']}, load {info['loadavg_at_start']}",
        flush=True,
    )
    results: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "measures": args.only,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": info,
        "versions": versions(),
    }
    for name in args.only:
        results[name] = MEASURES[name](cfg[name])
    results["elapsed_seconds"] = time.perf_counter() - started
    rows = table(results)
    results["table"] = [
        dict(zip(("measure", "measured", "target", "met"), r, strict=True)) for r in rows
    ]
    output.write_text(json.dumps(results, indent=2) + "\n")

    print()
    print_table(rows)
    if "decode" in results:
        print_profile(results["decode"])
    print(f"\nraw figures: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    print(f"elapsed: {results['elapsed_seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
