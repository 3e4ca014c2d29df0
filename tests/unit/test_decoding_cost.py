"""What keeps the default install's decoding cheap, and what it must not change.

The standard library parses floats in C unless a number in the text could be
beyond a float's range; only then does a Python check run on each float. The
cattrs path lets go of each item's dict once its model is built, so a page's
dicts and its models are never all alive at once. Neither may change a value
or an error: `test_converter.py` and `test_hostile_bodies.py` check those on
both paths.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import kit_async._converter as converter_module
import kit_async._json as json_module
from kit_async import ResponseValidationError
from kit_async._converter import parse_body, read_items
from kit_async._resources.broadcasts import CLICKS


@pytest.fixture(autouse=True)
def default_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default install's path: the standard library's json and cattrs."""
    monkeypatch.setattr(converter_module, "_fast", None)
    monkeypatch.setattr(json_module, "_loads", json_module._json_loads)


def page(count: int) -> bytes:
    clicks = [
        {
            "url": f"https://example.com/{index}",
            "unique_clicks": index,
            "click_to_delivery_rate": index / 1000 + 0.0001,
            "click_to_open_rate": 1e-3 * index,
        }
        for index in range(count)
    ]
    pagination = {
        "has_previous_page": False,
        "has_next_page": True,
        "start_cursor": "WzFd",
        "end_cursor": "WzEwMDBd",
        "per_page": count,
    }
    return json.dumps({"broadcast": {"id": 7, "clicks": clicks}, "pagination": pagination}).encode()


class _Refusing:
    def decode(self, text: str) -> Any:
        msg = "the checking parser ran"
        raise AssertionError(msg)


def test_a_page_of_ordinary_numbers_is_parsed_without_a_python_call_per_float(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = page(50)
    monkeypatch.setattr(json_module, "_STRICT_JSON", _Refusing())

    assert json_module.loads(body) == json.loads(body)


NUMBERS = st.builds(
    lambda sign, head, digits, fraction, exponent: (
        sign + head + digits + (b"." + fraction if fraction else b"") + exponent
    ),
    st.sampled_from([b"", b"-"]),
    st.sampled_from([b"1", b"9"]),
    st.integers(0, 420).map(lambda count: b"7" * count),
    st.sampled_from([b"", b"5", b"000001", b"9" * 30]),
    st.one_of(
        st.just(b""),
        st.builds(
            lambda letter, sign, value: letter + sign + value,
            st.sampled_from([b"e", b"E"]),
            st.sampled_from([b"", b"+", b"-"]),
            st.integers(0, 99_999).map(lambda value: str(value).encode())
            | st.sampled_from([b"0308", b"00309", b"0099"]),
        ),
    ),
)


@given(number=NUMBERS)
@example(number=b"1e308")
@example(number=b"2e308")
@example(number=b"1" * 210 + b"e99")
@example(number=b"1" * 209 + b"e99")
@example(number=b"9" * 309)
@example(number=b"0.0000001e315")
def test_a_number_beyond_a_floats_range_is_refused_whatever_its_shape(number: bytes) -> None:
    text = b'{"a": [1.5, ' + number + b"]}"
    if b"." in number or b"e" in number.lower():
        expected_refused = math.isinf(float(number))
    else:
        expected_refused = len(number.lstrip(b"-")) > 4300  # an int: Python's digit limit

    try:
        value = json_module.loads(text)
    except ValueError:
        refused = True
    else:
        refused = False
        assert repr(value) == repr(json.loads(text))

    assert refused == expected_refused


class _Watching:
    """The converter, with its structuring functions reporting each call."""

    def __init__(self, real: Any, seen: list[int], left: Any) -> None:
        self._real, self._seen, self._left = real, seen, left

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def get_structure_hook(self, kind: Any) -> Any:
        structure = self._real.get_structure_hook(kind)

        def watched(value: Any, model: Any) -> Any:
            self._seen.append(self._left())
            return structure(value, model)

        return watched


def test_the_default_path_lets_each_items_dict_go_once_its_model_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bodies: list[Any] = []
    left_in_body: list[int] = []

    def parse_and_keep(content: bytes, *, method: str, path: str) -> Any:
        bodies.append(parse_body(content, method=method, path=path))
        return bodies[-1]

    monkeypatch.setattr(converter_module, "parse_body", parse_and_keep)
    watching = _Watching(
        converter_module.converter, left_in_body, lambda: len(bodies[0]["broadcast"]["clicks"])
    )
    monkeypatch.setattr(converter_module, "converter", watching)

    items, _ = read_items(page(100), CLICKS.model, CLICKS.envelope, method="GET", path="/v4/c")

    # Each click's dict leaves the body as its model is built: by the last
    # one, the body holds none of them.
    assert left_in_body == list(range(99, -1, -1))
    assert [item.unique_clicks for item in items] == list(range(100))
    assert {item.broadcast_id for item in items} == {7}


def test_a_bad_item_late_in_a_page_is_still_named_with_its_index() -> None:
    document = json.loads(page(1_000))
    document["broadcast"]["clicks"][998]["unique_clicks"] = "many"

    with pytest.raises(ResponseValidationError) as raised:
        read_items(
            json.dumps(document).encode(),
            CLICKS.model,
            CLICKS.envelope,
            method="GET",
            path="/v4/c",
        )

    assert raised.value.field == "broadcast.clicks[998].unique_clicks"
