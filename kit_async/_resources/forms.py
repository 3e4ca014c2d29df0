"""Forms and landing pages: `kit.forms`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._converter import Envelope
from .._core.declarations import Bulk, Endpoint, ListEndpoint, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import (
    MAX_PER_PAGE,
    When,
    check_batch,
    check_choice,
    check_id,
    check_text,
    check_when,
    one_subscriber,
)
from .._core.values import compact
from .._kit import (
    FORM_ADDITION_FIELDS,
    FORM_STATUSES,
    FORM_TYPES,
    SUBSCRIBER_STATUSES,
    FormStatus,
    FormType,
    SubscriberStatus,
)
from ..models._write import BulkAccepted, BulkResult, Upserted
from ..models.forms import Form
from ..models.subscribers import Subscriber

__all__ = ["FORM_STATUSES", "FORM_TYPES", "Forms"]


LIST = ListEndpoint("/v4/forms", Form, Envelope(at=("forms",)))
SUBSCRIBERS = ListEndpoint(
    "/v4/forms/{form_id}/subscribers", Subscriber, Envelope(at=("subscribers",))
)
# Adding a subscriber who is on the form already answers 200 instead of 201
# (and Kit sends the incentive email once per subscriber and form): safe to repeat.
ADD_BY_EMAIL = Endpoint(
    "POST",
    "/v4/forms/{form_id}/subscribers",
    Subscriber,
    Envelope(at=("subscriber",)),
    retry_safe=True,
)
ADD_BY_ID = Endpoint(
    "POST",
    "/v4/forms/{form_id}/subscribers/{id}",
    Subscriber,
    Envelope(at=("subscriber",)),
    retry_safe=True,
)
# Kit: subscribers already on a form are not added (nor emailed) again: safe to repeat.
BULK_ADD = Bulk("POST", "/v4/bulk/forms/subscribers", Subscriber, "subscribers", retry_safe=True)


def _addition(item: object, index: int) -> dict[str, Any]:
    where = f"additions[{index}]"
    if not isinstance(item, Mapping):
        msg = f"{where} must be a dict with form_id and subscriber_id, got {item!r}"
        raise TypeError(msg)
    for key in item:
        if key not in FORM_ADDITION_FIELDS:
            msg = (
                f"{where} has an unknown key {key!r}; Kit's are: {', '.join(FORM_ADDITION_FIELDS)}"
            )
            raise TypeError(msg)
    referrer = item.get("referrer")
    return compact(
        {
            "form_id": check_id(f"{where}['form_id']", item.get("form_id")),
            "subscriber_id": check_id(f"{where}['subscriber_id']", item.get("subscriber_id")),
            "referrer": None if referrer is None else check_text(f"{where}['referrer']", referrer),
        }
    )


class Forms(Resource):
    """Kit's forms and landing pages, and the subscribers who joined through them."""

    def list(
        self,
        *,
        status: FormStatus | None = None,
        type: FormType | None = None,
        include_subscriber_count: bool = False,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[Form]:
        """The account's forms and landing pages (`GET /v4/forms`).

        Kit lists both kinds, forms (`type="embed"`) and landing pages
        (`type="hosted"`), and only active ones unless `status` says otherwise.

        Args:
            status: `active` (Kit's default), `archived`, `trashed` or `all`.
            type: `embed` for forms only, `hosted` for landing pages only.
            include_subscriber_count: Fill each form's `subscriber_count`.
            per_page: Forms per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count` (first
                request only: it is slow for Kit).

        Raises:
            ValueError: `status` or `type` is not one of Kit's values (before
                any request).

        ```python
        async for form in kit.forms.list(type="embed"):
            print(form.id, form.name, form.embed_url)
        ```
        """
        return LIST.paginate(
            self._transport,
            params={
                "status": check_choice("status", status, FORM_STATUSES),
                "type": check_choice("type", type, FORM_TYPES),
                "include": "subscriber_count" if include_subscriber_count else None,
                "include_total_count": include_total_count or None,
            },
            per_page=per_page,
            after=after,
            before=before,
        )

    def subscribers(
        self,
        form_id: int,
        *,
        status: SubscriberStatus | None = None,
        added_after: When | None = None,
        added_before: When | None = None,
        created_after: When | None = None,
        created_before: When | None = None,
        slim: bool = False,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[Subscriber]:
        """The subscribers of a form, with when they joined (`added_at`) and from where.

        `GET /v4/forms/{form_id}/subscribers`. Kit lists active subscribers
        unless `status` says otherwise (`"all"` for every state). Each
        subscriber carries `referrer` (and `referrer_utm_parameters`) when
        Kit knows the page they subscribed on.

        Args:
            form_id: The form or landing page.
            status: `active` (Kit's default), `inactive`, `bounced`,
                `complained`, `cancelled` or `all`.
            added_after: Only subscribers added to the form after this (an aware
                datetime, a date, or ISO 8601 text); likewise the other bounds.
            added_before: Only subscribers added to the form before this.
            created_after: Only subscribers created after this.
            created_before: Only subscribers created before this.
            slim: Leave out each subscriber's custom `fields` (faster).
            per_page: Subscribers per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count`.

        Raises:
            ValueError: a date bound that is not ISO 8601, or a time without
                a time zone (before sending).
            NotFoundError: no form has that id (when the first page is fetched).

        ```python
        async for subscriber in kit.forms.subscribers(1, status="all"):
            print(subscriber.email_address, subscriber.added_at, subscriber.referrer)
        ```
        """
        return SUBSCRIBERS.paginate(
            self._transport,
            path_params={"form_id": check_id("form_id", form_id)},
            params={
                "status": check_choice("status", status, SUBSCRIBER_STATUSES),
                "added_after": check_when("added_after", added_after),
                "added_before": check_when("added_before", added_before),
                "created_after": check_when("created_after", created_after),
                "created_before": check_when("created_before", created_before),
                "slim": slim or None,
                "include_total_count": include_total_count or None,
            },
            per_page=per_page,
            after=after,
            before=before,
        )

    async def add_subscriber(
        self,
        form_id: int,
        *,
        subscriber_id: int | None = None,
        email_address: str | None = None,
        referrer: str | None = None,
    ) -> Upserted[Subscriber]:
        """Add an existing subscriber to a form, by id or by email address.

        `POST /v4/forms/{form_id}/subscribers/{id}` or, by email,
        `POST /v4/forms/{form_id}/subscribers`. The subscriber must exist
        (create one with `kit.subscribers.create()`). Adding a subscriber
        who is on the form already answers `200` (`result.created` is
        False) instead of `201`: safe to retry.

        On a double opt-in form, Kit sends its incentive (confirmation) email,
        once per subscriber and form: adding the same subscriber again does
        not send it again.

        Args:
            form_id: The form or landing page.
            subscriber_id: The subscriber's id (or give `email_address`).
            email_address: The subscriber's address (or give `subscriber_id`).
            referrer: The page the subscription came from; Kit reads its UTM
                parameters into `referrer_utm_parameters`. Kit's description
                marks it required on the by-id path only (an artefact of its
                example: the by-email path, otherwise the same, does not), so
                without one an empty JSON object is sent.

        Raises:
            TypeError: neither or both of `subscriber_id` and `email_address`.
            NotFoundError: no such form or subscriber.
            UnprocessableEntityError: Kit refused the email address.

        ```python
        result = await kit.forms.add_subscriber(
            1, email_address="alice@example.com", referrer="https://example.com/?utm_source=ads"
        )
        print(result.item.added_at, result.created)
        ```
        """
        form = check_id("form_id", form_id)
        by_id, email = one_subscriber(subscriber_id, email_address)
        body = {} if referrer is None else {"referrer": check_text("referrer", referrer)}
        if by_id is not None:
            return await ADD_BY_ID.upsert(
                self._transport, {"form_id": form, "id": by_id}, json=body
            )
        return await ADD_BY_EMAIL.upsert(
            self._transport, {"form_id": form}, json={"email_address": email, **body}
        )

    async def bulk_add_subscribers(
        self, additions: Iterable[Mapping[str, Any]], *, callback_url: str | None = None
    ) -> BulkResult[Subscriber] | BulkAccepted:
        """Add many existing subscribers to forms (`POST /v4/bulk/forms/subscribers`; OAuth apps only).

        Each addition is a dict with Kit's names, `{"form_id": 1,
        "subscriber_id": 2}`, and optionally `"referrer"`. Up to 100 are
        processed at once (`BulkResult`: the added subscribers, with
        `added_at`, and `failures` for unknown forms or subscribers); more
        are queued (`BulkAccepted`), with the results posted to
        `callback_url`. The subscribers must exist (see
        `kit.subscribers.bulk_create()`).

        Double opt-in forms send their incentive email, but not to
        subscribers already on the form, so repeating a batch is harmless.

        Raises:
            OAuthRequiredError: the client has an API key (before sending).
            TypeError: an addition is not a dict, lacks an id or has a key
                Kit does not know (before sending).
            ValueError: `additions` is empty.
        """
        batch = [_addition(item, i) for i, item in enumerate(check_batch("additions", additions))]
        callback = None if callback_url is None else check_text("callback_url", callback_url)
        return await BULK_ADD.call(
            self._transport, compact({"additions": batch, "callback_url": callback})
        )
