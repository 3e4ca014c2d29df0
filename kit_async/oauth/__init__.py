"""Kit Apps: connect creators with OAuth, keep their token pairs in a store shared by workers.

- Connecting a creator: `authorization_request()` builds the URL to send the
  creator to (with PKCE and a `state`), `connect()` finishes on the app's
  callback and saves the pair in a token store, `revoke()` disconnects.
- Token stores, one protocol (`TokenStore`): `MemoryTokenStore` for tests and
  a single process, and the shared ones opened by URL with
  `open_token_store()` (SQLite, PostgreSQL, Redis), encrypted at rest, with a
  lock per account that works across processes.

- A client for one connected account: `KitClient(token_store=store,
  account_id=..., client_id=...)` takes the pair from the store and refreshes
  it once across all the workers that share the store.

Work in progress: the account pool comes next (see the guide, "Building a
Kit App").
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
from ._open import SharedTokenStore, open_token_store
from ._store import AccountStatus, TokenStore

__all__ = [
    "AccountStatus",
    "AuthorizationRequest",
    "ConnectedAccount",
    "MemoryTokenStore",
    "SharedTokenStore",
    "TokenStore",
    "authorization_request",
    "connect",
    "open_token_store",
    "revoke",
]
