"""What every resource module builds on: object endpoints and id checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from .._converter import Envelope, decode_object
from .._http import NO_BODY, Request
from ..errors import KitError

if TYPE_CHECKING:
    from .._transport import Transport

T = TypeVar("T")


def check_id(name: str, value: object) -> int:
    """Refuse anything but a positive int: an id before it reaches a URL path, or a count."""
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{name} must be an int, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    if value < 1:
        msg = f"{name} must be a positive int, got {value}"
        raise ValueError(msg)
    return value


@attrs.frozen
class Endpoint(Generic[T]):
    """A Kit endpoint that answers with one object, declared in a resource module.

    Attributes:
        method: The HTTP method.
        path: The path template, e.g. `/v4/broadcasts/{broadcast_id}`.
        model: The attrs class the answer decodes into.
        envelope: Where the object sits in the body (and fields taken from it).
        retry_safe: Whether sending it twice is harmless (`None`: by method;
            see `Request.retry_safe`).
        oauth_only: Kit serves it to OAuth apps only.
    """

    method: str
    path: str
    model: type[T]
    envelope: Envelope
    retry_safe: bool | None = None
    oauth_only: bool = False

    def request(
        self,
        path_params: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = NO_BODY,
    ) -> Request:
        """The `Request` for one call."""
        return Request.to(
            self.method,
            self.path,
            path_params,
            params={name: value for name, value in (params or {}).items() if value is not None},
            json=json,
            retry_safe=self.retry_safe,
            oauth_only=self.oauth_only,
        )

    async def call(
        self,
        transport: Transport,
        path_params: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = NO_BODY,
    ) -> T:
        """Send one call and decode its answer."""
        request = self.request(path_params, params=params, json=json)
        body = await transport.request_json(request)
        try:
            return decode_object(
                body, self.model, self.envelope, method=request.method, path=request.path
            )
        except KitError as exc:
            request.annotate(exc)
            raise


class Resource:
    """Base of the resource namespaces (`kit.broadcasts`, ...)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} resource>"
