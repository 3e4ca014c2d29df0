"""FakeKit as a Kit with many creators: its accounts, whose a request is, their tokens.

Every account has its own id, data and credentials. The gate finds the
account a request is for from its credential (one lookup in the server's
`Keyring`) and serves it: while a request is answered, `server.account` is
that account (a context variable the gate sets), so every route serves the
data of the credential's account and no other. Outside a request,
`server.account` is the first account.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from types import EllipsisType
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

from ._account import FakeAccount
from ._authorizations import AuthorizationAsk, Authorizations
from ._credentials import Credentials, Keyring

__all__ = ["Creators", "Tally"]

_K = TypeVar("_K")


class Tally(Mapping[_K, int]):
    """Counts per account id (`tally[account_id]`, 0 for an account never counted).

    Compared with an `int` it is its total, so that `server.refreshes == 1`
    reads as it did when FakeKit had one account.
    """

    __hash__ = None  # type: ignore[assignment]

    def __init__(self) -> None:
        self._counts: dict[_K, int] = {}

    def __repr__(self) -> str:
        return f"Tally({self._counts!r})"

    def __str__(self) -> str:
        return str(self.total)

    def __getitem__(self, key: _K) -> int:
        return self._counts.get(key, 0)

    def __contains__(self, key: object) -> bool:
        return key in self._counts

    def __iter__(self) -> Iterator[_K]:
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)

    def __int__(self) -> int:
        return self.total

    def __eq__(self, other: object) -> bool:
        if isinstance(other, int):
            return self.total == other
        if isinstance(other, Mapping):
            return self._counts == dict(other)
        return NotImplemented

    def __lt__(self, other: int) -> bool:
        return self.total < other

    def __le__(self, other: int) -> bool:
        return self.total <= other

    def __gt__(self, other: int) -> bool:
        return self.total > other

    def __ge__(self, other: int) -> bool:
        return self.total >= other

    @property
    def total(self) -> int:
        """The sum over every account."""
        return sum(self._counts.values())

    def add(self, key: _K) -> None:
        """Count one more for `key`."""
        self._counts[key] = self._counts.get(key, 0) + 1

    def clear(self) -> None:
        """Start counting again from zero."""
        self._counts.clear()


class Creators:
    """`FakeKit`'s accounts, their credentials and the creator's side of OAuth.

    Args:
        clock: Returns the current time for every timestamp FakeKit sets.
        token_ttl: The accounts' default access-token lifetime, in seconds.
        client_id: The OAuth client id the authorization page accepts.
    """

    def __init__(
        self, *, clock: Callable[[], datetime], token_ttl: float | None, client_id: str
    ) -> None:
        self.client_id = client_id
        self._clock = clock
        self._token_ttl = token_ttl
        self._keyring = Keyring()
        #: Every account, by Kit's account id, the first one first.
        self.accounts: dict[int, FakeAccount] = {}
        self._holders: dict[Credentials, FakeAccount] = {}
        self._highest_id = 0
        # The account the request being answered is for (set by the gate).
        self._serving: contextvars.ContextVar[FakeAccount | None] = contextvars.ContextVar(
            f"fakekit_account_{id(self)}", default=None
        )
        #: Successful refresh-token grants, by account id.
        self.refreshes: Tally[int] = Tally()
        #: Refused refresh-token grants, by the account whose refresh token it
        #: was (a rotated or revoked one); `None` for a token never issued.
        self.refused_refreshes: Tally[int | None] = Tally()
        #: Authorization codes exchanged for a pair, by account id.
        self.code_exchanges: Tally[int] = Tally()
        # Kit's OAuth authorization server: the codes the page issued.
        self.authorizations = Authorizations(clock)

    @property
    def account(self) -> FakeAccount:
        """The first account; while a request is answered, the request's account."""
        serving = self._serving.get()
        return serving if serving is not None else next(iter(self.accounts.values()))

    def add_account(
        self,
        *,
        name: str | None = None,
        account_id: int | None = None,
        email: str | None = None,
        broadcasts: int = 10,
        clicks: int | Mapping[int, int] = 1200,
        drafts: int = 2,
        api_key: str | None = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
        token_ttl: float | EllipsisType | None = ...,
    ) -> FakeAccount:
        """Add a creator's account, with its own id, data and credentials.

        ```python
        async with FakeKit() as server:
            bob = server.add_account(name="Bob")
            access, refresh = server.issue_tokens(account=bob)
            assert server.accounts[bob.id] is bob
        ```

        Args:
            name: The account's name (`Creator <id>` by default).
            account_id: Kit's id for it (by default one more than the highest).
            email: The creator's email address (`creator<id>@example.com`).
            broadcasts: How many broadcasts it has (as `FakeKit(broadcasts=)`).
            clicks: Clicks per sent broadcast, or a mapping id -> count.
            drafts: How many of the broadcasts are unsent.
            api_key: Its API key (a random one by default).
            access_token: An OAuth access token of its, if any.
            refresh_token: The refresh token that goes with `access_token`.
            token_ttl: Seconds its access tokens stay valid (`None`: forever;
                by default the server's `token_ttl`).

        Returns:
            The account, also in `server.accounts[account.id]`.

        Raises:
            ValueError: `account_id` is taken, or a credential is another account's.
        """
        if account_id is None:
            account_id = self._highest_id + 1
        if account_id in self.accounts:
            msg = f"this FakeKit already has an account {account_id}"
            raise ValueError(msg)
        account = FakeAccount(
            broadcasts=broadcasts,
            clicks=clicks,
            drafts=drafts,
            clock=self._clock,
            api_key=api_key,
            token_ttl=self._token_ttl if isinstance(token_ttl, EllipsisType) else token_ttl,
            account_id=account_id,
            name=name if name is not None else f"Creator {account_id}",
            email=email,
            keyring=self._keyring,
        )
        if access_token is not None:
            account.credentials.add_access(access_token)
        if refresh_token is not None:
            account.credentials.add_refresh(refresh_token)
        self.accounts[account_id] = account
        self._highest_id = max(self._highest_id, account_id)
        self._holders[account.credentials] = account
        return account

    def account_of(self, credential: str) -> FakeAccount | None:
        """The account an API key or a token (live, expired or spent) belongs to, if any."""
        owner = self._keyring.owner(credential) or self._keyring.spent_owner(credential)
        return None if owner is None else self._holders.get(owner)

    def _find(self, account: FakeAccount | int | None) -> FakeAccount:
        if account is None:
            return self.account
        if isinstance(account, FakeAccount):
            return account
        try:
            return self.accounts[account]
        except KeyError:
            msg = f"this FakeKit has no account {account}"
            raise KeyError(msg) from None

    @contextlib.contextmanager
    def serving(self, account: FakeAccount) -> Iterator[None]:
        """Answer as `account` inside the block (`server.account` is it)."""
        token = self._serving.set(account)
        try:
            yield
        finally:
            self._serving.reset(token)

    @property
    def api_key(self) -> str:
        """The first account's API key."""
        return self.account.credentials.api_key

    @api_key.setter
    def api_key(self, value: str) -> None:
        self.account.credentials.api_key = value

    @property
    def token_ttl(self) -> float | None:
        """Seconds the first account's access tokens stay valid (`None`: forever).

        Each account has its own (`account.credentials.ttl`); `FakeKit(token_ttl=)`
        is the default of every account.
        """
        return self.account.credentials.ttl

    def expire_tokens(self, account: FakeAccount | int | None = None) -> None:
        """Make every access token issued so far expire now.

        Args:
            account: Only this account's (a `FakeAccount` or its id); every
                account's by default.
        """
        chosen = list(self.accounts.values()) if account is None else [self._find(account)]
        for each in chosen:
            each.credentials.expire_all()

    def issue_tokens(self, account: FakeAccount | int | None = None) -> tuple[str, str]:
        """Issue a new (access_token, refresh_token) pair, as a grant would.

        Args:
            account: Whose pair (a `FakeAccount` or its id; the first account by default).
        """
        return self._find(account).credentials.issue()

    def approve(self, authorize_url: str, account: FakeAccount | int | None = None) -> str:
        """Allow an app as the creator would on the authorization page: the callback URL.

        Takes the URL the app sent the creator to (any origin: only its
        query is read, checked as `GET /v4/oauth/authorize` checks it) and
        returns where FakeKit's page would redirect the creator: the app's
        `redirect_uri` with a new authorization `code` and the `state`. The
        code is good once, for ten minutes of FakeKit's `clock`, and yields a
        pair for the account that allowed it.

        ```python
        import kit_async.oauth

        async with FakeKit() as server:
            request = kit_async.oauth.authorization_request(
                client_id=server.client_id,
                redirect_uri="http://127.0.0.1:8000/callback",
                authorize_url=f"{server.url}/v4/oauth/authorize",
            )
            callback_url = server.approve(request.url)  # ...?code=...&state=...
            assert callback_url.startswith("http://127.0.0.1:8000/callback?code=")
        ```

        Args:
            authorize_url: The app's authorization URL.
            account: The creator who allows it (a `FakeAccount` or its id); by
                default the URL's `account_id` parameter if any, else the
                first account.

        Raises:
            ValueError: the request is not one Kit would serve (unknown
                `client_id`, no PKCE S256 challenge, no absolute `redirect_uri`).
            KeyError: there is no such account.
        """
        query = self._query(authorize_url)
        ask = AuthorizationAsk.read(query, self.client_id)
        if account is None and query.get("account_id", "").isdigit():
            account = int(query["account_id"])
        return self.authorizations.allow(ask, self._find(account).id)

    def deny(self, authorize_url: str) -> str:
        """Deny an app, as the page's Deny button: the callback URL with `error=access_denied`.

        Raises:
            ValueError: the request is not one Kit would serve (as `approve`).
        """
        query = self._query(authorize_url)
        return self.authorizations.deny(AuthorizationAsk.read(query, self.client_id))

    @staticmethod
    def _query(authorize_url: str) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(authorize_url).query, keep_blank_values=True))
