"""What every resource module builds on: object endpoints and id checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from .._converter import Envelope, decode_object

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
class ObjectEndpoint(Generic[T]):
    """A Kit endpoint that answers with one object."""

    path: str
    model: type[T]
    envelope: Envelope

    async def fetch(self, transport: Transport, path_params: Mapping[str, Any]) -> T:
        path = self.path.format(**path_params)
        body = await transport.request("GET", path)
        return decode_object(body, self.model, self.envelope, method="GET", path=path)


class Resource:
    """Base of the resource namespaces (`kit.broadcasts`, ...)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__} resource>"
