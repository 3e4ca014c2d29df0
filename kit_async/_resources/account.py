"""The account: `kit.account`."""

from __future__ import annotations

from collections.abc import Iterable

from .._converter import Envelope
from .._core.declarations import Endpoint, Resource
from .._core.validation import Day, check_text, check_when
from ..models.account import Account, AccountColors, CreatorProfile, EmailStats, GrowthStats

__all__ = ["AccountEndpoints"]

#: Kit keeps at most this many colors.
MAX_COLORS = 5

GET = Endpoint(
    "GET", "/v4/account", Account, Envelope(at=("account",), context={"user": ("user",)})
)
COLORS = Endpoint("GET", "/v4/account/colors", AccountColors, Envelope(at=()))
# A PUT: sending the same colors twice leaves the same colors.
UPDATE_COLORS = Endpoint("PUT", "/v4/account/colors", AccountColors, Envelope(at=()))
CREATOR_PROFILE = Endpoint(
    "GET", "/v4/account/creator_profile", CreatorProfile, Envelope(at=("profile",))
)
EMAIL_STATS = Endpoint("GET", "/v4/account/email_stats", EmailStats, Envelope(at=("stats",)))
GROWTH_STATS = Endpoint("GET", "/v4/account/growth_stats", GrowthStats, Envelope(at=("stats",)))


def _check_colors(colors: object) -> list[str]:
    if isinstance(colors, str | bytes) or not isinstance(colors, Iterable):
        msg = f"colors must be a list of hex color codes, got {type(colors).__name__}"
        raise TypeError(msg)
    checked = [check_text(f"colors[{i}]", color) for i, color in enumerate(colors)]
    if len(checked) > MAX_COLORS:
        msg = f"colors has {len(checked)} colors; Kit keeps at most {MAX_COLORS}"
        raise ValueError(msg)
    return checked


class AccountEndpoints(Resource):
    """The account the credentials belong to: who it is, its colors, profile and stats."""

    async def get(self) -> Account:
        """The current account and user (`GET /v4/account`).

        Kit returns the account's id, name, plan, primary email address,
        time zone and sending addresses, and the user the credentials belong
        to (`account.user`). For an OAuth app this is the standard way to
        find out which account authorised it.

        Raises:
            AuthenticationError: the credentials are not valid.

        ```python
        account = await kit.account.get()
        print(account.name, account.primary_email_address, account.user.email)
        ```
        """
        return await GET.call(self._transport)

    async def colors(self) -> tuple[str, ...]:
        """The account's colors, as hex codes (`GET /v4/account/colors`).

        ```python
        print(await kit.account.colors())
        ```
        """
        return (await COLORS.call(self._transport)).colors

    async def update_colors(self, colors: Iterable[str]) -> tuple[str, ...]:
        """Replace the account's colors, up to 5 hex codes (`PUT /v4/account/colors`).

        Returns the colors Kit kept. Kit checks the codes themselves.

        Raises:
            UnprocessableEntityError: a code is not a valid hex color code.
            ValueError: more than 5 colors (before sending).

        ```python
        print(await kit.account.update_colors(["#000000", "#ffffff"]))
        ```
        """
        return (
            await UPDATE_COLORS.call(self._transport, json={"colors": _check_colors(colors)})
        ).colors

    async def creator_profile(self) -> CreatorProfile:
        """The account's Creator Profile (`GET /v4/account/creator_profile`).

        Raises:
            NotFoundError: the account has no Creator Profile.

        ```python
        profile = await kit.account.creator_profile()
        print(profile.name, profile.profile_url)
        ```
        """
        return await CREATOR_PROFILE.call(self._transport)

    async def email_stats(self) -> EmailStats:
        """The account's email stats for the last 90 days (`GET /v4/account/email_stats`).

        ```python
        stats = await kit.account.email_stats()
        print(stats.sent, stats.opened, stats.clicked)
        ```
        """
        return await EMAIL_STATS.call(self._transport)

    async def growth_stats(
        self, *, starting: Day | None = None, ending: Day | None = None
    ) -> GrowthStats:
        """Subscriber growth over a period (`GET /v4/account/growth_stats`).

        Kit defaults to the last 90 days (`starting` 90 days ago, `ending`
        today). It counts whole days in the account's sending time zone, not
        UTC, which is why the bounds are dates: `stats.starting` and
        `stats.ending` come back with that zone's offset. Kit's description
        asks for `YYYY-MM-DD` (its examples show `02/09/2023`, which its own
        422 message refuses); dates are sent as `YYYY-MM-DD`.

        Args:
            starting: The first day (a `date` or ISO 8601 date text such as
                `2023-02-10`).
            ending: The last day.

        Raises:
            TypeError: a bound is a datetime, or not a date (before sending).
            ValueError: a bound is text that is not an ISO 8601 date, or
                `starting` is after `ending` (before sending).
            UnprocessableEntityError: Kit refused the range.

        ```python
        from datetime import date

        stats = await kit.account.growth_stats(starting=date(2023, 2, 10), ending="2023-02-24")
        print(stats.new_subscribers, stats.cancellations, stats.starting)
        ```
        """
        first = check_when("starting", starting, day=True)
        last = check_when("ending", ending, day=True)
        if first is not None and last is not None and first > last:
            msg = f"starting ({first}) must not be after ending ({last})"
            raise ValueError(msg)
        return await GROWTH_STATS.call(self._transport, params={"starting": first, "ending": last})
