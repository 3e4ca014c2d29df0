"""An account's credentials: its API key, and the OAuth tokens issued for it.

Each `FakeAccount` holds its own `Credentials`, so that the gate can tell
whose a request is from the credential it carries (one account today; the
creators who authorized an OAuth app, later).
"""

from __future__ import annotations

import secrets
import time

__all__ = ["Credentials"]


class Credentials:
    """The API key, access tokens (with their expiry) and refresh tokens Kit accepts.

    Args:
        api_key: The account's API key.
        ttl: Seconds an issued access token stays valid (`None`: forever).
    """

    def __init__(self, api_key: str, ttl: float | None) -> None:
        self.api_key = api_key
        self.ttl = ttl
        self._access: dict[str, float | None] = {}
        self._refresh: set[str] = set()
        # Each issued pair, both ways: revoking either token revokes both.
        self._partner: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<Credentials: {len(self._access)} access tokens, ttl={self.ttl}>"

    def is_api_key(self, key: str) -> bool:
        """Whether `key` is the account's API key (compared in constant time)."""
        return secrets.compare_digest(key.encode(), self.api_key.encode())

    def _expiry(self) -> float | None:
        return None if self.ttl is None else time.monotonic() + self.ttl

    def add_access(self, token: str) -> None:
        """Accept `token` as an access token (it expires after `ttl`)."""
        self._access[token] = self._expiry()

    def add_refresh(self, token: str) -> None:
        """Accept `token` as a refresh token, once."""
        self._refresh.add(token)

    def issue(self) -> tuple[str, str]:
        """A new (access token, refresh token) pair."""
        access, refresh = f"fake_at_{secrets.token_hex(12)}", f"fake_rt_{secrets.token_hex(12)}"
        self.add_access(access)
        self.add_refresh(refresh)
        self._partner[access], self._partner[refresh] = refresh, access
        return access, refresh

    def expire_all(self) -> None:
        """Make every access token issued so far expire now."""
        for token in self._access:
            self._access[token] = time.monotonic() - 1

    def problem(self, token: str) -> str | None:
        """Why `token` is refused (Kit's message), or `None` when it is valid."""
        if token not in self._access:
            return "The access token is invalid"
        expiry = self._access[token]
        if expiry is not None and time.monotonic() >= expiry:
            return "The access token expired"
        return None

    def redeem(self, refresh: str) -> bool:
        """Use up a refresh token (Kit rotates them); whether it was valid."""
        if refresh not in self._refresh:
            return False
        self._refresh.discard(refresh)
        return True

    def revoke(self, token: str) -> bool:
        """Revoke `token` and the other token of its pair; whether it was known (RFC 7009)."""
        known = token in self._access or token in self._refresh
        for each in (token, self._partner.pop(token, None)):
            if each is None:
                continue
            self._partner.pop(each, None)
            self._access.pop(each, None)
            self._refresh.discard(each)
        return known
