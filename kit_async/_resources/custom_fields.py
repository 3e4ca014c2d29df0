"""Custom fields: `kit.custom_fields`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._converter import Envelope
from .._core.declarations import Bulk, Endpoint, ListEndpoint, NoContent, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import MAX_PER_PAGE, check_batch, check_id, check_text
from .._core.values import compact
from .._kit import CUSTOM_FIELD_VALUE_FIELDS
from ..models._write import BulkAccepted, BulkResult, Upserted
from ..models.custom_fields import CustomField, CustomFieldValue

__all__ = ["CustomFields"]

_FIELD = Envelope(at=("custom_field",))

LIST = ListEndpoint("/v4/custom_fields", CustomField, Envelope(at=("custom_fields",)))
# Labels are unique: creating one that exists returns it (200), so a repeat
# never makes a second field and it is safe to retry.
CREATE = Endpoint("POST", "/v4/custom_fields", CustomField, _FIELD, retry_safe=True)
UPDATE = Endpoint("PUT", "/v4/custom_fields/{id}", CustomField, _FIELD)
DELETE = NoContent("DELETE", "/v4/custom_fields/{id}")
# Not retried: a repeat reports the fields the first attempt created as
# failures ("Label has already been taken"), which would misreport it.
BULK_CREATE = Bulk("POST", "/v4/bulk/custom_fields", CustomField, "custom_fields")
# Creates or updates each value (an upsert setting given values): safe to repeat.
BULK_UPDATE_VALUES = Bulk(
    "POST",
    "/v4/bulk/custom_fields/subscribers",
    CustomFieldValue,
    "custom_field_values",
    retry_safe=True,
)


def _callback(callback_url: object) -> str | None:
    return None if callback_url is None else check_text("callback_url", callback_url)


def _value(item: object, index: int) -> dict[str, Any]:
    where = f"values[{index}]"
    if not isinstance(item, Mapping):
        msg = (
            f"{where} must be a dict with subscriber_id, subscriber_custom_field_id and value, "
            f"got {item!r}"
        )
        raise TypeError(msg)
    unknown = set(item) - set(CUSTOM_FIELD_VALUE_FIELDS)
    if unknown:
        msg = (
            f"{where} has keys Kit does not take here: {', '.join(sorted(map(str, unknown)))} "
            f"({', '.join(CUSTOM_FIELD_VALUE_FIELDS)})"
        )
        raise TypeError(msg)
    return {
        "subscriber_id": check_id(f"{where}['subscriber_id']", item.get("subscriber_id")),
        "subscriber_custom_field_id": check_id(
            f"{where}['subscriber_custom_field_id']", item.get("subscriber_custom_field_id")
        ),
        "value": check_text(f"{where}['value']", item.get("value"), allow_empty=True),
    }


class CustomFields(Resource):
    """Kit's custom fields: subscriber data beyond the first name and the address."""

    def list(
        self,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[CustomField]:
        """Every custom field of the account (`GET /v4/custom_fields`).

        A custom field collects subscriber information beyond the first
        name and the email address (a last name, say), for forms and emails.

        Args:
            per_page: Custom fields per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count` (first
                request only: it is slow for Kit).

        ```python
        async for field in kit.custom_fields.list():
            print(field.id, field.label, field.key)
        ```
        """
        return LIST.paginate(
            self._transport,
            params={"include_total_count": include_total_count or None},
            per_page=per_page,
            after=after,
            before=before,
        )

    async def create(self, label: str) -> Upserted[CustomField]:
        """Create a custom field, or find the one with that label (`POST /v4/custom_fields`).

        Labels are unique in the account (Kit trims the whitespace around
        them). Kit derives the `key` (ASCII, lower case, underscores: what
        Liquid tags use) and the `name` (`ck_field_<id>_<key>`, for custom
        forms). An existing label answers `200` with that field
        (`result.created` is False), a new one `201`. Safe to retry.

        Raises:
            UnprocessableEntityError: the label is blank or invalid.

        ```python
        result = await kit.custom_fields.create("Last name")
        print(result.item.key, result.created)
        ```
        """
        return await CREATE.upsert(self._transport, json={"label": check_text("label", label)})

    async def update(self, id: int, label: str) -> CustomField:
        """Rename a custom field (`PUT /v4/custom_fields/{id}`).

        The `key` changes with the label (the `name` stays). Warning, from
        Kit: this breaks every Liquid tag in emails that uses the old key
        (`{{ subscriber.zip_code }}` stops working when the field becomes
        "Post code"); update those emails too.

        Raises:
            NotFoundError: no custom field has that id.
            UnprocessableEntityError: the label is blank or taken.

        ```python
        created = await kit.custom_fields.create("Zip code")
        field = await kit.custom_fields.update(created.item.id, "Post code")
        print(field.key, field.name)
        ```
        """
        return await UPDATE.call(
            self._transport, {"id": check_id("id", id)}, json={"label": check_text("label", label)}
        )

    async def delete(self, id: int) -> None:
        """Delete a custom field and its data (`DELETE /v4/custom_fields/{id}`, `204`).

        This removes the field's values from every subscriber.

        Raises:
            NotFoundError: no custom field has that id.
            UnprocessableEntityError: Kit could not delete it.

        ```python
        created = await kit.custom_fields.create("Temporary")
        await kit.custom_fields.delete(created.item.id)
        ```
        """
        await DELETE.call(self._transport, {"id": check_id("id", id)})

    async def bulk_create(
        self, labels: Iterable[str], *, callback_url: str | None = None
    ) -> BulkResult[CustomField] | BulkAccepted:
        """Create many custom fields (`POST /v4/bulk/custom_fields`; OAuth apps only).

        Up to 100 labels are processed at once (`BulkResult`: the new fields,
        and in `failures` the labels Kit refused, such as one already taken);
        more are queued (`BulkAccepted`), with the results posted to
        `callback_url`. Not retried after it may have reached Kit: a repeat
        would report the fields just created as failures.

        Raises:
            OAuthRequiredError: the client has an API key (before sending).
            APIStatusError: `413`, Kit's queue of bulk requests is full.
            ValueError: `labels` is empty.
        """
        batch = check_batch("labels", labels)
        fields = [{"label": check_text(f"labels[{i}]", label)} for i, label in enumerate(batch)]
        return await BULK_CREATE.call(
            self._transport,
            compact({"custom_fields": fields, "callback_url": _callback(callback_url)}),
        )

    async def bulk_update_values(
        self, values: Iterable[Mapping[str, Any]], *, callback_url: str | None = None
    ) -> BulkResult[CustomFieldValue] | BulkAccepted:
        """Set custom field values for many subscribers (OAuth apps only).

        `POST /v4/bulk/custom_fields/subscribers`. Each value is a dict with
        Kit's names: `{"subscriber_id": 1, "subscriber_custom_field_id": 2,
        "value": "Smith"}`. The custom fields must exist: a value for an
        unknown field or subscriber is reported in `failures` while the rest
        is still written. Up to 100 values are processed at once
        (`BulkResult`); more are queued (`BulkAccepted`), with the results
        posted to `callback_url`. Setting the same values again is
        harmless, so it is retried like an update.

        Kit's description marks `callback_url` required (and nullable), so
        it is always sent, `null` when not given.

        Raises:
            OAuthRequiredError: the client has an API key (before sending).
            APIStatusError: `413`, Kit's queue of bulk requests is full.
            ValueError: `values` is empty.
        """
        batch = [_value(item, i) for i, item in enumerate(check_batch("values", values))]
        return await BULK_UPDATE_VALUES.call(
            self._transport,
            {"custom_field_values": batch, "callback_url": _callback(callback_url)},
        )
