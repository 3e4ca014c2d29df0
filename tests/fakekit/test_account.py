"""FakeKit's account: the seeding helpers tests use, and the rules they keep."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kit_async.testing import FakeKit

NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def server() -> FakeKit:
    return FakeKit(broadcasts=2, clock=lambda: NOW)


def test_a_new_account_has_kits_email_templates_and_no_other_data(server: FakeKit) -> None:
    account = server.account

    assert [t.name for t in account.email_templates.values()] == [
        "Card",
        "Classic",
        "Modern",
        "Text Only",
        "Story",
    ]
    assert [t.id for t in account.email_templates.values() if t.is_default] == [6]
    assert not account.subscribers
    assert not account.tags
    assert not account.forms
    assert sorted(account.broadcasts) == [1, 2]


def test_ids_count_from_one_in_each_collection(server: FakeKit) -> None:
    alice = server.add_subscriber("alice@example.com")
    vip = server.add_tag("VIP")
    bob = server.add_subscriber("bob@example.com")

    assert (alice.id, bob.id, vip.id) == (1, 2, 1)
    assert server.account.add_email_template("Mine").id == 9
    assert server.account.add_broadcast(subject="Third").id == 3


def test_add_subscriber_sets_its_fields_and_timestamps(server: FakeKit) -> None:
    server.add_custom_field("Last name")

    alice = server.add_subscriber(
        "alice@example.com", first_name="Alice", fields={"last_name": "Lamarr", "Nope": "x"}
    )

    assert alice.created_at == alice.updated_at == NOW
    assert alice.state == "active"
    assert alice.canceled_at is None
    assert server.account.fields_of(alice) == {"last_name": "Lamarr"}


def test_a_cancelled_subscriber_was_canceled_when_created(server: FakeKit) -> None:
    gone = server.add_subscriber("gone@example.com", state="cancelled")

    assert gone.canceled_at == NOW


def test_addresses_are_unique_case_insensitively(server: FakeKit) -> None:
    server.add_subscriber("Alice@Example.com")

    with pytest.raises(ValueError, match=r"alice@example\.com"):
        server.add_subscriber("alice@example.com")
    assert server.account.subscriber_by_email(" ALICE@example.COM ") is not None


def test_an_unknown_state_is_refused_with_the_choices(server: FakeKit) -> None:
    with pytest.raises(ValueError, match=r"active, inactive, bounced, complained, cancelled"):
        server.add_subscriber("a@example.com", state="gone")


def test_tag_names_are_unique_case_insensitively(server: FakeKit) -> None:
    server.add_tag("VIP")

    with pytest.raises(ValueError, match="'vip'"):
        server.add_tag("vip")
    assert server.account.tag_named("Vip") is not None


def test_tagging_twice_keeps_the_first_time(server: FakeKit) -> None:
    alice = server.add_subscriber("alice@example.com")
    vip = server.add_tag("VIP")
    first = datetime(2025, 1, 1, tzinfo=UTC)

    assert server.tag_subscriber(vip, alice, at=first) == first
    assert server.tag_subscriber(vip.id, alice.id) == first
    assert server.account.tags_of(alice.id) == [(vip, first)]


def test_linking_an_unknown_record_names_it(server: FakeKit) -> None:
    alice = server.add_subscriber("alice@example.com")

    with pytest.raises(KeyError, match="no tag 7"):
        server.tag_subscriber(7, alice)
    with pytest.raises(KeyError, match="no form 7"):
        server.subscribe_to_form(7, alice)
    with pytest.raises(KeyError, match="no sequence 7"):
        server.add_to_sequence(7, alice)
    with pytest.raises(KeyError, match="no subscriber 9"):
        server.tag_subscriber(server.add_tag("x"), 9)


def test_custom_field_keys_and_names_are_derived_from_the_label(server: FakeKit) -> None:
    field = server.add_custom_field("  Ünïcode & Co. ")

    assert (field.label, field.key, field.name) == (
        "Ünïcode & Co.",
        "unicode_co",
        "ck_field_1_unicode_co",
    )
    with pytest.raises(ValueError, match="labelled"):
        server.add_custom_field("ünïcode & co.")


def test_forms_and_their_subscriptions(server: FakeKit) -> None:
    alice = server.add_subscriber("alice@example.com")
    form = server.add_form("Sign up")
    page = server.add_form("Landing", type="hosted", status="archived")

    subscription = server.subscribe_to_form(
        form, alice, referrer="https://example.com/?utm_source=x"
    )

    assert subscription.added_at == NOW
    assert server.subscribe_to_form(form.id, alice.id) is subscription
    assert (form.type, form.archived, page.type, page.archived) == ("embed", False, "hosted", True)
    assert len(form.uid) == 8


def test_sequences_take_their_settings_and_the_account_time_zone(server: FakeKit) -> None:
    alice = server.add_subscriber("alice@example.com")
    paused = server.add_sequence("Paused", active=False, send_hour=9)

    assert (paused.active, paused.send_hour, paused.time_zone) == (False, 9, "America/New_York")
    assert server.add_to_sequence(paused, alice) == NOW


def test_segments_and_posts(server: FakeKit) -> None:
    segment = server.add_segment("Engaged")
    post = server.add_post("Hello, world", content="<p>Hi</p>")
    draft = server.add_post("Later", status="draft")

    assert (segment.id, segment.created_at) == (1, NOW)
    assert (post.slug, post.published_at, post.status) == ("hello-world", NOW, "published")
    assert (draft.published_at, draft.status) == (None, "draft")


def test_the_clock_stamps_what_fakekit_creates() -> None:
    times = iter([datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)])
    server = FakeKit(clock=lambda: next(times))

    first, second = server.add_tag("a"), server.add_tag("b")

    assert (first.created_at.day, second.created_at.day) == (1, 2)


def test_the_default_clock_is_utc_to_the_second() -> None:
    created = FakeKit().add_tag("now").created_at

    assert created.tzinfo is UTC
    assert created.microsecond == 0
