"""The classes of a `KitClient`'s namespaces, for your annotations.

Each attribute of a client (`kit.tags`, `kit.broadcasts`, ...) is an object
of one of these classes, holding the endpoints of one Kit resource. You never
build one yourself: the client does, and shares its session, rate limiter and
retries with them. They are public so that you can name them:

```python
import kit_async
from kit_async.resources import Tags


async def tag_names(tags: Tags) -> list[str]:
    return [tag.name async for tag in tags.list()]


async with kit_async.KitClient() as kit:
    print(await tag_names(kit.tags))
```

The `...Fields` typed dicts describe the keyword arguments of the methods
that take many optional fields (`kit.broadcasts.create(**fields)`), so a
dict of them can be built and checked before the call.
"""

from ._resources.account import AccountEndpoints
from ._resources.broadcasts import BroadcastFields, Broadcasts
from ._resources.custom_fields import CustomFields
from ._resources.email_templates import EmailTemplates
from ._resources.forms import Forms
from ._resources.posts import Posts
from ._resources.purchases import PurchaseFields, Purchases
from ._resources.segments import Segments
from ._resources.sequences import SequenceEmailFields, SequenceFields, Sequences
from ._resources.snippets import NewSnippetFields, SnippetFields, Snippets
from ._resources.subscribers import Subscribers
from ._resources.tags import Tags
from ._resources.webhook_endpoints import WebhookEndpoints
from ._resources.webhooks import LegacyWebhooks

__all__ = [
    "AccountEndpoints",
    "BroadcastFields",
    "Broadcasts",
    "CustomFields",
    "EmailTemplates",
    "Forms",
    "LegacyWebhooks",
    "NewSnippetFields",
    "Posts",
    "PurchaseFields",
    "Purchases",
    "Segments",
    "SequenceEmailFields",
    "SequenceFields",
    "Sequences",
    "SnippetFields",
    "Snippets",
    "Subscribers",
    "Tags",
    "WebhookEndpoints",
]
