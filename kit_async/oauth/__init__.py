"""Kit Apps: connect creators with OAuth, keep their token pairs in a store shared by workers.

Work in progress (see CHANGELOG): the token-store protocol is settled here
first, so that the stores and the connect flow are built against one shape.
"""

from __future__ import annotations

from ._connect import (
    AuthorizationRequest,
    ConnectedAccount,
    authorization_request,
    connect,
    revoke,
)
from ._memory import MemoryTokenStore
from ._store import AccountStatus, TokenStore

__all__ = [  # noqa: RUF022 - grouped by piece, so that parallel additions merge
    "AccountStatus",
    "TokenStore",
    # Connecting a creator (h16).
    "AuthorizationRequest",
    "ConnectedAccount",
    "MemoryTokenStore",
    "authorization_request",
    "connect",
    "revoke",
]
