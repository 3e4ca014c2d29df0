"""JSON text into Python values: the one parser every body goes through.

As the standard library reads JSON, refusing what is not JSON's (`NaN`,
`Infinity`, numbers beyond a float's range), and with msgspec's speed when
`kit-async[fast]` is installed; whatever msgspec refuses is read by the
standard library, so the values and the errors are the same either way.
`parse_body` reads a reply's body with it, for every decoding path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from .errors import ResponseValidationError

try:  # msgspec is optional (`kit-async[fast]`): it parses faster.
    import msgspec
except ImportError:
    msgspec = None  # type: ignore[assignment]

__all__ = ["loads", "parse_body"]


def _refuse_constant(name: str) -> Any:
    msg = f"{name} is not a JSON number"
    raise ValueError(msg)


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        msg = f"a number beyond a float's range ({len(text)} characters)"
        raise ValueError(msg)
    return value


_STRICT_JSON = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)
# Floats parsed in C: a Python call per float (`_finite_float`) adds about a
# third to the parse of a page of clicks. Used where no number can overflow.
_JSON = json.JSONDecoder(parse_constant=_refuse_constant)

# Each byte of UTF-8 JSON as `_may_overflow` reads it: a digit as "0", an
# exponent's letter or sign as "e", anything else as a space.
_NUMBER_SHAPE = bytes(
    ord("0") if byte in b"0123456789" else ord("e") if byte in b"eE+-" else ord(" ")
    for byte in range(256)
)


def _may_overflow(text: bytes) -> bool:
    """Whether UTF-8 JSON may hold a number beyond a float's range (C scans only).

    Such a number has an exponent of three digits or more, or at least 210
    digits before its exponent (309 without one). Strings or negative numbers
    of the same shape only send the text to the slower, checking parser.
    """
    shape = text.translate(_NUMBER_SHAPE)
    return b"e000" in shape or b"0" * 200 in shape


def _json_loads(text: str | bytes) -> Any:
    """JSON as the standard library reads it, refusing what is not JSON's.

    `NaN`, `Infinity` and `-Infinity` are Python's extension, not JSON; a
    number beyond a float's range would become `inf`, which no JSON can
    carry back. Both raise `ValueError`, like any text that is not JSON.
    """
    if isinstance(text, str):
        return _STRICT_JSON.decode(text)
    # As `json.loads` reads bytes: UTF-8, -16 or -32, found from the first bytes.
    encoding = json.detect_encoding(text)
    decoder = _JSON if encoding == "utf-8" and not _may_overflow(text) else _STRICT_JSON
    return decoder.decode(text.decode(encoding, "surrogatepass"))


def _loads_with_msgspec(text: str | bytes) -> Any:
    try:
        return _msgspec_loads(text)
    except (_MsgspecDecodeError, UnicodeDecodeError):
        # What msgspec refuses and the standard library takes (an integer
        # beyond 64 bits, a lone surrogate, UTF-16) is read as without the
        # extra; what both refuse raises the same error as without it.
        # (msgspec before 0.20 let a UnicodeDecodeError out for bad UTF-8.)
        return _json_loads(text)


if msgspec is not None:
    _msgspec_loads = msgspec.json.decode
    _MsgspecDecodeError = msgspec.DecodeError
    _loads: Callable[[str | bytes], Any] = _loads_with_msgspec
else:
    _loads = _json_loads


def loads(text: str | bytes) -> Any:
    """Parse JSON as the standard library does (with msgspec's speed when installed).

    Duplicate keys: the last one wins. Strings keep what their escapes say,
    even a lone surrogate (a `str` Python holds but cannot encode as UTF-8).

    Raises:
        ValueError: The text is not JSON: malformed, not UTF-8 (or UTF-16/32),
            `NaN` or `Infinity`, a number beyond a float's range, an integer
            of more than 4,300 digits, or nested too deeply to read.
    """
    try:
        return _loads(text)
    except RecursionError:
        msg = "the JSON is nested too deeply"
        raise ValueError(msg) from None


def parse_body(content: bytes, *, method: str, path: str) -> Any:
    """A reply's JSON body; `None` when it has none (204).

    Raises:
        ResponseValidationError: The body is not JSON.
    """
    if not content.strip():
        return None
    try:
        return loads(content)
    except ValueError as exc:
        preview = content[:80].decode("utf-8", "replace")
        msg = f"the body is not JSON ({_reason(exc)}): {preview!r}"
        raise ResponseValidationError(msg, method=method, path=path) from None


def _reason(exc: ValueError) -> str:
    """Why a text is not JSON, in one short line."""
    return str(exc).split("\n", 1)[0][:120]
