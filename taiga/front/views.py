"""The live page: the events of one project as they happen."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from taiga.projects.models import Project


def _project_to_show(request: HttpRequest) -> Project | None:
    public = Project.objects.filter(is_private=False)
    requested = request.GET.get("project", "")
    if requested.isdigit():
        return public.filter(pk=int(requested)).first()
    return public.filter(slug="demo-project").first() or public.order_by("pk").first()


def live_log(request: HttpRequest) -> HttpResponse:
    project = _project_to_show(request)
    return render(
        request,
        "front/index.html",
        {
            "project": project,
            "events_url": settings.TAIGA_EVENTS_URL,
            "projects": Project.objects.filter(is_private=False).order_by("name"),
        },
    )
