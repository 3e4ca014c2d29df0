"""What FakeKit puts on the wire: JSON bodies and Kit's error shapes."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

_dumps: Callable[[Any], bytes]
try:
    import orjson

    _dumps = orjson.dumps
except ImportError:  # orjson is optional

    def _dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()


def dumps(value: Any) -> bytes:
    """`value` as compact JSON bytes (orjson when installed)."""
    # Looked up at each call, so a test can swap in the standard library's.
    return _dumps(value)


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON answer."""
    return web.Response(
        status=status, body=_dumps(body), content_type="application/json", headers=headers
    )


def errors(status: int, *messages: str, headers: Mapping[str, str] | None = None) -> web.Response:
    """Kit's error answer, `{"errors": [...]}`."""
    return json_response({"errors": list(messages)}, status, headers)


def not_found() -> web.Response:
    """Kit's 404, `{"errors": ["Not Found"]}`."""
    return errors(404, "Not Found")


def no_content() -> web.Response:
    """A 204 without a body."""
    return web.Response(status=204)


class Refused(Exception):  # noqa: N818 - a refusal, not an error of FakeKit's
    """Raised by a route to answer with Kit's error body (422 unless told otherwise)."""

    def __init__(self, *messages: str, status: int = 422) -> None:
        super().__init__(*messages)
        self.messages = messages
        self.status = status

    def response(self) -> web.Response:
        """The answer: `{"errors": [...]}` with the status."""
        return errors(self.status, *self.messages)


class NotFound(Refused):
    """Kit's 404 for an id it does not know."""

    def __init__(self) -> None:
        super().__init__("Not Found", status=404)
