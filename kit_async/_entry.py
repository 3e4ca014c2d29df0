"""The `kit-async` executable's entry point, kept free of imports.

Everything the command line needs (aiohttp and the rest) is imported inside
`console()`, where a Ctrl-C during start-up ends like any other interruption:
one line and exit code 130, not a traceback.
"""

from __future__ import annotations

import gc
import sys

__all__ = ["EXIT_INTERRUPTED", "console"]

EXIT_INTERRUPTED = 130


def console() -> int:
    """The `kit-async` executable: `main()` in a process of its own.

    An export makes and drops a million small objects; with every object
    alive after start-up frozen out of the collector's way, the full
    collections that stream triggers stay cheap (a fifth of the CPU of a
    long export, see docs/performance.md). Only a whole program may decide
    that, so `main()` itself, called in-process, does not.
    """
    try:
        from ._cli import main
    except KeyboardInterrupt:
        print("kit-async: interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    gc.freeze()
    return main()
