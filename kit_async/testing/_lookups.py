"""Finding the account's records by name, and a subscriber's custom field values by key."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ._account_data import AccountData
from ._records import (
    CustomFieldRecord,
    SubscriberRecord,
    TagRecord,
)

__all__ = ["Lookups"]


class Lookups(AccountData):
    """Records by Kit's unique names (case-insensitive), and what links to a subscriber."""

    def subscriber_by_email(self, email_address: str) -> SubscriberRecord | None:
        """The subscriber with this address (case-insensitive), if any."""
        wanted = email_address.strip().lower()
        for subscriber in self.subscribers.values():
            if subscriber.email_address.lower() == wanted:
                return subscriber
        return None

    def tag_named(self, name: str) -> TagRecord | None:
        """The tag with this name (case-insensitive), if any."""
        wanted = name.strip().casefold()
        for tag in self.tags.values():
            if tag.name.casefold() == wanted:
                return tag
        return None

    def custom_field_labelled(self, label: str) -> CustomFieldRecord | None:
        """The custom field with this label (case-insensitive), if any."""
        wanted = label.strip().casefold()
        for field in self.custom_fields.values():
            if field.label.casefold() == wanted:
                return field
        return None

    def tags_of(self, subscriber_id: int) -> list[tuple[TagRecord, datetime]]:
        """A subscriber's tags, with when each was added."""
        return [
            (self.tags[tag_id], tagged[subscriber_id])
            for tag_id, tagged in self.taggings.items()
            if subscriber_id in tagged and tag_id in self.tags
        ]

    def fields_of(self, subscriber: SubscriberRecord) -> dict[str, str | None]:
        """A subscriber's custom field values by key, every field of the account listed."""
        return {
            field.key: subscriber.fields.get(field_id)
            for field_id, field in sorted(self.custom_fields.items())
        }

    def set_fields(self, subscriber: SubscriberRecord, values: Mapping[str, Any]) -> list[str]:
        """Set custom field values given by key or label; the unknown names are returned."""
        unknown = []
        for name, value in values.items():
            field = next(
                (f for f in self.custom_fields.values() if f.key == name), None
            ) or self.custom_field_labelled(str(name))
            if field is None:
                unknown.append(str(name))
            else:
                subscriber.fields[field.id] = None if value is None else str(value)
        return unknown
