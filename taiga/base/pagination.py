"""Pagination as the original Taiga does it: the body stays a JSON list, the paging details
travel in ``x-pagination-*`` headers.

Unlike the original, lists are whole unless the client asks for a page (``?page=`` or
``?page_size=``), so that clients written for whole lists keep working.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 1000


class HeaderPagination(BasePagination):
    """``?page=`` (from 1) and ``?page_size=`` (up to 1000, default 30)."""

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: APIView | None = None
    ) -> list | None:
        params = request.query_params
        if "page" not in params and "page_size" not in params:
            return None
        size = _positive(params, "page_size", DEFAULT_PAGE_SIZE)
        if size > MAX_PAGE_SIZE:
            raise ValidationError({"page_size": f"At most {MAX_PAGE_SIZE}."})
        paginator = Paginator(queryset, size)
        try:
            self.page = paginator.page(_positive(params, "page", 1))
        except InvalidPage:
            raise NotFound(
                f"There is no page {params['page']} (last: {paginator.num_pages})."
            ) from None
        self.request = request
        return list(self.page)

    def get_paginated_response(self, data: Any) -> Response:
        page, url = self.page, self.request.build_absolute_uri()
        headers = {
            "x-paginated": "true",
            "x-paginated-by": str(page.paginator.per_page),
            "x-pagination-count": str(page.paginator.count),
            "x-pagination-current": str(page.number),
        }
        if page.has_next():
            headers["x-pagination-next"] = replace_query_param(url, "page", page.next_page_number())
        if page.has_previous():
            headers["x-pagination-prev"] = replace_query_param(
                url, "page", page.previous_page_number()
            )
        return Response(data, headers=headers)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict]:
        return [
            {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": "integer", "minimum": 1},
            }
            for name, description in (
                ("page", "Page number; without page or page_size the list is whole."),
                ("page_size", f"Results per page (default {DEFAULT_PAGE_SIZE})."),
            )
        ]


def _positive(params: Any, name: str, default: int) -> int:
    raw = params.get(name) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationError({name: f"Expected a positive integer, got {raw!r}."})
    return int(raw)
