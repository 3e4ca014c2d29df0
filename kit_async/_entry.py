"""The `kit-async` executable's entry point, kept free of imports.

Everything the command line needs (aiohttp and the rest) is imported inside
`console()`, where a Ctrl-C during start-up ends like any other interruption:
one line and exit code 130, not a traceback.
"""

from __future__ import annotations

import sys

__all__ = ["EXIT_INTERRUPTED", "console"]

EXIT_INTERRUPTED = 130


def console() -> int:
    """The `kit-async` executable: `main()` in a process of its own.

    The executable, not the library, quiets stamina's WARNING for each retry
    (a bare `stamina.retry_scheduled` line on stderr, where every failure is
    otherwise one line of the command's own).
    """
    try:
        from ._cli import main
    except KeyboardInterrupt:
        print("kit-async: interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    import logging  # already loaded by the command line's imports

    logging.getLogger("stamina").setLevel(logging.ERROR)
    return main()
