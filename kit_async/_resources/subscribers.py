"""Subscribers: `kit.subscribers`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._converter import Envelope
from .._core.declarations import Bulk, Endpoint, ListEndpoint, NoContent, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import (
    MAX_PER_PAGE,
    Day,
    When,
    check_batch,
    check_choice,
    check_id,
    check_text,
    check_when,
)
from .._core.values import compact
from .._kit import (
    SUBSCRIBER_STATES,
    CountingMode,
    SortOrder,
    SubscriberState,
    SubscriberStatus,
)
from ..models._write import BulkAccepted, BulkResult, Upserted
from ..models.subscribers import FilteredSubscriber, PinnedLocation, Subscriber, SubscriberStats
from ..models.tags import Tag
from .subscriber_filter import filter_body
from .subscriber_location import location_body, whole_location_body
from .subscriber_query import list_query
from .subscriber_writes import bulk_subscriber, custom_fields, optional_text

__all__ = ["Subscribers"]

_SUBSCRIBER = Envelope(at=("subscriber",))
_PIN = Envelope(at=("subscriber", "location"), context={"subscriber_id": ("subscriber", "id")})

LIST = ListEndpoint("/v4/subscribers", Subscriber, Envelope(at=("subscribers",)))
GET = Endpoint("GET", "/v4/subscribers/{id}", Subscriber, _SUBSCRIBER)
# An upsert by email address: a repeat finds the subscriber (200) instead of
# creating a second one, so it is safe to retry.
CREATE = Endpoint("POST", "/v4/subscribers", Subscriber, _SUBSCRIBER, retry_safe=True)
UPDATE = Endpoint("PUT", "/v4/subscribers/{id}", Subscriber, _SUBSCRIBER)
# Sets the state to cancelled: a repeat finds it cancelled and changes nothing.
UNSUBSCRIBE = NoContent("POST", "/v4/subscribers/{id}/unsubscribe", retry_safe=True)
TAGS = ListEndpoint("/v4/subscribers/{subscriber_id}/tags", Tag, Envelope(at=("tags",)))
# Creates or updates each subscriber by email address (an upsert): safe to repeat.
BULK_CREATE = Bulk("POST", "/v4/bulk/subscribers", Subscriber, "subscribers", retry_safe=True)
# A search sent as a POST: it only reads, so a repeat is harmless. It pages in
# its JSON body (Kit declares no query parameters for it).
FILTER = ListEndpoint(
    "/v4/subscribers/filter",
    FilteredSubscriber,
    Envelope(at=("subscribers",)),
    first_page_only=frozenset(),
    method="POST",
    retry_safe=True,
)
STATS = Endpoint(
    "GET",
    "/v4/subscribers/{subscriber_id}/stats",
    SubscriberStats,
    Envelope(at=("subscriber", "stats")),
)
# Pinning replaces any pin with the one sent: a repeat leaves the same pin.
PIN_LOCATION = Endpoint(
    "POST", "/v4/subscribers/{subscriber_id}/location", PinnedLocation, _PIN, retry_safe=True
)
UPDATE_LOCATION = Endpoint(
    "PATCH", "/v4/subscribers/{subscriber_id}/location", PinnedLocation, _PIN
)
DELETE_LOCATION = NoContent("DELETE", "/v4/subscribers/{subscriber_id}/location")


class Subscribers(Resource):
    """Kit's subscribers: create, update, find, filter, their stats and location."""

    def list(
        self,
        *,
        status: SubscriberStatus | None = None,
        email_address: str | Iterable[str] | None = None,
        created_after: When | None = None,
        created_before: When | None = None,
        updated_after: When | None = None,
        updated_before: When | None = None,
        sort_field: str | None = None,
        sort_order: SortOrder | None = None,
        include: Iterable[str] | None = None,
        slim: bool = False,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[Subscriber]:
        """The account's subscribers, filtered and sorted (`GET /v4/subscribers`).

        Kit lists active subscribers, newest id first, unless told otherwise.
        Its results are eventually consistent: a subscriber created a moment
        ago may not be listed yet.

        Args:
            status: `active` (Kit's default), `inactive`, `bounced`,
                `complained`, `cancelled` or `all`.
            email_address: Only these addresses (one, or a list sent
                comma-separated).
            created_after: Only subscribers created after this (an aware datetime,
                a date, or ISO 8601 text); likewise the other bounds.
            created_before: Only subscribers created before this.
            updated_after: Only subscribers updated after this.
            updated_before: Only subscribers updated before this.
            sort_field: `id` (Kit's default), `created_at`, `updated_at`,
                `cancelled_at` or `canceled_at` (both need
                `status="cancelled"`), or an engagement sort over the last 90
                days: `engagement__sent`, `engagement__opens`,
                `engagement__clicks`, `engagement__open_rate`,
                `engagement__click_rate` (not with `email_address`).
            sort_order: `desc` (Kit's default) or `asc`.
            include: Extra fields for each subscriber: `attribution`,
                `tags`, `location`, `canceled_at` (needs
                `status="cancelled"`), sent comma-separated.
            slim: Leave out each subscriber's custom `fields`.
            per_page: Subscribers per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count` (first
                request only: it is slow for Kit).

        Raises:
            ValueError: a date bound that is not ISO 8601, or a time without
                a time zone (before sending).
            ValueError: a filter outside Kit's values, or a combination Kit
                answers with 422 (checked before any request).

        ```python
        async for subscriber in kit.subscribers.list(status="all", include=["tags"]):
            print(subscriber.email_address, subscriber.state, len(subscriber.tags))
        ```
        """
        return LIST.paginate(
            self._transport,
            params=list_query(
                status=status,
                email_address=email_address,
                created_after=created_after,
                created_before=created_before,
                updated_after=updated_after,
                updated_before=updated_before,
                sort_field=sort_field,
                sort_order=sort_order,
                include=include,
                slim=slim,
                include_total_count=include_total_count,
            ),
            per_page=per_page,
            after=after,
            before=before,
        )

    async def get(self, id: int) -> Subscriber:
        """One subscriber by id, with its `canceled_at` and `location` (`GET /v4/subscribers/{id}`).

        Raises:
            NotFoundError: no subscriber has that id.

        ```python
        created = await kit.subscribers.create("grace@example.com")
        subscriber = await kit.subscribers.get(created.item.id)
        print(subscriber.email_address, subscriber.state)
        ```
        """
        return await GET.call(self._transport, {"id": check_id("id", id)})

    async def create(
        self,
        email_address: str,
        *,
        first_name: str | None = None,
        state: SubscriberState | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> Upserted[Subscriber]:
        """Create a subscriber, or update the one with that address (`POST /v4/subscribers`).

        Kit behaves as an upsert: a new address is created in `state`
        (`201`, or `202` when more than 10 custom fields are sent: Kit then
        writes them in the background, `result.pending`); an existing one
        gets its first name updated (`200`, `result.created` is False) and
        keeps its state (Kit cannot change a state this way). Safe to retry.

        Custom fields that do not exist in the account are ignored by Kit
        (create them first with `kit.custom_fields.create()`).

        Args:
            email_address: The address, the subscriber's identity.
            first_name: The first name.
            state: `active` (Kit's default), `inactive`, `bounced`,
                `complained` or `cancelled`, for a new subscriber.
            fields: Custom field values by label, at most 140 (Kit's limit,
                checked before sending).

        Raises:
            UnprocessableEntityError: Kit refused the address or a value.
            ValueError: more than 140 custom fields, or an unknown `state`.

        ```python
        result = await kit.subscribers.create("alice@example.com", first_name="Alice")
        print(result.item.id, "new" if result.created else "already there")
        ```
        """
        body = compact(
            {
                "email_address": check_text("email_address", email_address),
                "first_name": optional_text("first_name", first_name),
                "state": check_choice("state", state, SUBSCRIBER_STATES),
                "fields": custom_fields(fields),
            }
        )
        return await CREATE.upsert(self._transport, json=body)

    async def update(
        self,
        id: int,
        *,
        email_address: str | None = None,
        first_name: str | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> Subscriber:
        """Change a subscriber's address, first name or custom fields (`PUT /v4/subscribers/{id}`).

        Only what is given is sent. Custom fields that do not exist in the
        account are ignored by Kit; with more than 10, Kit writes them in
        the background (the returned `fields` may not show them yet).

        Args:
            id: The subscriber.
            email_address: The new address.
            first_name: The new first name.
            fields: Custom field values by label, at most 140.

        Raises:
            NotFoundError: no subscriber has that id.
            UnprocessableEntityError: the address is invalid or already in use.
            ValueError: nothing to update, or more than 140 custom fields.

        ```python
        created = await kit.subscribers.create("ada@example.com")
        subscriber = await kit.subscribers.update(created.item.id, first_name="Ada")
        print(subscriber.first_name)
        ```
        """
        subscriber = check_id("id", id)
        body = compact(
            {
                "email_address": optional_text("email_address", email_address),
                "first_name": optional_text("first_name", first_name),
                "fields": custom_fields(fields),
            }
        )
        if not body:
            msg = "nothing to update: pass email_address=, first_name= or fields="
            raise ValueError(msg)
        return await UPDATE.call(self._transport, {"id": subscriber}, json=body)

    async def unsubscribe(self, id: int) -> None:
        """Unsubscribe a subscriber (`POST /v4/subscribers/{id}/unsubscribe`, `204`).

        The subscriber's state becomes `cancelled`. Safe to retry: a repeat
        finds the subscriber unsubscribed already.

        Raises:
            NotFoundError: no subscriber has that id.

        ```python
        created = await kit.subscribers.create("leaving@example.com")
        await kit.subscribers.unsubscribe(created.item.id)
        ```
        """
        await UNSUBSCRIBE.call(self._transport, {"id": check_id("id", id)}, json={})

    def tags(
        self,
        subscriber_id: int,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[Tag]:
        """A subscriber's tags, with when each was added (`tagged_at`).

        `GET /v4/subscribers/{subscriber_id}/tags`.

        Args:
            subscriber_id: The subscriber.
            per_page: Tags per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count`.

        Raises:
            NotFoundError: no subscriber has that id (when the first page is
                fetched).

        ```python
        created = await kit.subscribers.create("tagged@example.com")
        async for tag in kit.subscribers.tags(created.item.id):
            print(tag.name, tag.tagged_at)
        ```
        """
        return TAGS.paginate(
            self._transport,
            path_params={"subscriber_id": check_id("subscriber_id", subscriber_id)},
            params={"include_total_count": include_total_count or None},
            per_page=per_page,
            after=after,
            before=before,
        )

    async def bulk_create(
        self, subscribers: Iterable[Mapping[str, Any]], *, callback_url: str | None = None
    ) -> BulkResult[Subscriber] | BulkAccepted:
        """Create or update many subscribers (`POST /v4/bulk/subscribers`; OAuth apps only).

        Each subscriber is a dict with Kit's names: `email_address`
        (required), `first_name`, `state`. Kit creates new addresses and
        updates existing ones, so it is safe to repeat. Up to 100 are
        processed at once (`BulkResult`, with Kit's `failures` such as an
        invalid address); more are queued (`BulkAccepted`), with the results
        posted to `callback_url`.

        Raises:
            OAuthRequiredError: the client has an API key (before sending).
            PermissionDeniedError: the batch would exceed the account's
                subscriber limit (`403`).
            APIStatusError: `413`, Kit's queue of bulk requests is full.
            ValueError: `subscribers` is empty.
        """
        batch = [
            bulk_subscriber(item, i)
            for i, item in enumerate(check_batch("subscribers", subscribers))
        ]
        return await BULK_CREATE.call(
            self._transport,
            compact(
                {"subscribers": batch, "callback_url": optional_text("callback_url", callback_url)}
            ),
        )

    def filter(
        self,
        conditions: Iterable[Mapping[str, Any]],
        *,
        counting_mode: CountingMode | None = None,
        include: Iterable[str | Mapping[str, Any]] = (),
        sort_field: str | None = None,
        sort_order: SortOrder | None = None,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
    ) -> AsyncPaginator[FilteredSubscriber]:
        """Subscribers matching every condition (`POST /v4/subscribers/filter`).

        Kit searches the list with compound conditions, all of which must
        match: email engagement (`opens`, `clicks`, `sent`, `delivered`,
        with count thresholds and date ranges), sign-up date (`subscribed`),
        `subscriber_state`, `tags`, `attribution`, a `custom_field` value or
        a `location` radius. Each condition is a dict in Kit's own shape,
        sent as Kit's `all` array; `after`/`before` bounds may be `date`s.
        Engagement dates are clamped to the last 5 years.

        Paging: Kit's description shows a paginated answer (`pagination`,
        `end_cursor`) but does not say how to ask for the next page, and
        declares no query parameters. kit-async sends `per_page` and
        `after` (or `before`) in the JSON body, beside the conditions, and
        follows `pagination.end_cursor` like every other list, so this
        iterates over every match. Kit sends the ids as strings; they are
        decoded to `int` (`FilteredSubscriber`). The search only reads, so it
        is retried like a GET.

        Args:
            conditions: Kit's `FilterCondition` dicts, e.g.
                `{"type": "opens", "count_greater_than": 5, "after": "2026-01-01"}`,
                `{"type": "subscriber_state", "states": ["active"]}`.
            counting_mode: `raw` (Kit's default: every event counts) or
                `unique_email` (distinct emails) for engagement thresholds.
            include: Extra fields per subscriber: `attribution`, `tags`,
                `location`, `canceled_at`, `stats`, `custom_fields`; a dict
                gives options, e.g. `{"type": "stats", "range": {"start":
                "2026-05-01", "end": "2026-06-30"}}` (the last 90 days by
                default; outside the 5-year window Kit answers `400`).
            sort_field: `created_at` (Kit's default), `id`, `first_name`,
                `email_address`, an `engagement__...` sort, or
                `location__distance` (needs a `location` condition).
            sort_order: `desc` (Kit's default; `asc` for distance) or `asc`.
            per_page: Subscribers per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.

        Raises:
            ValueError: a day that is not an ISO 8601 date (before sending).
            BadRequestError: a `stats` range outside the retention window.
            ValueError: an unknown condition type, include or sort (before
                any request).

        ```python
        engaged = [
            {"type": "opens", "count_greater_than_or_equal": 1, "after": "2026-01-01"},
            {"type": "subscriber_state", "states": ["active"]},
        ]
        async for match in kit.subscribers.filter(engaged, include=["tags"]):
            print(match.id, match.email_address, match.tag_names)
        ```
        """
        return FILTER.paginate(
            self._transport,
            json=filter_body(
                conditions,
                counting_mode=counting_mode,
                include=include,
                sort_field=sort_field,
                sort_order=sort_order,
            ),
            per_page=per_page,
            after=after,
            before=before,
        )

    async def stats(
        self,
        subscriber_id: int,
        *,
        email_sent_after: Day | None = None,
        email_sent_before: Day | None = None,
    ) -> SubscriberStats:
        """A subscriber's email stats (`GET /v4/subscribers/{subscriber_id}/stats`).

        Totals of sent, opened, clicked and bounced emails, open and click
        rates, and recency (`last_sent`, `last_opened`, `last_clicked`,
        sends since the last open or click), optionally limited to emails
        sent in a date range. Kit keeps the last 5 years: the bounds are
        clamped to that window, and a date outside it gets `400`.

        Args:
            subscriber_id: The subscriber.
            email_sent_after: Only emails sent after this day (a `date` or
                `YYYY-MM-DD`).
            email_sent_before: Only emails sent before this day.

        Raises:
            ValueError: a day that is not an ISO 8601 date (before sending).
            NotFoundError: no subscriber has that id.
            BadRequestError: a date outside Kit's 5-year window.

        ```python
        created = await kit.subscribers.create("reader@example.com")
        stats = await kit.subscribers.stats(created.item.id)
        print(stats.sent, stats.open_rate)
        ```
        """
        return await STATS.call(
            self._transport,
            {"subscriber_id": check_id("subscriber_id", subscriber_id)},
            params={
                "email_sent_after": check_when("email_sent_after", email_sent_after, day=True),
                "email_sent_before": check_when("email_sent_before", email_sent_before, day=True),
            },
        )

    async def pin_location(
        self,
        subscriber_id: int,
        *,
        country_code: str,
        city: str | None = None,
        state_province: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        timezone: str | None = None,
    ) -> PinnedLocation:
        """Pin a location to a subscriber (`POST /v4/subscribers/{subscriber_id}/location`).

        The pin overrides any location Kit inferred from opens, and replaces
        an earlier pin (so it is safe to retry). It shows on
        `kit.subscribers.get()`.

        Args:
            subscriber_id: The subscriber.
            country_code: ISO 3166-1 alpha-2, e.g. `US` (required by Kit).
            city: The city.
            state_province: The state or province.
            latitude: Decimal degrees, -90 to 90.
            longitude: Decimal degrees, -180 to 180.
            timezone: An IANA time zone name, e.g. `America/Denver`.

        Raises:
            NotFoundError: no subscriber has that id.
            UnprocessableEntityError: Kit refused a value.

        ```python
        created = await kit.subscribers.create("boise@example.com")
        pin = await kit.subscribers.pin_location(
            created.item.id, country_code="US", city="Boise", timezone="America/Denver"
        )
        print(pin.city, pin.country_code)
        ```
        """
        return await PIN_LOCATION.call(
            self._transport,
            {"subscriber_id": check_id("subscriber_id", subscriber_id)},
            json={
                "location": location_body(
                    city=city,
                    state_province=state_province,
                    country_code=check_text("country_code", country_code),
                    latitude=latitude,
                    longitude=longitude,
                    timezone=timezone,
                )
            },
        )

    async def update_location(
        self,
        subscriber_id: int,
        *,
        city: str,
        state_province: str,
        country_code: str,
        latitude: float,
        longitude: float,
        timezone: str,
    ) -> PinnedLocation:
        """Replace a subscriber's pinned location (`PATCH /v4/subscribers/{subscriber_id}/location`).

        Despite the verb, this is a full replacement: Kit requires all six
        fields (and answers `422` without one), so each is a required
        argument here: resend the current value of any you keep.

        Raises:
            NotFoundError: no subscriber has that id.
            UnprocessableEntityError: Kit refused a value.
            TypeError: a field is missing or `None` (before sending).

        ```python
        created = await kit.subscribers.create("moving@example.com")
        pin = await kit.subscribers.update_location(
            created.item.id,
            city="Boise",
            state_province="Idaho",
            country_code="US",
            latitude=43.62,
            longitude=-116.2,
            timezone="America/Denver",
        )
        print(pin.latitude, pin.longitude)
        ```
        """
        location = whole_location_body(
            city=city,
            state_province=state_province,
            country_code=country_code,
            latitude=latitude,
            longitude=longitude,
            timezone=timezone,
        )
        return await UPDATE_LOCATION.call(
            self._transport,
            {"subscriber_id": check_id("subscriber_id", subscriber_id)},
            json={"location": location},
        )

    async def delete_location(self, subscriber_id: int) -> None:
        """Remove a subscriber's pinned location (`DELETE .../location`, `204`).

        `DELETE /v4/subscribers/{subscriber_id}/location`. Kit may infer a
        location again from later opens.

        Raises:
            NotFoundError: no subscriber has that id.

        ```python
        created = await kit.subscribers.create("nomad@example.com")
        await kit.subscribers.pin_location(created.item.id, country_code="PT")
        await kit.subscribers.delete_location(created.item.id)
        ```
        """
        await DELETE_LOCATION.call(
            self._transport, {"subscriber_id": check_id("subscriber_id", subscriber_id)}
        )
