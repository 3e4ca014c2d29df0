"""`kit.forms` and `kit.sequences`, used the way users will use them, for the type checker.

Checked by `mypy --strict tests/typing` (`nox -s typecheck`); never run. Each
`# type: ignore[...]` marks a misuse that must stay an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, assert_type

import kit_async


async def forms(kit: kit_async.KitClient) -> None:
    async for form in kit.forms.list(status="all", type="hosted", include_subscriber_count=True):
        assert_type(form, kit_async.Form)
        assert_type(form.type, str)
        assert_type(form.format, str | None)
        assert_type(form.subscriber_count, int | None)

    async for subscriber in kit.forms.subscribers(1, added_after=date(2026, 1, 1), slim=True):
        assert_type(subscriber, kit_async.Subscriber)
        assert_type(subscriber.added_at, datetime | None)
        assert_type(subscriber.referrer_utm_parameters, Mapping[str, Any] | None)

    added = await kit.forms.add_subscriber(
        1, email_address="a@example.com", referrer="https://x.io"
    )
    assert_type(added, kit_async.Upserted[kit_async.Subscriber])

    result = await kit.forms.bulk_add_subscribers([{"form_id": 1, "subscriber_id": 2}])
    assert_type(result, kit_async.BulkResult[kit_async.Subscriber] | kit_async.BulkAccepted)

    kit.forms.list(status="deleted")  # type: ignore[arg-type]
    await kit.forms.add_subscriber(1, 2)  # type: ignore[call-arg]


async def sequences(kit: kit_async.KitClient) -> None:
    sequence = await kit.sequences.create(
        name="Onboarding",
        send_days=["monday", "friday"],
        exclude_subscriber_sources=[
            kit_async.SubscriberSource("tag", (3,)),
            {"type": "form", "ids": [1]},
        ],
    )
    assert_type(sequence, kit_async.EmailSequence)
    assert_type(sequence.send_days, tuple[str, ...] | None)
    assert_type(sequence.stats, kit_async.SequenceStats | None)

    updated = await kit.sequences.update(sequence.id, active=False)
    assert_type(updated, kit_async.EmailSequence)
    assert_type(await kit.sequences.get(sequence.id, include_stats=True), kit_async.EmailSequence)

    email = await kit.sequences.create_email(
        sequence.id, subject="Hi", delay_value=0, delay_unit="days"
    )
    assert_type(email, kit_async.SequenceEmail)
    assert_type(email.stats, kit_async.SequenceEmailStats | None)
    await kit.sequences.update_email(sequence.id, email.id, send_days=None)

    async for listed in kit.sequences.emails(sequence.id, include_content=True):
        assert_type(listed, kit_async.SequenceEmail)

    added = await kit.sequences.add_subscriber(sequence.id, subscriber_id=2)
    assert_type(added, kit_async.Upserted[kit_async.Subscriber])

    # A typo in a field name is caught by the type checker as well as at run time.
    await kit.sequences.create(name="x", send_hours=9)  # type: ignore[call-arg]
    await kit.sequences.create_email(1, subject="x", delay_value=1, delay_unit="weeks")  # type: ignore[arg-type]
    await kit.sequences.update(1, send_days="monday")  # type: ignore[arg-type]
