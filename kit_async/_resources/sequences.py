"""Sequences and their emails: `kit.sequences`."""

from __future__ import annotations

from typing import Unpack

from .._converter import Envelope
from .._core.declarations import Endpoint, ListEndpoint, NoContent, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import (
    MAX_PER_PAGE,
    When,
    check_choice,
    check_id,
    check_when,
    one_subscriber,
)
from .._kit import (
    DELAY_UNITS,
    SUBSCRIBER_SOURCE_TYPES,
    SUBSCRIBER_STATUSES,
    WEEKDAYS,
    SubscriberStatus,
)
from ..models._write import Upserted
from ..models.sequences import EmailSequence, SequenceEmail
from ..models.subscribers import Subscriber
from .sequence_fields import SequenceEmailFields, SequenceFields, email_body, sequence_body

__all__ = [
    "DELAY_UNITS",
    "SUBSCRIBER_SOURCE_TYPES",
    "WEEKDAYS",
    "SequenceEmailFields",
    "SequenceFields",
    "Sequences",
]

_SEQUENCE = Envelope(at=("sequence",))
_EMAIL = Envelope(at=("email",))

LIST = ListEndpoint("/v4/sequences", EmailSequence, Envelope(at=("sequences",)))
GET = Endpoint("GET", "/v4/sequences/{id}", EmailSequence, _SEQUENCE)
# Each POST creates another sequence: not safe to repeat.
CREATE = Endpoint("POST", "/v4/sequences", EmailSequence, _SEQUENCE)
# A partial update (only the fields sent change): safe, like every PUT.
UPDATE = Endpoint("PUT", "/v4/sequences/{id}", EmailSequence, _SEQUENCE)
# A soft delete (204); a repeat finds nothing to delete.
DELETE = NoContent("DELETE", "/v4/sequences/{id}")
SUBSCRIBERS = ListEndpoint(
    "/v4/sequences/{sequence_id}/subscribers", Subscriber, Envelope(at=("subscribers",))
)
# Adding a subscriber already in the sequence answers 200 instead of 201 (it
# does not restart it, even with `repeat`): safe to repeat.
ADD_BY_EMAIL = Endpoint(
    "POST",
    "/v4/sequences/{sequence_id}/subscribers",
    Subscriber,
    Envelope(at=("subscriber",)),
    retry_safe=True,
)
ADD_BY_ID = Endpoint(
    "POST",
    "/v4/sequences/{sequence_id}/subscribers/{id}",
    Subscriber,
    Envelope(at=("subscriber",)),
    retry_safe=True,
)
EMAILS = ListEndpoint("/v4/sequences/{sequence_id}/emails", SequenceEmail, Envelope(at=("emails",)))
GET_EMAIL = Endpoint("GET", "/v4/sequences/{sequence_id}/emails/{id}", SequenceEmail, _EMAIL)
# Each POST appends another email: not safe to repeat.
CREATE_EMAIL = Endpoint("POST", "/v4/sequences/{sequence_id}/emails", SequenceEmail, _EMAIL)
# A partial update: safe, like every PUT.
UPDATE_EMAIL = Endpoint("PUT", "/v4/sequences/{sequence_id}/emails/{id}", SequenceEmail, _EMAIL)
# 204; a repeat finds nothing to delete.
DELETE_EMAIL = NoContent("DELETE", "/v4/sequences/{sequence_id}/emails/{id}")


class Sequences(Resource):
    """Kit's sequences (automated series of emails), their emails and their subscribers."""

    def list(
        self,
        *,
        include_stats: bool = False,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[EmailSequence]:
        """Every sequence of the account (`GET /v4/sequences`).

        Args:
            include_stats: Fill each sequence's `stats`, the figures of Kit's
                sequences dashboard.
            per_page: Sequences per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count` (first
                request only: it is slow for Kit).

        ```python
        async for sequence in kit.sequences.list():
            print(sequence.id, sequence.name, sequence.active)
        ```
        """
        return LIST.paginate(
            self._transport,
            params={
                "include": "stats" if include_stats else None,
                "include_total_count": include_total_count or None,
            },
            per_page=per_page,
            after=after,
            before=before,
        )

    async def get(self, id: int, *, include_stats: bool = False) -> EmailSequence:
        """One sequence: its schedule, its flags and its exclusions (`GET /v4/sequences/{id}`).

        Args:
            id: The sequence.
            include_stats: Fill its `stats` (`None` figures: no data yet).

        Raises:
            NotFoundError: no sequence has that id.

        ```python
        sequence = await kit.sequences.create(name="Welcome series")
        found = await kit.sequences.get(sequence.id, include_stats=True)
        print(found.send_days, found.send_hour, found.time_zone, found.stats)
        ```
        """
        return await GET.call(
            self._transport,
            {"id": check_id("id", id)},
            params={"include": "stats" if include_stats else None},
        )

    async def create(self, **fields: Unpack[SequenceFields]) -> EmailSequence:
        """Create an empty sequence, the container of sequence emails (`POST /v4/sequences`).

        Kit's fields, as keywords: `name` (required), `email_address`,
        `email_template_id`, `send_days` (a list of `monday` ... `sunday`),
        `send_hour` (0 to 23), `time_zone` (an IANA name), `active`,
        `repeat`, `hold`, `exclude_subscriber_sources` (a list of
        `{"type": "tag", "ids": [3]}` dicts, types `tag`, `sequence`, `form`
        or `segment`, or `SubscriberSource` values).

        Only `name` is required (Kit's description says so, though its schema
        lists nothing as required): Kit fills in the account's sending
        address, a daily schedule and the account's time zone. `repeat`
        lets a subscriber added again (by an automation, a rule, a bulk
        action or an import) start over; `hold` keeps subscribers in the
        sequence after its last email, so that they get emails added later.
        Add emails with `create_email()`.

        Each call creates another sequence, so it is not retried once it
        may have reached Kit.

        Raises:
            TypeError: a field Kit does not know, or no `name` (before
                sending).
            ValueError: a day or a source type that is not one of Kit's.
            PermissionDeniedError: the account may not create sequences.
            UnprocessableEntityError: Kit refused a field (`send_hour` out
                of range, an unknown time zone, ...).

        ```python
        sequence = await kit.sequences.create(
            name="Onboarding",
            send_days=["monday", "wednesday", "friday"],
            send_hour=9,
            time_zone="America/New_York",
            hold=True,
        )
        print(sequence.id, sequence.active)
        ```
        """
        body = sequence_body("kit.sequences.create()", fields, required=("name",))
        return await CREATE.call(self._transport, json=body)

    async def update(self, id: int, /, **fields: Unpack[SequenceFields]) -> EmailSequence:
        """Change some of a sequence's settings (`PUT /v4/sequences/{id}`).

        Takes the fields of `create()`; only those given change, the others
        are kept. Setting `active=False` pauses the sequence (subscribers
        keep their place), `active=True` resumes it. A new schedule applies
        to later sends only, not to emails already queued.

        Raises:
            TypeError: no field, or one Kit does not know (before sending).
            NotFoundError: no sequence has that id.
            UnprocessableEntityError: Kit refused a field (a blank name, ...).

        ```python
        sequence = await kit.sequences.create(name="Launch")
        paused = await kit.sequences.update(sequence.id, active=False, send_hour=14)
        print(paused.active, paused.send_hour)
        ```
        """
        sequence = check_id("id", id)
        body = sequence_body("kit.sequences.update()", fields)
        return await UPDATE.call(self._transport, {"id": sequence}, json=body)

    async def delete(self, id: int) -> None:
        """Delete a sequence (`DELETE /v4/sequences/{id}`, `204`).

        Kit deletes it softly and stops its deliveries at once: its
        subscribers get none of its remaining emails. To pause it instead,
        `update(id, active=False)`.

        Raises:
            NotFoundError: no sequence has that id.

        ```python
        sequence = await kit.sequences.create(name="Old promotion")
        await kit.sequences.delete(sequence.id)
        ```
        """
        await DELETE.call(self._transport, {"id": check_id("id", id)})

    def subscribers(
        self,
        sequence_id: int,
        *,
        status: SubscriberStatus | None = None,
        added_after: When | None = None,
        added_before: When | None = None,
        created_after: When | None = None,
        created_before: When | None = None,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[Subscriber]:
        """The subscribers of a sequence, with when they joined it (`added_at`).

        `GET /v4/sequences/{sequence_id}/subscribers`. Kit lists active
        subscribers unless `status` says otherwise (`"all"` for every state).

        Args:
            sequence_id: The sequence.
            status: `active` (Kit's default), `inactive`, `bounced`,
                `complained`, `cancelled` or `all`.
            added_after: Only subscribers added to the sequence after this (an aware
                datetime, a date, or ISO 8601 text); likewise the other bounds.
            added_before: Only subscribers added to the sequence before this.
            created_after: Only subscribers created after this.
            created_before: Only subscribers created before this.
            per_page: Subscribers per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count`.

        Raises:
            ValueError: a date bound that is not ISO 8601, or a time without
                a time zone (before sending).
            NotFoundError: no sequence has that id (when the first page is
                fetched).

        ```python
        async for subscriber in kit.sequences.subscribers(1, status="all"):
            print(subscriber.email_address, subscriber.added_at)
        ```
        """
        return SUBSCRIBERS.paginate(
            self._transport,
            path_params={"sequence_id": check_id("sequence_id", sequence_id)},
            params={
                "status": check_choice("status", status, SUBSCRIBER_STATUSES),
                "added_after": check_when("added_after", added_after),
                "added_before": check_when("added_before", added_before),
                "created_after": check_when("created_after", created_after),
                "created_before": check_when("created_before", created_before),
                "include_total_count": include_total_count or None,
            },
            per_page=per_page,
            after=after,
            before=before,
        )

    async def add_subscriber(
        self,
        sequence_id: int,
        *,
        subscriber_id: int | None = None,
        email_address: str | None = None,
    ) -> Upserted[Subscriber]:
        """Add an existing subscriber to a sequence, by id or by email address.

        `POST /v4/sequences/{sequence_id}/subscribers/{id}` or, by email,
        `POST /v4/sequences/{sequence_id}/subscribers`. The subscriber must
        exist (create one with `kit.subscribers.create()`). Adding a
        subscriber who is in the sequence already answers `200`
        (`result.created` is False) instead of `201`: safe to retry. (Kit
        restarts a `repeat` sequence for subscribers re-added by automations,
        rules, bulk actions and imports, not by this call.)

        Raises:
            TypeError: neither or both of `subscriber_id` and `email_address`.
            NotFoundError: no such sequence or subscriber.
            UnprocessableEntityError: the sequence is inactive.

        ```python
        result = await kit.sequences.add_subscriber(1, email_address="alice@example.com")
        print(result.item.added_at, result.created)
        ```
        """
        sequence = check_id("sequence_id", sequence_id)
        by_id, email = one_subscriber(subscriber_id, email_address)
        if by_id is not None:
            return await ADD_BY_ID.upsert(
                self._transport, {"sequence_id": sequence, "id": by_id}, json={}
            )
        return await ADD_BY_EMAIL.upsert(
            self._transport, {"sequence_id": sequence}, json={"email_address": email}
        )

    def emails(
        self,
        sequence_id: int,
        *,
        include_content: bool = False,
        include_stats: bool = False,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[SequenceEmail]:
        """The emails of a sequence, in the order subscribers get them (`position`).

        `GET /v4/sequences/{sequence_id}/emails`. Kit leaves out each email's
        heavy `content` unless `include_content` asks for it.

        Args:
            sequence_id: The sequence.
            include_content: Fill each email's `content` (its HTML body).
            include_stats: Fill each email's `stats`, the figures of Kit's
                sequence report.
            per_page: Emails per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count`.

        Raises:
            NotFoundError: no sequence has that id (when the first page is
                fetched).

        ```python
        sequence = await kit.sequences.create(name="Course")
        await kit.sequences.create_email(
            sequence.id, subject="Lesson 1", delay_value=0, delay_unit="days"
        )
        async for email in kit.sequences.emails(sequence.id, include_stats=True):
            print(email.position, email.subject, email.published, email.stats)
        ```
        """
        return EMAILS.paginate(
            self._transport,
            path_params={"sequence_id": check_id("sequence_id", sequence_id)},
            params={
                "include_content": include_content or None,
                "include": "stats" if include_stats else None,
                "include_total_count": include_total_count or None,
            },
            per_page=per_page,
            after=after,
            before=before,
        )

    async def get_email(
        self, sequence_id: int, email_id: int, *, include_stats: bool = False
    ) -> SequenceEmail:
        """One email of a sequence, always with its `content`.

        `GET /v4/sequences/{sequence_id}/emails/{id}`.

        Args:
            sequence_id: The sequence.
            email_id: The email.
            include_stats: Fill its `stats`.

        Raises:
            NotFoundError: no such sequence, or no such email in it.
        """
        return await GET_EMAIL.call(
            self._transport,
            {
                "sequence_id": check_id("sequence_id", sequence_id),
                "id": check_id("email_id", email_id),
            },
            params={"include": "stats" if include_stats else None},
        )

    async def create_email(
        self, sequence_id: int, /, **fields: Unpack[SequenceEmailFields]
    ) -> SequenceEmail:
        """Add an email to a sequence (`POST /v4/sequences/{sequence_id}/emails`).

        Kit's fields, as keywords: `subject`, `delay_value` and `delay_unit`
        (`days` or `hours`) are required; `preview_text`, `content` (HTML,
        which may use `{{ snippet.<key> }}`), `email_template_id`,
        `published`, `send_days` (a list of `monday` ... `sunday`) and
        `position` (from 0) are optional.

        The email is a draft (`published` False) unless `published=True`,
        and goes last unless `position` says otherwise. An email delayed in
        `days` follows the sequence's schedule (its own `send_days`
        override the days); one in `hours` ignores it. Only the first email
        may be immediate (`delay_value=0`). Publishing an immediate first
        email, or inserting one before where subscribers are, sends it to
        them at once.

        Each call appends another email, so it is not retried once it may
        have reached Kit.

        Raises:
            TypeError: a field Kit does not know, or a required one missing
                (before sending).
            ValueError: `delay_unit` or a day that is not one of Kit's.
            NotFoundError: no sequence has that id.
            UnprocessableEntityError: Kit refused a field (a blank subject,
                `send_days` on an `hours` email, ...).

        ```python
        sequence = await kit.sequences.create(name="Welcome")
        email = await kit.sequences.create_email(
            sequence.id,
            subject="Welcome aboard",
            content="<p>Glad you're here.</p>",
            delay_value=0,
            delay_unit="days",
        )
        print(email.id, email.position, email.published)
        ```
        """
        sequence = check_id("sequence_id", sequence_id)
        body = email_body(
            "kit.sequences.create_email()",
            fields,
            required=("subject", "delay_value", "delay_unit"),
        )
        return await CREATE_EMAIL.call(self._transport, {"sequence_id": sequence}, json=body)

    async def update_email(
        self, sequence_id: int, email_id: int, /, **fields: Unpack[SequenceEmailFields]
    ) -> SequenceEmail:
        """Change some of a sequence email's fields (`PUT /v4/sequences/{sequence_id}/emails/{id}`).

        Takes the fields of `create_email()`; only those given change.
        `send_days=None` drops the email's own days, so that it follows its
        sequence's schedule again; `email_template_id=None` clears its
        template. Moving an email (`position`) while subscribers go through
        the sequence can send emails out of order or skip some; publishing
        or unpublishing the first email processes its queued subscribers.

        Raises:
            TypeError: no field, or one Kit does not know (before sending).
            NotFoundError: no such sequence, or no such email in it.
            UnprocessableEntityError: Kit refused a field (`send_days` on an
                `hours` email, ...).

        ```python
        sequence = await kit.sequences.create(name="Tips")
        email = await kit.sequences.create_email(
            sequence.id, subject="Tip 1", delay_value=1, delay_unit="days"
        )
        email = await kit.sequences.update_email(
            sequence.id, email.id, published=True, send_days=["tuesday", "thursday"]
        )
        print(email.published, email.send_days)
        ```
        """
        path = {
            "sequence_id": check_id("sequence_id", sequence_id),
            "id": check_id("email_id", email_id),
        }
        body = email_body("kit.sequences.update_email()", fields)
        return await UPDATE_EMAIL.call(self._transport, path, json=body)

    async def delete_email(self, sequence_id: int, email_id: int) -> None:
        """Delete an email of a sequence (`DELETE /v4/sequences/{sequence_id}/emails/{id}`, `204`).

        Subscribers queued for it skip it and go on to the next email. To
        pause it instead, `update_email(..., published=False)`.

        Raises:
            NotFoundError: no such sequence, or no such email in it.
        """
        await DELETE_EMAIL.call(
            self._transport,
            {
                "sequence_id": check_id("sequence_id", sequence_id),
                "id": check_id("email_id", email_id),
            },
        )
