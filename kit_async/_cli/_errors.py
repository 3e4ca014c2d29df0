"""Exit codes and the mapping of every expected failure to one of them.

A command ends by returning an exit code or raising `_CommandError`, which
`main()` prints as one line on stderr; `_run` turns the exceptions an
asyncio command may raise (Kit's errors, a Ctrl-C, a failed write) into one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from .._entry import EXIT_INTERRUPTED
from ..errors import AuthenticationError, KitError
from ._checkpoint import CheckpointError, CheckpointMismatchError

__all__ = [
    "EXIT_API",
    "EXIT_CODES",
    "EXIT_CONFIG",
    "EXIT_INTERRUPTED",
    "EXIT_LOCAL",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_PIPE",
    "EXIT_USAGE",
]

T = TypeVar("T")

EXIT_OK = 0
EXIT_API = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_NOT_FOUND = 4
EXIT_LOCAL = 5
EXIT_PIPE = 141  # 128 + SIGPIPE, as other Unix tools end under a closed pipe

EXIT_CODES = f"""\
exit codes:
  {EXIT_OK:<4} success
  {EXIT_API:<4} Kit API or network error (after the retries); with --output, rerun
       the same command with --resume to continue
  {EXIT_USAGE:<4} usage error: bad option or broadcast id, --resume without an --output
       file, or a checkpoint made with other arguments
  {EXIT_CONFIG:<4} no credential, both credentials, a bad KIT_BASE_URL, or Kit refused
       the credential (401); worker: a setting missing (see environment)
  {EXIT_NOT_FOUND:<4} some requested broadcasts answered 404 (unknown id, draft or
       scheduled); all the others were exported; sync --account: the token
       store does not hold the account (or holds none)
  {EXIT_LOCAL:<4} a local file (output, checkpoint), database or port cannot be used,
       another sync holds the database, or stdout cannot be written (a full disk);
       worker, sync --account: Redis, the database or the token store cannot be
       reached, or the database is one account's at schema version 1
  {EXIT_INTERRUPTED:<4} interrupted (Ctrl-C); with --output, rerun with --resume
  {EXIT_PIPE:<4} the reader closed the pipe (e.g. | head): kit-async stops quietly
"""

_RESUME_HINT = "; rerun the same command with --resume to continue"


class _CommandError(Exception):
    """Ends a command: one line on stderr and an exit code."""

    def __init__(self, code: int, message: str, *, label: str = "error") -> None:
        super().__init__(message)
        self.code = code
        self.label = label


class _UsageError(_CommandError):
    def __init__(self, message: str, prog: str) -> None:
        super().__init__(EXIT_USAGE, f"{message} (see '{prog} --help')")


def _run(main: Coroutine[Any, Any, T], *, resumable: bool = False, writing: str = "stdout") -> T:
    """Run `main`, turning every expected failure into a `_CommandError`.

    `resumable` says that a rerun with `--resume` continues the work (the
    messages of a failure and of a Ctrl-C say so). `writing` names what the
    data goes to, for a failed write that does not name its file (a full
    disk).
    """
    hint = _RESUME_HINT if resumable else ""
    try:
        return asyncio.run(main)
    except KeyboardInterrupt:
        saved = "; the checkpoint is saved" if resumable else ""
        raise _CommandError(
            EXIT_INTERRUPTED, f"interrupted{saved}{hint}", label="stopped"
        ) from None
    except AuthenticationError as exc:
        raise _CommandError(EXIT_CONFIG, f"Kit refused the credential: {exc}") from None
    except KitError as exc:
        raise _CommandError(EXIT_API, f"{exc}{hint}") from None
    except CheckpointMismatchError as exc:
        raise _CommandError(EXIT_USAGE, str(exc)) from None
    except CheckpointError as exc:
        raise _CommandError(EXIT_LOCAL, str(exc)) from None
    except BrokenPipeError:
        raise  # the reader went away (`| head`): main() ends quietly
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else f"cannot write to {writing}: "
        raise _CommandError(EXIT_LOCAL, f"{where}{exc.strerror or exc}") from None
