"""Field types that say how Kit writes a value, for the converter to decode."""

from __future__ import annotations

from typing import Annotated

__all__ = ["IdText"]


class _SentAsText:
    """Marks an `int` that Kit sends as a string of digits."""

    def __repr__(self) -> str:
        return "sent as text"


#: An id Kit sends as a string of digits (`"456"`) where its other endpoints
#: send an integer: decoded to an `int`, so ids are ints throughout the library.
IdText = Annotated[int, _SentAsText()]
