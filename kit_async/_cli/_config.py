"""The client of a command, configured from the environment only.

Credentials never come from a flag, which would land in shell history.
"""

from __future__ import annotations

import os

from .._client import KitClient
from ._errors import EXIT_CONFIG, _CommandError

ENVIRONMENT = """\
environment:
  KIT_API_KEY       your Kit API key (X-Kit-Api-Key), or
  KIT_ACCESS_TOKEN  an OAuth access token (Authorization: Bearer)
  KIT_BASE_URL      Kit's origin (default https://api.kit.com); http:// is
                    accepted for loopback hosts only, e.g. a FakeKit
"""


def _client(max_retries: int | None = None) -> KitClient:
    """A client configured from the environment only."""
    api_key = os.environ.get("KIT_API_KEY") or None
    token = os.environ.get("KIT_ACCESS_TOKEN") or None
    if api_key and token:
        msg = "both KIT_API_KEY and KIT_ACCESS_TOKEN are set; set only one"
        raise _CommandError(EXIT_CONFIG, msg)
    if not api_key and not token:
        msg = (
            "no Kit credential: set KIT_API_KEY to your API key "
            "(or KIT_ACCESS_TOKEN to an OAuth access token)"
        )
        raise _CommandError(EXIT_CONFIG, msg)
    try:
        # The client reads the same variables, so its messages name them.
        return KitClient(max_retries=max_retries)
    except ValueError as exc:
        raise _CommandError(EXIT_CONFIG, f"bad configuration: {exc}") from None
