"""Email templates: `kit.email_templates`."""

from __future__ import annotations

from .._converter import Envelope
from .._core.declarations import ListEndpoint, Resource
from .._core.pagination import AsyncPaginator
from .._core.validation import MAX_PER_PAGE
from ..models.broadcasts import EmailTemplate

__all__ = ["EmailTemplates"]

LIST = ListEndpoint("/v4/email_templates", EmailTemplate, Envelope(at=("email_templates",)))


class EmailTemplates(Resource):
    """Kit's email templates, which broadcasts are laid out with."""

    def list(
        self,
        *,
        per_page: int = MAX_PER_PAGE,
        after: str | None = None,
        before: str | None = None,
        include_total_count: bool = False,
    ) -> AsyncPaginator[EmailTemplate]:
        """Every email template of the account (`GET /v4/email_templates`).

        Each has a `category`: `HTML`, or `Starting point`, which Kit does
        not support for broadcasts made through the API ("Starting point
        email template is not supported") unless it has enabled the app for
        them. `is_default` marks the one broadcasts use when given no
        `email_template_id`.

        Args:
            per_page: Templates per request, 1 to 1000.
            after: Resume after this cursor.
            before: Walk backwards from this cursor instead.
            include_total_count: Ask for `pagination.total_count`.

        ```python
        async for template in kit.email_templates.list():
            print(template.id, template.name, template.category, template.is_default)
        ```
        """
        return LIST.paginate(
            self._transport,
            params={"include_total_count": include_total_count or None},
            per_page=per_page,
            after=after,
            before=before,
        )
