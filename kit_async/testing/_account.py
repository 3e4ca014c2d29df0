"""The fake Kit account: one object that holds an account's data and its rules.

`FakeAccount` is what `FakeKit.account` is. Its jobs live in their own
modules, each a mixin over the same data (`AccountData`):

- `_account_data`: the collections of records and their links, the clock, ids;
- `_generated`: the generated broadcasts and clicks (`BroadcastGenerator`, held);
- `_broadcast_figures`: a broadcast's status, clicks and stats as Kit serves them;
- `_broadcast_changes`: the changes a sync sees (`add_clicks`, `age_out`, ...);
- `_lookups`: records by name, a subscriber's tags and custom field values;
- `_seeding`: the `add_*` methods.

Mixins rather than parts the account delegates to: every method is public on
`server.account` (documented in the testing guide), so parts would need a
delegating method each, repeating its signature and docstring.
"""

from __future__ import annotations

from ._broadcast_changes import BroadcastChanges
from ._generated import generated_click, generated_total
from ._seeding import Seeding

# `generated_click` and `generated_total` stay importable from here, where tests found them.
__all__ = ["FakeAccount", "generated_click", "generated_total"]


class FakeAccount(Seeding, BroadcastChanges):
    """One Kit account: everything it holds, and the rules that keep it consistent.

    Args:
        broadcasts: How many broadcasts to generate (ids 1..N, newest last).
        clicks: Clicks per generated sent broadcast, or a mapping id -> count.
        drafts: How many of the last generated broadcasts are unsent
            (alternately a draft and a scheduled one).
        clock: Returns "now" (UTC) for every timestamp FakeKit sets.
        api_key: The account's API key (a random one by default).
        token_ttl: Seconds an access token issued for it stays valid (`None`: forever).
        account_id: Kit's id of the account (`GET /v4/account` shows it).
        name: The account's name.
        email: The creator's email address.
        keyring: The server's list of every account's credentials.
    """
