"""Kit Apps: connect creators with OAuth, keep their token pairs in a store shared by workers.

Work in progress (see CHANGELOG): the token-store protocol is settled here
first, so that the stores and the connect flow are built against one shape.
"""

from __future__ import annotations

from ._store import AccountStatus, TokenStore

__all__ = ["AccountStatus", "TokenStore"]

# The shared stores, opened by URL and encrypted at rest.
from ._open import SharedTokenStore, open_token_store

__all__ += ["SharedTokenStore", "open_token_store"]
