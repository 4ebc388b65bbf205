"""Many people saving at once: every save succeeds, on SQLite as on PostgreSQL.

Against the live server (a thread per request, a database connection each), as
``make run`` serves them.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from taiga.auth.tokens import issue_access_token
from taiga.events.models import OutboxEvent
from taiga.projects.userstories.models import UserStory
from tests.e2e.conftest import Response, http_request

PEOPLE = 12


def _at_once(count: int, request) -> list[Response]:
    """Run ``request(n)`` for n in range(count), all released together."""
    start = threading.Barrier(count)

    def run(n: int) -> Response:
        start.wait(timeout=30)
        return request(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_creates_and_changes_all_succeed(live_server, project, owner) -> None:
    api = f"{live_server.url}/api/v1"
    headers = {"Authorization": f"Bearer {issue_access_token(owner)}"}
    OutboxEvent.objects.all().delete()

    created = _at_once(
        PEOPLE,
        lambda n: http_request(
            "POST", f"{api}/userstories", {"project": project.pk, "subject": f"S{n}"}, headers
        ),
    )
    assert [response.status for response in created] == [201] * PEOPLE, created
    refs = sorted(response.body["ref"] for response in created)
    assert len(set(refs)) == PEOPLE

    story = created[0].body["id"]
    changed = _at_once(
        3,
        lambda n: http_request(
            "PATCH", f"{api}/userstories/{story}", {"subject": f"Changed {n}"}, headers
        ),
    )
    assert [response.status for response in changed] == [200] * 3, changed
    assert UserStory.objects.get(pk=story).subject in {f"Changed {n}" for n in range(3)}
    # Each save's event was saved with it.
    assert OutboxEvent.objects.filter(routing_key__endswith="userstories.userstory").count() >= (
        PEOPLE + 3
    )
