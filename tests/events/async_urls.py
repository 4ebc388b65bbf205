"""A URLconf with an async view, to check the session id in async requests."""

import asyncio

from django.http import HttpRequest, JsonResponse
from django.urls import path

from taiga.events.events import emit_event
from taiga.events.middleware import get_current_session_id


async def emit_twice(request: HttpRequest) -> JsonResponse:
    emit_event("notifications", {"step": 1}, on_commit=False)
    await asyncio.sleep(0)  # let other requests' tasks run in between
    emit_event("notifications", {"step": 2}, on_commit=False)
    return JsonResponse({"session_id": get_current_session_id()})


urlpatterns = [path("emit", emit_twice)]
