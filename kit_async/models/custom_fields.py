"""Custom fields and the values subscribers have for them."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["CustomField", "CustomFieldValue"]


@attrs.frozen
class CustomField:
    """A custom field of the account (`GET /v4/custom_fields`).

    Kit derives `key` from the label (ASCII, lower case, underscores: what
    Liquid tags such as `{{ subscriber.last_name }}` use) and `name` from the
    id and the key (`ck_field_1_last_name`, for the HTML of custom forms).
    Renaming the label changes the key, not the name.

    Attributes:
        id: The custom field's id.
        name: Its form-field name, `ck_field_<id>_<key>`.
        key: Its key, used in Liquid tags and in `Subscriber.fields`.
        label: Its label, unique in the account.
        created_at: When it was created (sent by the bulk create only).
    """

    id: int
    name: str
    key: str
    label: str
    created_at: datetime | None = None


@attrs.frozen
class CustomFieldValue:
    """One subscriber's value for one custom field, as a bulk update returns it.

    Attributes:
        subscriber_id: The subscriber.
        subscriber_custom_field_id: The custom field's id.
        value: The value now stored.
    """

    subscriber_id: int
    subscriber_custom_field_id: int
    value: str
