"""The error tree: which exception an answer becomes and what it says.

HTTP answers are scripted with aioresponses; every error is checked for the
fields the docs promise (`status_code`, `method`, `path`, `errors`, `body`)
and for never showing a credential.
"""

from __future__ import annotations

import concurrent.futures
import copy
import inspect
import multiprocessing
import pickle
import re
import traceback
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from hypothesis import given, settings
from hypothesis import strategies as st

import kit_async
from kit_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    InternalServerError,
    KitError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RedirectError,
    ResponseValidationError,
    UnprocessableEntityError,
    errors,
)

API_KEY = "kit_errors_secret_0123456789abcdef"
TOKEN = "oauth_errors_secret_fedcba9876543210"
BROADCAST_URL = "https://api.kit.com/v4/broadcasts/1"
BROADCAST_PATH = "/v4/broadcasts/1"
CLICKS_URL = re.compile(r"^https://api\.kit\.com/v4/broadcasts/1/clicks(\?.*)?$")
CLICKS_PATH = "/v4/broadcasts/1/clicks"


def client(**options: Any) -> kit_async.KitClient:
    options.setdefault("rate_limit", None)
    options.setdefault("max_retries", 0)
    if "access_token" not in options:
        options.setdefault("api_key", API_KEY)
    return kit_async.KitClient(**options)


async def error_for(mocked: aioresponses, **answer: Any) -> APIStatusError:
    """The error `kit.broadcasts.get(1)` raises when Kit gives `answer`."""
    mocked.get(BROADCAST_URL, **answer)
    async with client() as kit:
        with pytest.raises(APIStatusError) as info:
            await kit.broadcasts.get(1)
    return info.value


def clicks_page(*, has_next: bool, end_cursor: str | None) -> dict[str, Any]:
    return {
        "broadcast": {"id": 1, "clicks": []},
        "pagination": {
            "has_previous_page": False,
            "has_next_page": has_next,
            "start_cursor": None,
            "end_cursor": end_cursor,
            "per_page": 1000,
        },
    }


# -- status -> exception class ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (599, InternalServerError),
    ],
)
async def test_each_error_status_raises_its_own_exception_class(
    mocked: aioresponses, status: int, kind: type[APIStatusError]
) -> None:
    error = await error_for(mocked, status=status, payload={"errors": ["Something"]})

    assert type(error) is kind
    assert error.status_code == status
    assert error.method == "GET"
    assert error.path == BROADCAST_PATH


async def test_an_unlisted_4xx_status_raises_the_base_api_status_error(
    mocked: aioresponses,
) -> None:
    error = await error_for(mocked, status=410, payload={"errors": ["Gone"]})

    assert type(error) is APIStatusError
    assert error.errors == ("Gone",)


async def test_403_with_an_empty_object_body_is_permission_denied_without_messages(
    mocked: aioresponses,
) -> None:
    error = await error_for(mocked, status=403, payload={})

    assert isinstance(error, PermissionDeniedError)
    assert error.errors == ()
    assert error.body is None
    assert str(error) == f"GET {BROADCAST_PATH} answered 403: no message"


def test_error_class_for_status_maps_every_5xx_to_internal_server_error() -> None:
    assert errors.error_class_for_status(500) is InternalServerError
    assert errors.error_class_for_status(511) is InternalServerError
    assert errors.error_class_for_status(418) is APIStatusError


# -- what an error carries ------------------------------------------------------------------


async def test_kits_messages_are_kept_as_a_tuple_of_strings(mocked: aioresponses) -> None:
    error = await error_for(
        mocked, status=422, payload={"errors": ["Email is invalid", "Name is too long"]}
    )

    assert error.errors == ("Email is invalid", "Name is too long")
    assert "Email is invalid; Name is too long" in str(error)


async def test_nested_error_lists_are_flattened(mocked: aioresponses) -> None:
    error = await error_for(
        mocked, status=422, payload={"errors": ["first", ["second", ["third"]], [], "fourth"]}
    )

    assert error.errors == ("first", "second", "third", "fourth")


async def test_non_string_error_items_are_kept_as_text(mocked: aioresponses) -> None:
    error = await error_for(mocked, status=422, payload={"errors": [{"field": "x"}, 7, None]})

    assert error.errors == ("{'field': 'x'}", "7")


async def test_an_rfc_6749_error_description_becomes_the_message(mocked: aioresponses) -> None:
    error = await error_for(
        mocked,
        status=400,
        payload={"error": "invalid_grant", "error_description": "The grant is invalid"},
    )

    assert error.errors == ("The grant is invalid",)


async def test_an_rfc_6749_error_without_description_uses_the_error_code(
    mocked: aioresponses,
) -> None:
    error = await error_for(mocked, status=401, payload={"error": "invalid_client"})

    assert error.errors == ("invalid_client",)


async def test_a_json_error_body_of_another_shape_gives_no_messages(
    mocked: aioresponses,
) -> None:
    error = await error_for(mocked, status=400, payload={"message": "unexpected"})

    assert isinstance(error, BadRequestError)
    assert error.errors == ()


async def test_a_plain_text_body_is_kept_in_body_with_no_messages(mocked: aioresponses) -> None:
    error = await error_for(mocked, status=429, body="Retry later", content_type="text/plain")

    assert isinstance(error, RateLimitError)
    assert error.body == "Retry later"
    assert error.errors == ()
    assert str(error) == f"GET {BROADCAST_PATH} answered 429: Retry later"


async def test_an_html_error_page_is_kept_in_body(mocked: aioresponses) -> None:
    html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    error = await error_for(mocked, status=502, body=html, content_type="text/html")

    assert error.body == html
    assert "502 Bad Gateway" in str(error)


async def test_a_long_text_body_is_shortened_in_the_message_but_kept_whole(
    mocked: aioresponses,
) -> None:
    text = "x" * 5000
    error = await error_for(mocked, status=500, body=text, content_type="text/plain")

    assert error.body == text
    assert len(str(error)) < 400


async def test_an_empty_5xx_body_says_no_message(mocked: aioresponses) -> None:
    error = await error_for(mocked, status=500, body="")

    assert error.errors == ()
    assert str(error) == f"GET {BROADCAST_PATH} answered 500: no message"


async def test_retry_after_and_www_authenticate_headers_are_kept(mocked: aioresponses) -> None:
    challenge = 'Bearer error="invalid_token", error_description="The access token expired"'
    error = await error_for(
        mocked,
        status=401,
        payload={"errors": ["The access token expired"]},
        headers={"WWW-Authenticate": challenge, "Retry-After": "30"},
    )

    assert error.www_authenticate == challenge
    assert error.retry_after == "30"


async def test_error_path_has_no_query_string(mocked: aioresponses) -> None:
    mocked.get(CLICKS_URL, payload=clicks_page(has_next=True, end_cursor="WzFd"))
    mocked.get(CLICKS_URL, status=404, payload={"errors": ["Not Found"]})

    async with client() as kit:
        with pytest.raises(NotFoundError) as info:
            _ = [c async for c in kit.broadcasts.clicks(1, per_page=5)]

    assert info.value.path == CLICKS_PATH
    assert "?" not in str(info.value)
    assert "per_page" not in str(info.value)


async def test_error_of_a_later_page_names_its_cursor_in_the_message(
    mocked: aioresponses,
) -> None:
    mocked.get(CLICKS_URL, payload=clicks_page(has_next=True, end_cursor="WzFd"))
    mocked.get(CLICKS_URL, status=500)

    async with client() as kit:
        with pytest.raises(InternalServerError) as info:
            _ = [c async for c in kit.broadcasts.clicks(1)]

    assert str(info.value) == f"GET {CLICKS_PATH} answered 500: no message (page cursor 'WzFd')"


# -- never a credential -------------------------------------------------------------------


def _text_of(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), *traceback.format_exception(error)])


ANSWERS: dict[str, dict[str, Any]] = {
    "401": {"status": 401, "payload": {"errors": ["The API key is invalid"]}},
    "404": {"status": 404, "payload": {"errors": ["Not Found"]}},
    "429 text": {"status": 429, "body": "Retry later", "content_type": "text/plain"},
    "500": {"status": 500},
    "redirect": {"status": 302, "headers": {"Location": "https://elsewhere.example/x"}},
    "timeout": {"exception": TimeoutError()},
    "disconnect": {"exception": aiohttp.ServerDisconnectedError()},
    "not json": {"status": 200, "body": "<html>oops</html>"},
    "schema": {"status": 200, "payload": {"broadcast": {"id": "1"}}},
}


@pytest.mark.parametrize("answer", ANSWERS.values(), ids=ANSWERS.keys())
@pytest.mark.parametrize("credential", ["api_key", "access_token"])
async def test_error_messages_and_reprs_never_contain_the_credential(
    mocked: aioresponses, answer: dict[str, Any], credential: str
) -> None:
    secret = API_KEY if credential == "api_key" else TOKEN
    mocked.get(BROADCAST_URL, **answer)

    async with client(**{credential: secret}) as kit:
        with pytest.raises(KitError) as info:
            await kit.broadcasts.get(1)

    assert secret not in _text_of(info.value)


async def test_a_pagination_error_never_contains_the_credential(mocked: aioresponses) -> None:
    mocked.get(CLICKS_URL, payload=clicks_page(has_next=True, end_cursor=None))

    async with client() as kit:
        with pytest.raises(PaginationError) as info:
            _ = [c async for c in kit.broadcasts.clicks(1)]

    assert API_KEY not in _text_of(info.value)


async def test_a_closed_client_error_never_contains_the_credential() -> None:
    kit = client()
    await kit.aclose()

    with pytest.raises(ClientClosedError) as info:
        await kit.broadcasts.get(1)

    assert API_KEY not in _text_of(info.value)


# -- the tree -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        APIConnectionError,
        APIStatusError,
        ClientClosedError,
        PaginationError,
        RedirectError,
        ResponseValidationError,
    ],
)
def test_every_error_derives_from_kit_error(kind: type[Exception]) -> None:
    assert issubclass(kind, KitError)


@pytest.mark.parametrize(
    "kind",
    [
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        UnprocessableEntityError,
        RateLimitError,
        InternalServerError,
    ],
)
def test_every_status_error_derives_from_api_status_error(kind: type[Exception]) -> None:
    assert issubclass(kind, APIStatusError)


def test_a_timeout_is_a_connection_error() -> None:
    assert issubclass(APITimeoutError, APIConnectionError)


def test_a_closed_client_error_is_also_a_runtime_error() -> None:
    assert issubclass(ClientClosedError, RuntimeError)


def test_the_errors_module_and_the_package_export_the_same_classes() -> None:
    for name in errors.__all__:
        assert getattr(kit_async, name) is getattr(errors, name)


def test_kit_error_message_names_request_cursor_and_attempts() -> None:
    error = NotFoundError(method="GET", path=CLICKS_PATH, status_code=404, errors=["Not Found"])
    error.path_params = {"broadcast_id": 1}
    error.cursor = "WzFd"
    error.attempts = 3

    assert str(error) == (
        f"GET {CLICKS_PATH} answered 404: Not Found (page cursor 'WzFd'; after 3 attempts)"
    )
    assert error.resource_id == 1


def test_an_error_without_ids_in_its_path_has_no_resource_id() -> None:
    error = KitError("boom")

    assert error.path_params == {}
    assert error.resource_id is None


def test_response_validation_error_names_the_field_in_its_message() -> None:
    error = ResponseValidationError(
        "expected int, got str",
        method="GET",
        path=CLICKS_PATH,
        field="broadcast.clicks[1].unique_clicks",
    )

    assert str(error) == (
        f"GET {CLICKS_PATH}: invalid response at 'broadcast.clicks[1].unique_clicks': "
        "expected int, got str"
    )


# -- errors cross process boundaries and survive copy -----------------------------------------

ERROR_CLASSES: list[type[KitError]] = [
    value
    for name in errors.__all__
    if isinstance(value := getattr(errors, name), type) and issubclass(value, KitError)
]
_text = st.text(max_size=20)
_BY_ANNOTATION: dict[str, st.SearchStrategy[Any]] = {
    "str": _text,
    "str | None": st.none() | _text,
    "int": st.integers(min_value=100, max_value=599),
    "bool": st.booleans(),
    "Sequence[str]": st.lists(_text, max_size=3),
}


def _constructor_arguments(kind: type[BaseException]) -> st.SearchStrategy[dict[str, Any]]:
    parameters = inspect.signature(kind.__init__).parameters
    if any(parameter.kind is parameter.VAR_POSITIONAL for parameter in parameters.values()):
        return st.fixed_dictionaries({"message": _text})  # Exception's own constructor
    fields = {
        name: _BY_ANNOTATION[str(parameter.annotation)]
        for name, parameter in parameters.items()
        if name != "self"
    }
    return st.fixed_dictionaries(fields)


@st.composite
def kit_errors(draw: st.DrawFn) -> KitError:
    kind = draw(st.sampled_from(ERROR_CLASSES))
    arguments = draw(_constructor_arguments(kind))
    message = arguments.pop("message", None)
    error: KitError = kind(message, **arguments) if message is not None else kind(**arguments)
    error.cursor = draw(st.none() | _text)
    error.attempts = draw(st.integers(min_value=1, max_value=7))
    error.path_params = draw(
        st.dictionaries(st.sampled_from(["broadcast_id", "id"]), st.integers(1))
    )
    return error


def test_the_property_covers_every_public_exception_class() -> None:
    assert len(ERROR_CLASSES) == len(errors.__all__)
    assert {kind.__name__ for kind in ERROR_CLASSES} >= {"KitError", "NotFoundError"}


@settings(max_examples=200, deadline=None)
@given(kit_errors())
def test_every_public_exception_survives_pickle_and_copy(error: KitError) -> None:
    for twin in (
        pickle.loads(pickle.dumps(error)),  # noqa: S301 - our own bytes
        copy.copy(error),
        copy.deepcopy(error),
    ):
        assert type(twin) is type(error)
        assert str(twin) == str(error)
        assert twin.args == error.args
        assert vars(twin) == vars(error)


def _raise_not_found(path: str) -> None:
    raise NotFoundError(method="GET", path=path, status_code=404, errors=["Not Found"])


def test_an_error_raised_in_a_process_pool_worker_reaches_the_caller_intact() -> None:
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        future = pool.submit(_raise_not_found, CLICKS_PATH)
        with pytest.raises(NotFoundError) as info:
            future.result(timeout=60)

    assert info.value.status_code == 404
    assert info.value.errors == ("Not Found",)
    assert str(info.value) == f"GET {CLICKS_PATH} answered 404: Not Found"
