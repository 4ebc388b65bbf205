"""The board page's views, without a browser: the page, its deep links, and exactly the
files it loads (its own and the JavaScript client's), with their content types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from taiga.demo.data import DEMO_PASSWORD, load_demo_data
from taiga.front.views import ASSET_FOLDERS

pytestmark = pytest.mark.django_db

CLIENT_FILES = sorted(path.name for path in ASSET_FOLDERS["taiga-events"].glob("*.js"))
BOARD_FILES = sorted(path.name for path in ASSET_FOLDERS["board"].iterdir())
CONTENT_TYPES = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}


def page_config(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="board-config" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_the_page_carries_its_configuration(client: Client, settings) -> None:
    settings.TAIGA_EVENTS_URL = "ws://events.example:8888/events"
    settings.ALLOWED_HOSTS = ["board.example"]
    demo = load_demo_data()
    response = client.get("/", HTTP_HOST="board.example:9000")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Demo Project" in response.content.decode()
    assert page_config(response) == {
        "apiUrl": "http://board.example:9000/api/v1",
        "eventsUrl": "ws://events.example:8888/events",
        "defaultProject": {"id": demo.project.pk, "slug": demo.project.slug},
        "demoUsers": [
            {"username": "admin", "fullName": "Administrator", "role": "Product Owner"},
            {"username": "alice", "fullName": "Alice Anderson", "role": "Developer"},
            {"username": "bob", "fullName": "Bob Brown", "role": "Stakeholder"},
        ],
        "demoPassword": DEMO_PASSWORD,
    }


def test_the_page_answers_the_links_of_live_notifications(client: Client) -> None:
    demo = load_demo_data()
    story = demo.userstories[0]
    for path in (f"/project/{demo.project.slug}/", f"/project/{demo.project.slug}/us/{story.ref}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert page_config(response)["defaultProject"]["slug"] == demo.project.slug
    # A private project is not named to whoever asks for it.
    private = demo.private_project
    response = client.get(f"/project/{private.slug}/kanban")
    assert private.name not in response.content.decode()
    assert page_config(response)["defaultProject"]["slug"] == demo.project.slug


def test_without_projects_the_page_says_what_to_do(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert page_config(response)["defaultProject"] is None
    assert page_config(response)["demoUsers"] == []
    assert "load_demo_data" in response.content.decode()


@pytest.mark.parametrize(
    ("folder", "name", "content_type"),
    [
        (folder, name, CONTENT_TYPES[name.rsplit(".", 1)[1]])
        for folder, names in (("taiga-events", CLIENT_FILES), ("board", BOARD_FILES))
        for name in names
    ],
)
def test_the_files_of_the_page_are_served_as_they_are(
    client: Client, folder: str, name: str, content_type: str
) -> None:
    response = client.get(f"/assets/{folder}/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Cache-Control"] == "no-cache"
    assert b"".join(response.streaming_content) == (ASSET_FOLDERS[folder] / name).read_bytes()
    # Unchanged since: not sent again.
    again = client.get(f"/assets/{folder}/{name}", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304


def test_the_files_tested_above_include_what_the_page_loads() -> None:
    assert "taiga-events.js" in CLIENT_FILES
    assert {"app.js", "board.css"} <= set(BOARD_FILES)


@pytest.mark.parametrize(
    "path",
    [
        "/assets/taiga-events/package.json",  # not a served type
        "/assets/taiga-events/README.md",
        "/assets/taiga-events/test/client.test.js",  # not directly in the folder
        "/assets/taiga-events/..%2Fjs%2Ftaiga-events.js",
        "/assets/taiga-events/%2E%2E%2F%2E%2E%2Fmanage.py",
        "/assets/taiga-events/../../manage.py",
        "/assets/board/..%2F..%2F..%2Fsettings%2Fcommon.py",
        "/assets/board/missing.js",
        "/assets/board/.hidden.js",
        "/assets/taiga/urls.py",
        "/assets/static/board.css",
    ],
)
def test_nothing_else_is_served(client: Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_the_files_are_only_read(client: Client) -> None:
    assert client.post("/assets/board/app.js").status_code == 405
    assert client.head("/assets/board/app.js").status_code == 200


def test_a_symlink_out_of_the_folder_is_not_followed(
    client: Client, tmp_path: Path, monkeypatch
) -> None:
    folder = tmp_path / "board"
    folder.mkdir()
    (tmp_path / "secret.js").write_text("secret")
    (folder / "link-out.js").symlink_to(tmp_path / "secret.js")
    (folder / "inside.js").write_text("inside")
    monkeypatch.setitem(ASSET_FOLDERS, "board", folder)
    assert client.get("/assets/board/inside.js").status_code == 200
    assert client.get("/assets/board/link-out.js").status_code == 404
