"""Request bodies, with a size limit."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class LimitedJSONParser(JSONParser):
    """JSON bodies up to ``API_MAX_BODY_BYTES``; a larger one is a 400 that says so.

    DRF reads the body stream itself, so Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not
    apply to it; without this, one request could make the server hold any amount of JSON.
    """

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise ParseError(f"The request body is larger than the limit of {limit} bytes.")
        return super().parse(io.BytesIO(body), media_type, parser_context)
