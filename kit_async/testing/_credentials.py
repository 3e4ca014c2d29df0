"""An account's credentials: its API key, and the OAuth tokens issued for it.

Each `FakeAccount` holds its own `Credentials`. Every credential of every
account of one `FakeKit` is also listed in the server's `Keyring`, so that the
gate finds whose a request is from the credential it carries in one lookup,
whatever the number of accounts.

Access tokens expire on `time.time()` (the wall clock, as the `created_at`
of Kit's token answer), not on FakeKit's `clock` nor on an event loop's: a
test in another thread or process reasons about expiries from the pair's
`expires_in` alone.
"""

from __future__ import annotations

import secrets
import time

__all__ = ["Credentials", "Keyring"]


class Keyring:
    """Every live credential of a server's accounts: whose it is.

    A refresh token spent (by a refresh or a revoke) stays known as spent, so
    that a refused refresh can be counted against the account it came from.
    """

    def __init__(self) -> None:
        self._owners: dict[str, Credentials] = {}
        self._spent: dict[str, Credentials] = {}

    def __repr__(self) -> str:
        return f"<Keyring: {len(self._owners)} credentials>"

    def owner(self, credential: str) -> Credentials | None:
        """The credentials `credential` belongs to (live or expired), if any."""
        return self._owners.get(credential)

    def spent_owner(self, refresh: str) -> Credentials | None:
        """The credentials whose spent refresh token `refresh` was, if it was one."""
        return self._spent.get(refresh)

    def add(self, credential: str, owner: Credentials) -> None:
        """List `credential` as `owner`'s (an API key or a token)."""
        if credential in self._owners and self._owners[credential] is not owner:
            msg = "this credential already belongs to another FakeKit account"
            raise ValueError(msg)
        self._owners[credential] = owner

    def drop(self, credential: str, *, spent: bool = False) -> None:
        """Forget `credential`; a spent refresh token is remembered as spent."""
        owner = self._owners.pop(credential, None)
        if spent and owner is not None:
            self._spent[credential] = owner


class Credentials:
    """The API key, access tokens (with their expiry) and refresh tokens Kit accepts.

    Args:
        api_key: The account's API key.
        ttl: Seconds an issued access token stays valid (`None`: forever).
        keyring: The server's list of every account's credentials (a
            private one by default).
    """

    def __init__(self, api_key: str, ttl: float | None, keyring: Keyring | None = None) -> None:
        self.keyring = keyring if keyring is not None else Keyring()
        self._api_key = ""
        self.api_key = api_key
        self.ttl = ttl
        self._access: dict[str, float | None] = {}
        self._refresh: set[str] = set()
        # Each issued pair, both ways: revoking either token revokes both.
        self._partner: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<Credentials: {len(self._access)} access tokens, ttl={self.ttl}>"

    @property
    def api_key(self) -> str:
        """The account's API key (setting it retires the old one)."""
        return self._api_key

    @api_key.setter
    def api_key(self, value: str) -> None:
        self.keyring.add(value, self)
        if self._api_key and self._api_key != value:
            self.keyring.drop(self._api_key)
        self._api_key = value

    def is_api_key(self, key: str) -> bool:
        """Whether `key` is the account's API key (compared in constant time)."""
        return secrets.compare_digest(key.encode(), self.api_key.encode())

    def _expiry(self) -> float | None:
        return None if self.ttl is None else time.time() + self.ttl

    def add_access(self, token: str) -> None:
        """Accept `token` as an access token (it expires after `ttl`)."""
        self.keyring.add(token, self)
        self._access[token] = self._expiry()

    def add_refresh(self, token: str) -> None:
        """Accept `token` as a refresh token, once."""
        self.keyring.add(token, self)
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
        # Over a copy: a test thread may call this while the server's loop issues tokens.
        for token in list(self._access):
            self._access[token] = time.time() - 1

    def expiry(self, token: str) -> float | None:
        """When an access token expires (a `time.time()`; `None`: never).

        Raises:
            KeyError: `token` is not one of this account's access tokens.
        """
        return self._access[token]

    def problem(self, token: str) -> str | None:
        """Why `token` is refused (Kit's message), or `None` when it is valid."""
        if token not in self._access:
            return "The access token is invalid"
        expiry = self._access[token]
        if expiry is not None and time.time() >= expiry:
            return "The access token expired"
        return None

    def redeem(self, refresh: str) -> bool:
        """Use up a refresh token (Kit rotates them); whether it was valid."""
        if refresh not in self._refresh:
            return False
        self._refresh.discard(refresh)
        self.keyring.drop(refresh, spent=True)
        return True

    def revoke(self, token: str) -> bool:
        """Revoke `token` and the other token of its pair; whether it was known (RFC 7009)."""
        known = token in self._access or token in self._refresh
        for each in (token, self._partner.pop(token, None)):
            if each is None:
                continue
            self._partner.pop(each, None)
            if each in self._refresh:
                self._refresh.discard(each)
                self.keyring.drop(each, spent=True)
            elif each in self._access:
                del self._access[each]
                self.keyring.drop(each)
        return known
