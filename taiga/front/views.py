"""The live board: one page of plain HTML, CSS and ES modules, and the files it loads.

The page is a static shell (its configuration is a JSON script in it); everything else
happens in the browser, through the REST API and the events gateway. Its modules and the
JavaScript events client (``clients/js/``) are served by ``asset``, which needs neither
``DEBUG`` nor ``collectstatic``, so that ``make run`` serves them as they are.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix
from django.views.decorators.http import condition, require_safe

from taiga.demo.data import DEMO_PASSWORD, DEMO_PROJECT_SLUG
from taiga.projects.models import Membership, Project

# URL folder -> the directory whose files (of the types below, not its subfolders) it serves.
ASSET_FOLDERS = {
    "board": Path(__file__).resolve().parent / "static" / "front",
    "taiga-events": settings.BASE_DIR / "clients" / "js",
}
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


@require_safe
def board(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """The board page, at ``/`` and at the front's deep links (``/project/{slug}/…``, as
    live notifications link to), which the page itself reads."""
    project = _public_project(slug)
    config = {
        "apiUrl": request.build_absolute_uri(f"{get_script_prefix()}api/v1"),
        "eventsUrl": settings.TAIGA_EVENTS_URL,
        "defaultProject": project and {"id": project.pk, "slug": project.slug},
        "demoUsers": _demo_users(),
        "demoPassword": DEMO_PASSWORD,
    }
    return render(request, "front/board.html", {"project": project, "config": config})


def _public_project(slug: str | None) -> Project | None:
    """The project to name before the page has loaded: the one linked to if public, else
    the demo project, else the first public one."""
    public = Project.objects.filter(is_private=False)
    return (
        (slug and public.filter(slug=slug).first())
        or public.filter(slug=DEMO_PROJECT_SLUG).first()
        or public.order_by("pk").first()
    )


def _demo_users() -> list[dict[str, str]]:
    """The demo project's members (``make run``'s users), to sign in with one click."""
    memberships = Membership.objects.filter(project__slug=DEMO_PROJECT_SLUG)
    return [
        {"username": m.user.username, "fullName": m.user.full_name, "role": m.role.name}
        for m in memberships.select_related("user", "role").order_by("user__username")
    ]


def _asset_path(folder: str, name: str) -> Path:
    """The file ``name`` directly in ``folder``'s directory, if it is one that is served."""
    directory = ASSET_FOLDERS.get(folder)
    if directory is None or Path(name).suffix not in CONTENT_TYPES or name.startswith("."):
        raise Http404("No such file.")
    path = directory / name
    # The URL pattern keeps "/" out of name; resolving also keeps symlinks from leading out.
    if not path.is_file() or path.resolve().parent != directory.resolve():
        raise Http404("No such file.")
    return path


def _asset_modified(request: HttpRequest, folder: str, name: str) -> datetime:
    return datetime.fromtimestamp(_asset_path(folder, name).stat().st_mtime, tz=UTC)


@require_safe
@condition(last_modified_func=_asset_modified)
def asset(request: HttpRequest, folder: str, name: str) -> FileResponse:
    """A file of the page (``board``) or of the JavaScript client (``taiga-events``)."""
    path = _asset_path(folder, name)
    response = FileResponse(path.open("rb"), content_type=CONTENT_TYPES[path.suffix])
    # Always revalidated (answered 304 while unchanged): an edited module is never stale.
    response["Cache-Control"] = "no-cache"
    return response
