"""Generate `kit_async/_kit.py`, Kit's facts, from Kit's OpenAPI description.

Kit's enumerations (subscriber states, sort fields, filter condition types...),
its legacy webhook events and the operations it serves are read here from the
description checked in beside the contract tests, and written once into
`kit_async/_kit.py`: the client's resources (the legacy webhooks' included)
and FakeKit import them from there. A fact the description lacks is written by hand in
`EXTRA` below (the one hand-written place), with where it comes from.

    python scripts/kit_facts.py                # rewrite kit_async/_kit.py
    python scripts/kit_facts.py --output FILE  # write elsewhere (nox -s facts compares)

Only the standard library is needed. The output is formatted as `ruff format`
leaves it, and depends on nothing but the description and this file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTION = ROOT / "tests" / "contract" / "kit-openapi-v4-2026-12.json"
OUTPUT = ROOT / "kit_async" / "_kit.py"
METHODS = ("get", "post", "put", "patch", "delete")
LINE_LENGTH = 100  # pyproject.toml's [tool.ruff] line-length
_SIMPLE = re.compile(r"[A-Za-z0-9_.{}/ -]+")


# -- reading the description ----------------------------------------------------------------


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """An RFC 6901 JSON pointer to `tokens`."""
    return "".join(f"/{_escape(str(token))}" for token in tokens)


def resolve(document: Any, where: str) -> Any:
    """The value at the JSON pointer `where`, or a KeyError naming it."""
    value = document
    for raw in where.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        try:
            value = value[int(token)] if isinstance(value, list) else value[token]
        except (KeyError, IndexError, ValueError):
            msg = f"the description has nothing at {where}"
            raise KeyError(msg) from None
    return value


@dataclass(frozen=True)
class Source:
    """Where a list of values is in the description, and how to read it there.

    `how` is `enum` (the schema's `enum`), `backticks` (the values written in
    backticks in a `description` text, each once, in order), `properties`
    (an object schema's property names), `numbers` (the names of its number
    and integer properties) or `variants` (the property names of each schema of a
    `oneOf`, each once, in order).
    """

    where: str
    how: str

    def read(self, document: Any) -> tuple[str, ...]:
        """The values, each a simple string."""
        value = resolve(document, self.where)
        if self.how == "enum":
            values = value["enum"]
        elif self.how == "backticks":
            values = list(dict.fromkeys(re.findall(r"`([^`]+)`", value)))
        elif self.how == "properties":
            values = list(value["properties"])
        elif self.how == "numbers":
            values = [
                name
                for name, kind in value["properties"].items()
                if kind.get("type") in ("number", "integer")
            ]
        elif self.how == "variants":
            values = list(
                dict.fromkeys(name for one in value["oneOf"] for name in one["properties"])
            )
        else:
            msg = f"unknown way to read {self.where}: {self.how}"
            raise ValueError(msg)
        if not values or not all(isinstance(v, str) and _SIMPLE.fullmatch(v) for v in values):
            msg = f"{self.where} ({self.how}): expected simple strings, got {values!r}"
            raise ValueError(msg)
        return tuple(values)

    def describe(self) -> str:
        """Where and how, for the generated comment."""
        how = {
            "enum": "its enum",
            "backticks": "the values its text puts in backticks",
            "properties": "its property names",
            "numbers": "the names of its number properties",
            "variants": "the property names of each of its oneOf",
        }[self.how]
        return f"{self.where} ({how})"


def enum(*tokens: str | int) -> Source:
    """The `enum` of the schema at `tokens`."""
    return Source(pointer(*tokens), "enum")


def backticks(*tokens: str | int) -> Source:
    """The backticked values of the `description` text at `tokens`."""
    return Source(pointer(*tokens, "description"), "backticks")


def properties(*tokens: str | int) -> Source:
    """The property names of the object schema at `tokens`."""
    return Source(pointer(*tokens), "properties")


def numbers(*tokens: str | int) -> Source:
    """The names of the number and integer properties of the object schema at `tokens`."""
    return Source(pointer(*tokens), "numbers")


def variants(*tokens: str | int) -> Source:
    """The property names of each schema of the `oneOf` at `tokens`."""
    return Source(pointer(*tokens), "variants")


def body(path: str, method: str, *rest: str | int) -> tuple[str | int, ...]:
    """The JSON request body schema of an operation, then `rest`."""
    return ("paths", path, method, "requestBody", "content", "application/json", "schema", *rest)


def parameter(document: Any, path: str, method: str, name: str) -> tuple[str | int, ...]:
    """The parameter `name` of an operation, found by its name."""
    for index, declared in enumerate(document["paths"][path][method].get("parameters", [])):
        if declared.get("name") == name:
            return ("paths", path, method, "parameters", index)
    msg = f"{method.upper()} {path} declares no parameter {name!r}"
    raise KeyError(msg)


def schema(name: str, *rest: str | int) -> tuple[str | int, ...]:
    """A schema of `components`, then `rest`."""
    return ("components", "schemas", name, *rest)


# -- the facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Extra:
    """Values the description lacks, written by hand, and where they come from."""

    values: tuple[str, ...] | Mapping[str, str | None]
    source: str


@dataclass(frozen=True)
class Enumeration:
    """A tuple of Kit's values and its `Literal` twin.

    Attributes:
        name: The tuple's name (`SUBSCRIBER_STATES`).
        literal: The `Literal`'s name (`SubscriberState`).
        doc: What the values are, for the `#:` comment.
        source: Where the values are read (or, for the few the description
            lacks, a name of `EXTRA`).
        without: Values of `source` left out (a filter's catch-all `all`).
        agrees: Other places in the description that list the same values (in
            any order): the generator fails when they disagree.
    """

    name: str
    literal: str
    doc: str
    source: Source | str
    without: tuple[str, ...] = ()
    agrees: tuple[Source, ...] = field(default_factory=tuple)


# == Facts Kit's description lacks =============================================================
# The ONE hand-written place for them. The description checked in is Kit's text of April 2025
# for the 54 operations it had then, with the 31 added since as Kit described them: what Kit
# changed in the old 54 by 2026-10-02 is not in it (Kit's description of that date says it),
# nor are the webhook event types, which it only links to.
EXTRA: dict[str, Extra] = {
    "BROADCAST_STATUSES": Extra(
        ("draft", "scheduled", "sending", "completed", "aborted"),
        "Kit's description of 2026-10-02: GET /v4/broadcasts and GET /v4/broadcasts/stats"
        " gained a `status` query parameter with this enum",
    ),
    "SUBSCRIBER_SORT_FIELDS": Extra(
        (
            "id",
            "created_at",
            "updated_at",
            "cancelled_at",
            "canceled_at",
            "engagement__sent",
            "engagement__opens",
            "engagement__clicks",
            "engagement__open_rate",
            "engagement__click_rate",
        ),
        "Kit's description of 2026-10-02: GET /v4/subscribers `sort_field` is this enum"
        " (the April 2025 text checked in lists only id, updated_at and cancelled_at)",
    ),
    "PURCHASE_FIELDS": Extra(
        (
            "email_address",
            "transaction_id",
            "status",
            "subtotal",
            "tax",
            "shipping",
            "discount",
            "total",
            "currency",
            "transaction_time",
            "products",
        ),
        "Kit's description of 2026-10-02: the POST /v4/purchases body drops `first_name` and"
        " requires all eleven of these (the April 2025 text checked in requires four)",
    ),
    "PURCHASE_PRODUCT_REQUIRED_FIELDS": Extra(
        ("name", "pid", "lid", "quantity", "unit_price", "sku"),
        "Kit's description of 2026-10-02: a POST /v4/purchases product requires `sku` too",
    ),
    "SUBSCRIBER_INCLUDES": Extra(
        ("attribution", "tags", "location", "canceled_at"),
        "Kit's description of 2026-10-02: GET /v4/subscribers gained `include`, taking these",
    ),
    "WEBHOOK_EVENT_TYPES": Extra(
        (
            "subscriber.created",
            "subscriber.activated",
            "subscriber.unsubscribed",
            "subscriber.bounced",
            "subscriber.complained",
            "subscriber.subscribed_to_form",
            "subscriber.added_to_sequence",
            "subscriber.sequence_completed",
            "subscriber.tag_added",
            "subscriber.tag_removed",
            "subscriber.custom_field_value_updated",
            "subscriber.product_purchased",
            "subscriber.link_clicked",
            "subscriber.email_opened",
            "tag.created",
            "tag.deleted",
            "custom_field.created",
            "custom_field.deleted",
            "sequence.created",
            "sequence.deleted",
            "sequence.published",
            "sequence.disabled",
            "broadcast.created",
            "broadcast.sent",
            "broadcast.deleted",
            "post.published",
            "landing_page.created",
            "landing_page.deleted",
        ),
        "Kit's webhook docs (/webhooks/event-types, which the description only links to):"
        " the types delivered, and those announced (product_purchased, link_clicked,"
        " email_opened, landing_page.*)",
    ),
    "LEGACY_EVENTS": Extra(
        {
            "custom_field.field_created": None,
            "custom_field.field_deleted": None,
            "custom_field.field_value_updated": "custom_field_id",
        },
        "Kit's description of 2026-10-02: POST /v4/webhooks documents these three event"
        " types more (and `event.custom_field_id`)",
    ),
}
# == end of the hand-written facts ===========================================================


def enumerations(document: Any) -> list[Enumeration]:
    """Every enumeration, in the order of the generated module."""
    subscribers = "/v4/subscribers"
    listed_status = [
        backticks(*parameter(document, path, "get", "status"))
        for path in (
            "/v4/tags/{tag_id}/subscribers",
            "/v4/forms/{form_id}/subscribers",
            "/v4/sequences/{sequence_id}/subscribers",
        )
    ]
    sequence_emails = "/v4/sequences/{sequence_id}/emails"
    return [
        Enumeration(
            "SUBSCRIBER_STATUSES",
            "SubscriberStatus",
            "The `status` filter of the lists of subscribers (`all`: every state).",
            backticks(*parameter(document, subscribers, "get", "status")),
            agrees=tuple(listed_status),
        ),
        Enumeration(
            "SUBSCRIBER_STATES",
            "SubscriberState",
            "A subscriber's `state` (Kit creates them `active` unless told otherwise).",
            backticks(*parameter(document, subscribers, "get", "status")),
            without=("all",),
            agrees=(
                backticks(*body(subscribers, "post", "properties", "state")),
                backticks(
                    *body("/v4/bulk/subscribers", "post", "properties", "subscribers"),
                    "items",
                    "properties",
                    "state",
                ),
                enum(*schema("FilterCondition", "properties", "states", "items")),
            ),
        ),
        Enumeration(
            "SUBSCRIBER_SORT_FIELDS",
            "SubscriberSortField",
            "`GET /v4/subscribers`: the `sort_field` values.",
            "SUBSCRIBER_SORT_FIELDS",
        ),
        Enumeration(
            "SUBSCRIBER_INCLUDES",
            "SubscriberInclude",
            "`GET /v4/subscribers`: what `include=` may add.",
            "SUBSCRIBER_INCLUDES",
        ),
        Enumeration(
            "SORT_ORDERS",
            "SortOrder",
            "The `sort_order` of the subscriber list and of the subscriber filter.",
            backticks(*parameter(document, subscribers, "get", "sort_order")),
            agrees=(enum(*schema("SubscriberFilterRequest", "properties", "sort_order")),),
        ),
        Enumeration(
            "FILTER_CONDITION_TYPES",
            "FilterConditionType",
            "`POST /v4/subscribers/filter`: the `type` of a condition of `all`.",
            enum(*schema("FilterCondition", "properties", "type")),
        ),
        Enumeration(
            "FILTER_COMPARISONS",
            "FilterComparison",
            "`POST /v4/subscribers/filter`: a `custom_field` condition's `comparison`.",
            enum(*schema("FilterCondition", "properties", "comparison")),
        ),
        Enumeration(
            "FILTER_INCLUDES",
            "FilterInclude",
            "`POST /v4/subscribers/filter`: the `type` of an `include` entry.",
            enum(
                *schema("SubscriberFilterRequest", "properties", "include", "items"),
                "properties",
                "type",
            ),
        ),
        Enumeration(
            "FILTER_SORT_FIELDS",
            "FilterSortField",
            "`POST /v4/subscribers/filter`: the `sort_field` values.",
            enum(*schema("SubscriberFilterRequest", "properties", "sort_field")),
        ),
        Enumeration(
            "COUNTING_MODES",
            "CountingMode",
            "`POST /v4/subscribers/filter`: how engagement conditions count events.",
            enum(*schema("SubscriberFilterRequest", "properties", "counting_mode")),
        ),
        Enumeration(
            "PINNED_LOCATION_FIELDS",
            "PinnedLocationField",
            "A pinned location's fields (`/v4/subscribers/{subscriber_id}/location`).",
            properties(
                *body("/v4/subscribers/{subscriber_id}/location", "post", "properties", "location")
            ),
            agrees=(
                properties(
                    *body(
                        "/v4/subscribers/{subscriber_id}/location",
                        "patch",
                        "properties",
                        "location",
                    )
                ),
            ),
        ),
        Enumeration(
            "CUSTOM_FIELD_VALUE_FIELDS",
            "CustomFieldValueField",
            "`POST /v4/bulk/custom_fields/subscribers`: the keys of a `custom_field_values` item.",
            properties(
                *body("/v4/bulk/custom_fields/subscribers", "post", "properties"),
                "custom_field_values",
                "items",
            ),
        ),
        Enumeration(
            "FORM_ADDITION_FIELDS",
            "FormAdditionField",
            "`POST /v4/bulk/forms/subscribers`: the keys of an `additions` item.",
            properties(
                *body("/v4/bulk/forms/subscribers", "post", "properties", "additions", "items")
            ),
        ),
        Enumeration(
            "PURCHASE_FIELDS",
            "PurchaseField",
            "`POST /v4/purchases`: the fields of a `purchase`, all required.",
            "PURCHASE_FIELDS",
        ),
        Enumeration(
            "PURCHASE_AMOUNT_FIELDS",
            "PurchaseAmountField",
            "`POST /v4/purchases`: a `purchase`'s amounts (numbers).",
            numbers(*body("/v4/purchases", "post", "properties", "purchase")),
        ),
        Enumeration(
            "PURCHASE_PRODUCT_FIELDS",
            "PurchaseProductField",
            "`POST /v4/purchases`: the fields of an item of `products`.",
            properties(
                *body("/v4/purchases", "post", "properties", "purchase", "properties", "products"),
                "items",
            ),
        ),
        Enumeration(
            "PURCHASE_PRODUCT_REQUIRED_FIELDS",
            "PurchaseProductRequiredField",
            "`POST /v4/purchases`: the fields an item of `products` must have.",
            "PURCHASE_PRODUCT_REQUIRED_FIELDS",
        ),
        Enumeration(
            "BROADCAST_STATUSES",
            "BroadcastStatus",
            "A broadcast's `status`, and the `status` filter of the broadcast lists.",
            "BROADCAST_STATUSES",
        ),
        Enumeration(
            "BROADCAST_FILTER_GROUPS",
            "BroadcastFilterGroup",
            "The group types of a broadcast's `subscriber_filter` (one type per broadcast).",
            backticks(*body("/v4/broadcasts", "post", "properties", "subscriber_filter")),
            agrees=(
                properties(
                    *body("/v4/broadcasts", "post", "properties", "subscriber_filter", "items")
                ),
                properties(
                    *body("/v4/broadcasts/{id}", "put", "properties", "subscriber_filter", "items")
                ),
            ),
        ),
        Enumeration(
            "FORM_STATUSES",
            "FormStatus",
            "The `status` filter of the list of forms.",
            backticks(*parameter(document, "/v4/forms", "get", "status")),
        ),
        Enumeration(
            "FORM_TYPES",
            "FormType",
            "The `type` filter of the list of forms: `embed` (forms), `hosted` (landing pages).",
            backticks(*parameter(document, "/v4/forms", "get", "type")),
        ),
        Enumeration(
            "SNIPPET_TYPES",
            "SnippetType",
            "A snippet's `snippet_type`, fixed at creation.",
            backticks(*parameter(document, "/v4/snippets", "get", "snippet_type")),
        ),
        Enumeration(
            "SNIPPET_CREATE_FIELDS",
            "SnippetCreateField",
            "`POST /v4/snippets`: the body fields (of an inline or a block snippet).",
            variants(*body("/v4/snippets", "post")),
        ),
        Enumeration(
            "SNIPPET_UPDATE_FIELDS",
            "SnippetUpdateField",
            "`PUT /v4/snippets/{id}`: the body fields (of an inline or a block snippet).",
            variants(*body("/v4/snippets/{id}", "put")),
        ),
        Enumeration(
            "WEEKDAYS",
            "Weekday",
            "The days of `send_days`, as Kit spells them.",
            backticks(*body("/v4/sequences", "post", "properties", "send_days")),
            agrees=(backticks(*body("/v4/sequences/{id}", "put", "properties", "send_days")),),
        ),
        Enumeration(
            "DELAY_UNITS",
            "DelayUnit",
            "A sequence email's `delay_unit`.",
            enum(*body(sequence_emails, "post", "properties", "delay_unit")),
            agrees=(enum(*body(f"{sequence_emails}/{{id}}", "put", "properties", "delay_unit")),),
        ),
        Enumeration(
            "SUBSCRIBER_SOURCE_TYPES",
            "SubscriberSourceType",
            "The `type` of a sequence's `exclude_subscriber_sources` entry.",
            backticks(
                *body("/v4/sequences", "post", "properties", "exclude_subscriber_sources"),
                "items",
                "properties",
                "type",
            ),
            agrees=(
                backticks(
                    *body("/v4/sequences/{id}", "put", "properties", "exclude_subscriber_sources"),
                    "items",
                    "properties",
                    "type",
                ),
            ),
        ),
        Enumeration(
            "WEBHOOK_ENDPOINT_STATUSES",
            "WebhookEndpointStatus",
            "A webhook endpoint's `status` (`disabled`: deliveries paused).",
            enum(*parameter(document, "/v4/webhook_endpoints", "get", "status"), "schema"),
            agrees=(enum(*body("/v4/webhook_endpoints/{id}", "patch", "properties", "status")),),
        ),
        Enumeration(
            "WEBHOOK_DELIVERY_STATUSES",
            "WebhookDeliveryStatus",
            "A webhook delivery's `status` (the delivery history's filter).",
            enum(
                *parameter(document, "/v4/webhook_endpoints/{id}/deliveries", "get", "status"),
                "schema",
            ),
        ),
        Enumeration(
            "WEBHOOK_EVENT_TYPES",
            "WebhookEventType",
            "The event types webhook endpoints deliver, and those Kit has announced.",
            "WEBHOOK_EVENT_TYPES",
        ),
    ]


def read_enumeration(document: Any, fact: Enumeration) -> tuple[tuple[str, ...], list[str]]:
    """The values of `fact`, and the comment lines saying where they come from."""
    if isinstance(fact.source, str):
        extra = EXTRA[fact.source]
        if not isinstance(extra.values, tuple):
            msg = f"EXTRA[{fact.source!r}] must be a tuple"
            raise TypeError(msg)
        return extra.values, [
            f"Not in the description (EXTRA in scripts/kit_facts.py): {extra.source}."
        ]
    values = fact.source.read(document)
    missing = [value for value in fact.without if value not in values]
    if missing:
        msg = f"{fact.name}: {fact.source.where} has no {missing}"
        raise ValueError(msg)
    values = tuple(value for value in values if value not in fact.without)
    lines = [f"From {fact.source.describe()}"]
    if fact.without:
        lines[0] += f", without {', '.join(f'`{value}`' for value in fact.without)}"
    for other in fact.agrees:
        found = other.read(document)
        if set(found) != set(values) or len(found) != len(values):
            msg = f"{fact.name}: {fact.source.where} says {values}, but {other.where} says {found}"
            raise ValueError(msg)
        lines[-1] += ";"
        lines.append(f"the same in {other.describe()}")
    lines[-1] += "."
    return values, lines


def operations(document: Any) -> list[tuple[str, str, bool]]:
    """(method, path, OAuth only) of every operation, in the description's order."""
    found = []
    for path, item in document["paths"].items():
        for method in item:
            if method in METHODS:
                schemes = {name for option in item[method]["security"] for name in option}
                found.append((method.upper(), path, schemes == {"OAuth2"}))
    return found


def legacy_events(document: Any) -> tuple[dict[str, str | None], str]:
    """Kit's legacy event types and the `event` key each needs, from POST /v4/webhooks' text."""
    where = pointer("paths", "/v4/webhooks", "post", "description")
    text = resolve(document, where)
    events: dict[str, str | None] = {}
    for line in (line.strip() for line in text.split("<br/>")):
        if not line.startswith("- "):
            continue  # "Available event types:"
        found = re.fullmatch(r"- `([a-z_.]+)`(?:, required parameter `([a-z_]+)`.*)?", line)
        if found is None:
            msg = f"{where}: cannot read the event type of {line!r}"
            raise ValueError(msg)
        events[found[1]] = found[2]
    if not events:
        msg = f"no legacy event types found in {where}"
        raise ValueError(msg)
    return events, where


# -- writing the module -------------------------------------------------------------------------

HEADER = '''\
"""Kit's facts: its enumerations, event types and operations, read from its API description.

GENERATED by `scripts/kit_facts.py` from `tests/contract/kit-openapi-v4-2026-12.json`
(Kit's OpenAPI description): do not edit by hand. To change a fact, change the
description or the script (facts the description lacks are in its `EXTRA` table),
then regenerate:

    python scripts/kit_facts.py

`nox -s facts` (run by CI) and `tests/unit/test_kit_facts.py` fail when this file is not
what the script generates. The client's resources and FakeKit read Kit's facts
from here, and only from here. Each tuple is its `Literal` twin's
arguments, so the two cannot differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, get_args
'''


def _string(value: str) -> str:
    if not _SIMPLE.fullmatch(value):
        msg = f"not a simple string: {value!r}"
        raise ValueError(msg)
    return f'"{value}"'


def _comment(lines: Iterable[str], marker: str = "#") -> list[str]:
    return [f"{marker} {line}" for line in lines]


def _enumeration(fact: Enumeration, values: Sequence[str], origin: list[str]) -> list[str]:
    tuple_line = f"{fact.name}: tuple[{fact.literal}, ...] = get_args({fact.literal})"
    if len(tuple_line) > LINE_LENGTH:  # as `ruff format` wraps it
        tuple_line = f"{fact.name}: tuple[{fact.literal}, ...] = get_args(\n    {fact.literal}\n)"
    return [
        "",
        *_comment([fact.doc], "#:"),
        *_comment(origin),
        f"{fact.literal} = Literal[",
        *(f"    {_string(value)}," for value in values),
        "]",
        tuple_line,
    ]


def render(document: Any) -> str:
    """The text of `kit_async/_kit.py` for `document` (Kit's description, parsed)."""
    lines = [HEADER.rstrip("\n")]

    found = operations(document)
    lines += [
        "",
        f"#: Kit's {len(found)} operations, (method, path template), in the description's order.",
        "# From /paths (each path's get, post, put, patch and delete).",
        "OPERATIONS: tuple[tuple[str, str], ...] = (",
        *(f"    ({_string(method)}, {_string(path)})," for method, path, _ in found),
        ")",
        "",
        "#: The operations Kit serves to OAuth apps only (an API key gets 401).",
        "# From each operation's `security`: these list only the OAuth2 scheme.",
        "OAUTH_ONLY_OPERATIONS: tuple[tuple[str, str], ...] = (",
        *(f"    ({_string(method)}, {_string(path)})," for method, path, oauth in found if oauth),
        ")",
    ]

    for fact in enumerations(document):
        values, origin = read_enumeration(document, fact)
        lines += _enumeration(fact, values, origin)

    events, where = legacy_events(document)
    extra = EXTRA["LEGACY_EVENTS"]
    if not isinstance(extra.values, Mapping):
        msg = "EXTRA['LEGACY_EVENTS'] must be a mapping"
        raise TypeError(msg)
    known = [name for name in extra.values if name in events]
    if known:
        msg = f"EXTRA['LEGACY_EVENTS'] repeats what the description has: {known}"
        raise ValueError(msg)
    described = len(events)
    events.update(extra.values)
    lines += [
        "",
        "#: Kit's legacy webhook event types (`/v4/webhooks`).",
        f"# The first {described} from {where} (its list of event types);",
        f"# the last {len(extra.values)} are not in the description (EXTRA in scripts/kit_facts.py):",
        *_comment([f"{extra.source}."]),
        "LegacyEventType = Literal[",
        *(f"    {_string(name)}," for name in events),
        "]",
        "LEGACY_EVENT_TYPES: tuple[LegacyEventType, ...] = get_args(LegacyEventType)",
        "#: Each legacy event type, and the key it needs in `event` (`None`: none).",
        "LEGACY_EVENTS: Mapping[str, str | None] = MappingProxyType(",
        "    {",
        *(
            f"        {_string(name)}: {'None' if key is None else _string(key)},"
            for name, key in events.items()
        ),
        "    }",
        ")",
    ]
    unused = set(EXTRA) - {f.source for f in enumerations(document) if isinstance(f.source, str)}
    if unused - {"LEGACY_EVENTS"}:
        msg = f"EXTRA has facts nothing writes: {sorted(unused)}"
        raise ValueError(msg)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the module (by default over `kit_async/_kit.py`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    document = json.loads(DESCRIPTION.read_text(encoding="utf-8"))
    text = render(document)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} from {DESCRIPTION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
