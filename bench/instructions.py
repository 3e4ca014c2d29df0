"""Measure 1 counted in instructions: what a page costs, whatever else the machine runs.

CPU seconds on a shared machine move by 20-40% from run to run, so a change of
a few percent in kit-async's decoding cannot be seen in measure 1. The number
of instructions the client executes does not move: this script runs measure
1's two walks (`bench/_cases.py`: kit-async's `iter_broadcast_clicks(...)
.pages()` and the hand-written `await resp.json()` loop) under valgrind's
callgrind, which counts the instructions executed, and prints them per page
of 1,000 clicks, with the same two pieces offline: parsing one page
(`json.loads`) and decoding it (`read_items`, bytes to models).

    python bench/instructions.py                # both installs, 20 pages a walk
    python bench/instructions.py --pages 5 --installs fast

Needs valgrind (`apt-get install valgrind`); each install takes a minute or two.
An instruction is not a unit of time (a cache miss costs far more than an
addition), so these figures rank changes; the ratios of measure 1 remain CPU
seconds. Only what runs inside `itertools.starmap` is counted: each walk is
started through it, and callgrind's collection is toggled on that function.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Callable
from itertools import starmap
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STEPS = ("raw walk", "kit-async walk", "json.loads (one page)", "read_items (one page)")
#: Offline pieces are repeated, so that one run is not dominated by a first call.
REPEAT = 5


def _count(step: Callable[[], Any]) -> None:
    """Run `step` once inside `starmap`, where callgrind counts (see the docstring)."""
    deque(starmap(step, [()]), maxlen=0)


def child(install: str, pages: int) -> None:
    """The measured process: the walks, then the offline pieces, each counted apart."""
    if install == "default":  # as where the extras are not installed
        for name in ("msgspec", "orjson"):
            sys.modules[name] = None  # type: ignore[assignment]
    sys.path.insert(0, str(HERE))
    import _cases
    from run import Server

    from kit_async._converter import read_items
    from kit_async._resources.broadcasts import CLICKS
    from kit_async.models import BroadcastClick

    with Server(broadcasts=1, drafts=0, clicks=pages * 1000, cache=True) as server:
        o = {"url": server.url, "api_key": server.api_key}
        body = asyncio.run(_cases.first_page(o))

        def walk_raw() -> None:
            asyncio.run(_cases._walk_raw(o, 1, None))

        def walk_kit() -> None:
            asyncio.run(_cases._walk_kit(o, 1))

        def parse() -> None:
            for _ in range(REPEAT):
                json.loads(body)

        def decode() -> None:
            for _ in range(REPEAT):
                read_items(body, BroadcastClick, CLICKS.envelope, method="GET", path="/x")

        for step in (walk_raw, walk_kit, parse, decode):
            step()  # warm up: connection pool, generated functions
        for step in (walk_raw, walk_kit, parse, decode):
            _count(step)


def measure(install: str, pages: int) -> dict[str, float]:
    """Millions of instructions per page for each of `STEPS`."""
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "callgrind.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=starmap_next",
                "--dump-after=starmap_next",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--child",
                install,
                "--pages",
                str(pages),
            ],
            check=True,
            capture_output=True,
            cwd=HERE.parent,
        )
        counts = []
        for dump in sorted(
            Path(directory).glob("callgrind.out.*"), key=lambda p: int(p.suffix[1:])
        ):
            summary = next(
                line for line in dump.read_text().splitlines() if line.startswith("summary:")
            )
            if int(summary.split()[1]) > 10_000:  # each starmap also ends once, counting nothing
                counts.append(int(summary.split()[1]))
    if len(counts) != len(STEPS):
        msg = f"expected {len(STEPS)} counted steps, found {len(counts)}"
        raise RuntimeError(msg)
    per = (pages, pages, REPEAT, REPEAT)
    return {step: count / n / 1e6 for step, count, n in zip(STEPS, counts, per, strict=True)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=20, help="pages of 1,000 clicks a walk")
    parser.add_argument("--installs", default="default,fast", help="default, fast or both")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.pages)
        return 0
    print(f"millions of instructions per page of 1,000 clicks ({args.pages} pages a walk)")
    for install in args.installs.split(","):
        counts = measure(install, args.pages)
        ratio = counts["kit-async walk"] / counts["raw walk"]
        print(f"\n{install} install: kit-async / hand-written loop = {ratio:.2f}")
        for step, millions in counts.items():
            print(f"  {millions:7.2f}  {step}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
