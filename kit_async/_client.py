"""`KitClient`: the async session manager and the entry point of the library."""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, Literal, NoReturn, ParamSpec, Self, TypeVar

import aiohttp

from ._core.auth import TokenCallback
from ._core.config import DEFAULT_BASE_URL, transport_for
from ._core.fanout import FanOutStream, over_list_method
from ._core.hooks import WithHooks
from ._core.pagination import AsyncPaginator
from ._core.ratelimit import RateLimit
from ._core.store_auth import DisconnectCallback
from ._core.transport import RetryPolicy
from ._core.validation import MAX_PER_PAGE, check_method, check_path
from ._core.values import NO_BODY, Request, compact
from ._deprecated import DeprecatedNames
from ._resources.account import AccountEndpoints
from ._resources.broadcast_clicks import BroadcastIds, ClickStream
from ._resources.broadcasts import Broadcasts
from ._resources.custom_fields import CustomFields
from ._resources.email_templates import EmailTemplates
from ._resources.forms import Forms
from ._resources.posts import Posts
from ._resources.purchases import Purchases
from ._resources.segments import Segments
from ._resources.sequences import Sequences
from ._resources.snippets import Snippets
from ._resources.subscribers import Subscribers
from ._resources.tags import Tags
from ._resources.webhook_endpoints import WebhookEndpoints
from ._resources.webhooks import LegacyWebhooks
from ._views import ClientViews
from .models import BroadcastClick

if TYPE_CHECKING:
    from .oauth import TokenStore

__all__ = ["DEFAULT_BASE_URL", "KitClient"]

P = ParamSpec("P")
T = TypeVar("T")


class KitClient(DeprecatedNames, ClientViews, WithHooks):
    """An async client for Kit's v4 API, with one pooled session.

    ```python
    async with kit_async.KitClient(api_key="kit_...") as kit:
        async for click in kit.iter_broadcast_clicks(147):
            print(click.url, click.unique_clicks)
    ```

    Args:
        api_key: A Kit API key (sent as `X-Kit-Api-Key`). Falls back to the
            environment variable `KIT_API_KEY`.
        access_token: An OAuth access token (sent as `Authorization: Bearer`),
            used instead of an API key. Falls back to `KIT_ACCESS_TOKEN`.
        refresh_token: With `client_id` (required with it), lets the client
            refresh an expired access token by itself (once, for all
            concurrent requests).
        client_id: Your OAuth application's client id; only with
            `refresh_token` or `token_store` (required with either).
        client_secret: Your OAuth application's secret, if it has one; only
            with `refresh_token` or `token_store`.
        on_token_refresh: Called (plain function or coroutine function) with
            the new `TokenSet` after each refresh; only with
            `refresh_token`. Kit rotates the refresh token, so persist both
            tokens here. If it raises, the client keeps the new pair, raises
            `TokenSaveError` and calls it again before its next request
            (see the OAuth guide). Without it, a refreshed pair lives only
            in the client's memory.
        token_expires_at: When `access_token` expires (Unix seconds or an
            aware datetime; `TokenSet.expires_at` of a persisted pair). With
            a refresh token, the client refreshes before sending once this
            is under a minute away, instead of spending a request on a 401.
            Refreshed tokens carry their own expiry.
        token_url: Where to refresh tokens; defaults to
            `{base_url}/v4/oauth/token`. Like `base_url`, it must be
            `https://` except for loopback hosts.
        token_store: A `kit_async.oauth.TokenStore` holding the pair of
            `account_id`, instead of `access_token`: workers sharing the
            store refresh each pair once, through its lock (see "Building a
            Kit App"). Needs `account_id` and `client_id`.
        account_id: The Kit account (a positive int) of `token_store`'s pair.
        on_disconnected: Called (function or coroutine function) with
            `(account_id, reason)` when Kit refuses the account's pair and
            the store marks it disconnected (`AccountDisconnectedError`);
            what it raises is logged. Only with `token_store`.
        base_url: Kit's origin. Falls back to `KIT_BASE_URL`, then
            `https://api.kit.com`. Must be `https://` except for loopback
            hosts (for tests against `kit_async.testing.FakeKit`). The form
            Kit's docs print, `https://api.kit.com/v4`, is accepted (the
            `/v4` is dropped); any other path is refused.
        timeout: Seconds allowed for each request attempt (finite).
        max_retries: Retries after a first failed attempt (`0`: none). See
            `RetryPolicy` for the waits.
        retry: A full `RetryPolicy`, for finer control than `max_retries`.
        rate_limit: A `RateLimit`, shared by all requests of this client (and
            by any other client given the same object). `"default"`: Kit's
            limit for the credential, `RateLimit(120, 60.0)` for an API key and
            `RateLimit(600, 60.0)` for OAuth. `None` turns limiting off.
        session: An `aiohttp.ClientSession` to use instead of the client's
            own. The client never closes a session it did not create. Its
            defaults for headers, timeout, redirects and `raise_for_status`
            do not change Kit's requests (each request sets its own); a
            session with default credentials (an `Authorization`,
            `X-Kit-Api-Key` or `Cookie` header, or `auth=`) or with
            `auto_decompress=False` is refused.

    Raises:
        ValueError: no credential or two, a credential with spaces or
            control characters inside, a bad `base_url` (not https, a path
            other than `/v4`, a bad port), `token_url` or `timeout`, or a
            `session` whose defaults would leak into Kit's requests.
            Surrounding whitespace (a CRLF `.env` file) is stripped from the
            credential and the URLs. Also a token set-up that could never
            work, the message naming what is missing or extra:
            `refresh_token` without `client_id` (nothing could refresh the
            token when it expires); `client_id`, `client_secret`,
            `on_token_refresh` or `token_url` without `refresh_token` (they
            serve only to refresh); any of the OAuth options
            (`refresh_token`, `client_id`, `client_secret`,
            `on_token_refresh`, `token_expires_at`, `token_url`) with an API
            key, given or read from `KIT_API_KEY`; an empty `refresh_token`,
            `client_id` or `client_secret`. `token_expires_at` alone with an
            access token is accepted: it describes the token, which is then
            used until Kit says it expired. `token_store` without a
            positive `account_id` or without `client_id`, or with a credential,
            `on_token_refresh` or `token_expires_at` (the store has those).
        TypeError: A callback that is not callable, a `token_store` that is
            not a `TokenStore`, or an argument of the wrong type
            (`account_id`, `token_expires_at`, `rate_limit`, `session`).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        access_token: str | None = None,
        refresh_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        on_token_refresh: TokenCallback | None = None,
        token_expires_at: float | datetime | None = None,
        token_url: str | None = None,
        token_store: TokenStore | None = None,
        account_id: int | None = None,
        on_disconnected: DisconnectCallback | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | Literal["default"] | None = "default",
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._transport = transport_for(
            api_key,
            access_token=access_token,
            refresh_token=refresh_token,
            client_id=client_id,
            client_secret=client_secret,
            on_token_refresh=on_token_refresh,
            token_expires_at=token_expires_at,
            token_url=token_url,
            token_store=token_store,
            account_id=account_id,
            on_disconnected=on_disconnected,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry=retry,
            rate_limit=rate_limit,
            session=session,
        )
        self.broadcasts = Broadcasts(self._transport)
        """Broadcasts, their clicks and their stats: `kit.broadcasts.clicks(id)`, ..."""
        self.tags = Tags(self._transport)
        """Tags and taggings: `kit.tags.create(name)`, `kit.tags.tag_subscriber(...)`, ..."""
        self.account = AccountEndpoints(self._transport)
        """The account: `kit.account.get()`, `kit.account.growth_stats(...)`, ..."""
        self.posts = Posts(self._transport)
        """Posts of the creator's Kit site: `kit.posts.list()`, `kit.posts.get(id)`."""
        self.snippets = Snippets(self._transport)
        """Reusable email content: `kit.snippets.create(...)`, `kit.snippets.update(id, ...)`, ..."""
        self.purchases = Purchases(self._transport)
        """Purchases (OAuth apps only): `kit.purchases.create(...)`, `kit.purchases.list()`, ..."""
        self.segments = Segments(self._transport)
        """Segments: `kit.segments.list()`."""
        self.email_templates = EmailTemplates(self._transport)
        """Email templates for broadcasts: `kit.email_templates.list()`."""
        self.forms = Forms(self._transport)
        """Forms and landing pages: `kit.forms.list()`, `kit.forms.add_subscriber(...)`, ..."""
        self.sequences = Sequences(self._transport)
        """Sequences and their emails: `kit.sequences.create(name=...)`, `.create_email(...)`, ..."""
        self.subscribers = Subscribers(self._transport)
        """Subscribers: `kit.subscribers.create(email)`, `.list()`, `.filter(conditions)`, ..."""
        self.custom_fields = CustomFields(self._transport)
        """Custom fields: `kit.custom_fields.create(label)`, `.bulk_update_values(...)`, ..."""
        self.webhook_endpoints = WebhookEndpoints(self._transport)
        """Signed webhook endpoints: `kit.webhook_endpoints.create(url, events)`, ..."""
        self.legacy_webhooks = LegacyWebhooks(self._transport)
        """Legacy webhooks (`/v4/webhooks`), one event type each: `kit.legacy_webhooks.create(...)`.

        For receiving deliveries see `kit_async.webhooks`; for the signed
        endpoints that replace these, `kit.webhook_endpoints`.
        """

    def __repr__(self) -> str:
        return repr(self._transport)

    def __reduce__(self) -> NoReturn:
        # The default would put the credential (an API key, or the tokens and
        # the client secret) in the bytes, and rebuild a client that shares
        # nothing with this one but its secrets.
        msg = (
            "a KitClient cannot be pickled: it holds a Kit credential and a "
            "connection pool. Build one client per process (or worker) from your "
            "configuration, e.g. KitClient() reading KIT_API_KEY or KIT_ACCESS_TOKEN"
        )
        raise TypeError(msg)

    def __copy__(self) -> NoReturn:
        msg = (
            "a KitClient cannot be copied: share the one client (it serves "
            "concurrent requests), or build another from your configuration"
        )
        raise TypeError(msg)

    def __deepcopy__(self, memo: object) -> NoReturn:
        self.__copy__()

    @property
    def base_url(self) -> str:
        """The origin requests go to."""
        return self._transport.base_url

    @property
    def rate_limit(self) -> RateLimit | None:
        """The client's `RateLimit`, or `None` when limiting is off."""
        return self._transport.rate_limit

    @property
    def retry(self) -> RetryPolicy:
        """The client's `RetryPolicy`."""
        return self._transport.retry

    @property
    def closed(self) -> bool:
        """True once `aclose()` has been called."""
        return self._transport.closed

    async def __aenter__(self) -> Self:
        await self._transport.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client's session (idempotent). A caller's session stays open.

        Requests of this client still waiting (in the rate limiter, between
        retries) or in flight fail at once with `ClientClosedError`, a
        `KitError`: a web app's shutdown does not wait out a rate-limit
        window. A task that was also cancelled by its owner stays cancelled.

        It works from any event loop. Called in another loop than the one
        the client was used in (after a second `asyncio.run()`), it closes
        the session in that loop if it still runs in another thread;
        otherwise that loop closed the session as it shut down (or closes
        it when it does), since a session cannot be closed from outside
        its loop.

        Raises:
            TokenSaveError: A refreshed token pair is still unsaved and
                `on_token_refresh`, called once more, raised again. The
                client is closed all the same.
        """
        await self._transport.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = NO_BODY,
        retry_safe: bool | None = None,
    ) -> Any:
        """Call any Kit endpoint, through the same limiter, retries, auth and errors.

        For what Kit adds before kit-async has a method for it. `path` is
        Kit's path (`/v4/...`), without the origin and without a query:
        put the query in `params` (encoded for you; `None` values left
        out, booleans sent as `true`/`false`) and a body in `json`.

        Args:
            method: `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
            path: The path, starting with `/`.
            params: The query parameters.
            json: A JSON body (dicts, lists, strings, numbers, booleans,
                `None`; datetimes are sent as ISO 8601).
            retry_safe: Whether sending the request twice is harmless. By
                default GET, PUT, PATCH and DELETE are, and POST is not: a
                POST is then retried only when it certainly did not reach
                Kit (a refused connection, a 429), so that a retry never
                creates a second record.

        Returns:
            The decoded JSON body, or `None` when Kit answers without one
            (204).

        ```python
        body = await kit.request("GET", "/v4/broadcasts/1")
        print(body["broadcast"]["subject"])
        ```
        """
        if retry_safe is not None and not isinstance(retry_safe, bool):
            msg = f"retry_safe must be True, False or None, got {retry_safe!r}"
            raise TypeError(msg)
        request = Request(
            check_method(method),
            check_path(path),
            params=compact(params),
            json=json,
            retry_safe=retry_safe,
        )
        return await self._transport.request_json(request)

    def iter_broadcast_clicks(
        self,
        broadcast_id: int,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
    ) -> AsyncPaginator[BroadcastClick]:
        """Every link click of one broadcast: `kit.broadcasts.clicks()`.

        For many broadcasts at once (or every sent broadcast of the
        account), use `iter_clicks_for_broadcasts`, the one entry point for
        that.

        ```python
        async for click in kit.iter_broadcast_clicks(147):
            print(click.url, click.unique_clicks)
        ```
        """
        return self.broadcasts.clicks(broadcast_id, per_page=per_page, after=after, before=before)

    def fan_out(  # noqa: PLR0917 - PEP 612 allows no keyword-only parameter before **P.kwargs
        self,
        list_method: Callable[Concatenate[int, P], AsyncPaginator[T]],
        keys: Iterable[int] | AsyncIterable[int],
        /,
        concurrency: int = 8,
        on_missing: Literal["skip", "raise"] = "raise",
        after: Mapping[int, str] | None = None,
        buffer: int | None = None,
        *args: P.args,
        **arguments: P.kwargs,
    ) -> FanOutStream[int, T]:
        """One list method over many keys, `concurrency` keys at a time.

        The engine of `iter_clicks_for_broadcasts`, for any list method of
        the client that takes an id first and returns an `AsyncPaginator`:
        `kit.broadcasts.clicks`, `kit.tags.subscribers`,
        `kit.forms.subscribers`, `kit.sequences.subscribers`,
        `kit.subscribers.tags`, `kit.sequences.emails`. The items of one key keep their
        order, keys interleave as pages arrive, a key given twice is fetched
        once, and leaving an `async with` block stops every fetcher before
        your next line (see `FanOutStream`).

        Args:
            list_method: A bound list method, such as `kit.broadcasts.clicks`.
            keys: Any iterable or async iterable of ids (read lazily).
            concurrency: Keys fetched at most at once (every request still
                goes through the client's rate limiter).
            on_missing: `"raise"` (the default) raises the `NotFoundError`
                of a key that answers 404; `"skip"` lists it in
                `stream.skipped` and goes on.
            after: Resume cursors, id -> cursor (`list_method` is then called
                with `after=` for those ids).
            buffer: Pages held between the fetchers and you, a positive int
                (default: `concurrency`, or fewer when fewer keys are given
                in a list).
            *args: Passed to every call of `list_method`, after the id.
            **arguments: Passed to every call of `list_method` (`per_page`,
                filters).

        Returns:
            A `FanOutStream` of the method's items: `async for item in
            stream`, or `async for key, page in stream.pages()`.

        Raises:
            TypeError: An argument of the wrong type, a keyword `list_method`
                does not take, or a `list_method` that does not return an
                `AsyncPaginator`.
            ValueError: An argument out of range. Both are raised here,
                before any request: the ids of a collection are checked, and
                `list_method` is called once to check its arguments (making
                a paginator sends nothing; it fetches when iterated).

        Pass `concurrency`, `on_missing`, `after` and `buffer` by keyword.
        They belong to the fan-out, so `after` is the mapping of resume
        cursors; each id's cursor reaches `list_method` as its own `after=`.

        Any other error stops the fan-out and is raised from your
        `async for`, with `err.resource_id` (the failed key) and `err.cursor`
        set, so that key can resume with `after={err.resource_id: err.cursor}`.

        ```python
        async with kit.fan_out(kit.broadcasts.clicks, [1, 2, 3], per_page=500) as stream:
            async for key, page in stream.pages():
                print(key, len(page.items))
        ```
        """
        return over_list_method(
            list_method,
            keys,
            concurrency=concurrency,
            on_missing=on_missing,
            after=after,
            buffer=buffer,
            args=args,
            arguments=arguments,
        )

    def iter_clicks_for_broadcasts(
        self,
        broadcast_ids: BroadcastIds | None = None,
        *,
        concurrency: int = 8,
        per_page: int = MAX_PER_PAGE,
        on_missing: Literal["skip", "raise"] = "skip",
        after: Mapping[int, str] | None = None,
        buffer: int | None = None,
    ) -> ClickStream:
        """Link clicks of many broadcasts, fetched `concurrency` at a time.

        The entry point for the clicks of more than one broadcast
        (`iter_broadcast_clicks` is the one for a single broadcast). Each
        click carries its `broadcast_id`; `stream.pages()` gives them one
        page of one broadcast at a time.

        Args:
            broadcast_ids: Any iterable or async iterable of broadcast ids;
                `None` means every sent broadcast of the account. An id given
                twice is fetched once, where it first appears.
            concurrency: Broadcasts fetched at most at once (all requests
                still share the client's rate limiter); fetchers start only
                as ids need them.
            per_page: Clicks per request, 1 to 1000.
            on_missing: `"skip"` skips broadcasts that answer 404 (drafts,
                scheduled; listed in `stream.skipped`), `"raise"` raises
                `NotFoundError`.
            after: Resume cursors, broadcast id -> cursor, e.g. from a
                `BroadcastPage` saved before an interruption.
            buffer: Pages held between the fetchers and you, a positive int
                (default: `concurrency`, or fewer when fewer ids are given in
                a list). A slow consumer holds the fetchers back.

        Raises:
            TypeError: An argument of the wrong type (a bool is not an int).
            ValueError: An argument out of range. Both are raised here,
                before any request; the ids of a generator are checked as
                they are read.

        Any other error stops the fan-out and is raised with `resource_id` (the broadcast)
        and `cursor` set, so the failed broadcast can resume there. Use the
        stream as `async with` (or call `await stream.aclose()`) so that
        leaving the loop early stops every fetcher before your next line.

        ```python
        async with kit_async.KitClient() as kit:
            async with kit.iter_clicks_for_broadcasts([145, 146, 147]) as stream:
                async for click in stream:
                    print(click.broadcast_id, click.url, click.unique_clicks)
        ```
        """
        return ClickStream(
            self.broadcasts,
            broadcast_ids,
            concurrency=concurrency,
            per_page=per_page,
            on_missing=on_missing,
            after=after,
            buffer=buffer,
        )
