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
#: The collector's first-generation threshold of Python 3.13, set by the
#: executable where the interpreter's is lower.
FIRST_GENERATION_THRESHOLD = 2000


def console() -> int:
    """The `kit-async` executable: `main()` in a process of its own.

    An export makes and drops a million small objects. Two settings keep the
    cyclic collector's share of that small (see docs/performance.md): every
    object alive after start-up is frozen out of its way, and on Python 3.11
    and 3.12 its first generation is collected after 2,000 new objects instead
    of 700, as Python 3.13 does by default, so a page of 1,000 clicks no
    longer sets off a collection while it is being decoded. Only a whole
    program may decide that, so `main()` itself, called in-process, does not.

    For the same reason the executable, not the library, quiets stamina's
    WARNING for each retry (a bare `stamina.retry_scheduled` line on stderr,
    where every failure is otherwise one line of the command's own).
    """
    try:
        from ._cli import main
    except KeyboardInterrupt:
        print("kit-async: interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    import logging  # already loaded by the command line's imports

    logging.getLogger("stamina").setLevel(logging.ERROR)
    gc.freeze()
    first, *older = gc.get_threshold()
    if 0 < first < FIRST_GENERATION_THRESHOLD:  # 0: the user turned collection off
        gc.set_threshold(FIRST_GENERATION_THRESHOLD, *older)
    return main()
