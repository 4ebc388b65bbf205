"""The live board in a real browser: two people on one board, an assignment that notifies,
a gateway restart the page resumes from (or loads again after, when it cannot), and an
anonymous visitor of a public project."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from taiga.events.events import emit_system_notification
from taiga.projects import services as project_services
from taiga.projects.models import Project
from taiga.projects.notifications.choices import NotifyLevel
from taiga.projects.notifications.models import WebNotification
from taiga.projects.notifications.policies import set_notify_level
from taiga.users.models import User
from taiga_events.brokers.memory import bus
from tests.browser.board_page import card, cell, change_story, create_story, open_board
from tests.browser.conftest import BrowserStack, Layout
from tests.outbox import in_thread

# Records the desktop notifications the page shows (the browser shows them nowhere here).
RECORD_NOTIFICATIONS = """
window.shownNotifications = [];
window.Notification = class extends window.Notification {
  constructor(title, options) {
    super(title, options);
    window.shownNotifications.push(title);
  }
};
"""


@pytest.fixture
def private_project(people: dict[str, User]) -> Project:
    return project_services.create_project(owner=people["owner"], name="Secret", is_private=True)


async def test_two_people_see_each_others_changes_live(
    stack: BrowserStack, browser, layout: Layout, artifacts: Path
) -> None:
    new, ready = layout.statuses[:2]
    web, api = layout.swimlanes
    alice = await open_board(browser, stack, "alice")
    bob = await open_board(browser, stack, "bob")
    cards_before = await alice.locator(".card").count()

    # Created in a cell of alice's board: it appears in the same cell of bob's.
    composer = cell(alice, new, web)
    await composer.get_by_role("button", name=f"Add a story to {new.name}, {web.name}").click()
    await composer.get_by_role("textbox").fill("Shared story")
    await composer.get_by_role("textbox").press("Enter")
    await expect(card(cell(bob, new, web), "Shared story")).to_be_visible()

    # Her own change is applied once: from the API's answer, not again from its event, which
    # the gateway does not even send back to her (the page sends the client's session id).
    story_id = await card(alice, "Shared story").get_attribute("data-id")
    session_id = await alice.locator("#session-id").text_content()
    created = (
        f'"session_id":"{session_id}","data":{{"type":"create",'
        f'"matches":"userstories.userstory","pk":{story_id}}}'
    )
    await expect(bob.locator("#event-log .frame", has_text=created)).to_have_count(1)
    owner = await stack.login("owner")
    await create_story(stack, owner, "Marker story", status=ready.id, swimlane=api.id)
    # Events reach a connection in order: with the later one there, the earlier one is too.
    await expect(card(alice, "Marker story")).to_be_visible()
    await expect(alice.locator("#event-log .frame", has_text=created)).to_have_count(0)
    await expect(alice.locator(".card")).to_have_count(cards_before + 2)
    await expect(card(alice, "Shared story")).to_have_count(1)

    # Moved with a button: to the next column (at once on her board, busy until answered).
    shared = card(alice, "Shared story")
    await shared.get_by_role("button", name=f"Move “Shared story” to {ready.name}").click()
    await expect(card(cell(alice, ready, web), "Shared story")).to_be_visible()
    await expect(card(cell(bob, ready, web), "Shared story")).to_be_visible()
    await expect(shared).to_have_attribute("aria-busy", "false")

    # Dragged onto the top of the marker's card, in another swimlane: placed before it.
    await shared.drag_to(card(alice, "Marker story"), target_position={"x": 20, "y": 4})
    await expect(cell(bob, ready, api).locator(".subject")).to_have_text(
        ["Shared story", "Marker story"]
    )
    await expect(shared).to_have_attribute("aria-busy", "false")

    # Edited, after a change by someone else while the editor was open: the first save is
    # refused (409) and shows their change, the second one goes through.
    dialog = alice.locator("#story-dialog")
    subject = dialog.get_by_label("Subject", exact=True)
    await shared.locator(".subject").click()
    await subject.fill("Renamed story")
    change = {"description": "Said by the owner"}
    patched = await stack.http("PATCH", f"/userstories/{story_id}", change, token=owner)
    assert patched.status == 200, patched.body
    await expect(dialog.locator(".changed-elsewhere")).to_contain_text("Someone else")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog.get_by_label("Description")).to_have_value("Said by the owner")
    await expect(subject).to_have_value("Shared story")
    await subject.fill("Renamed story")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_be_hidden()
    await expect(card(cell(bob, ready, api), "Renamed story")).to_be_visible()
    await bob.screenshot(path=str(artifacts / "two-people.png"), animations="disabled")

    # Deleted.
    await card(alice, "Renamed story").locator(".subject").click()
    await dialog.get_by_role("button", name="Delete").click()
    await dialog.get_by_role("button", name="Really delete?").click()
    await expect(card(bob, "Renamed story")).to_have_count(0)
    await expect(card(alice, "Renamed story")).to_have_count(0)
    await expect(alice.locator(".card")).to_have_count(cards_before + 1)


async def test_an_assignment_notifies_the_assignee(
    stack: BrowserStack, browser, layout: Layout
) -> None:
    owner = await stack.login("owner")
    story = await create_story(stack, owner, "Needs an owner")
    bob_token = await stack.login("bob")
    unread_path = "/web-notifications?only_unread=true"
    unread = len((await stack.http("GET", unread_path, token=bob_token)).body)
    assert unread >= 1  # he was told he became a member
    bob = await open_board(
        browser, stack, "bob", permissions=["notifications"], init_script=RECORD_NOTIFICATIONS
    )
    alice = await open_board(browser, stack, "alice")
    badge = bob.locator("#badge")
    await expect(badge).to_have_text(str(unread))

    dialog = alice.locator("#story-dialog")
    await card(alice, "Needs an owner").locator(".subject").click()
    await dialog.get_by_label("Assigned to").select_option(label="bob")
    await dialog.get_by_role("button", name="Save").click()

    # Both notifications arrive: the live one ("User story #N updated") and the web one,
    # which names who acted. They make one toast, in the web notification's words, and one
    # desktop notification (bob allowed them), which the web notification's replaced.
    bob_id = (await stack.http("GET", "/users/me", token=bob_token)).body["id"]
    for kind in ("live_notifications", "web_notifications"):
        frame = bob.locator("#event-log .frame", has_text=f"{kind}.{bob_id}")
        await expect(frame).to_have_count(1)
    said = f"alice assigned you to user story #{story['ref']}"
    toast = bob.locator(".toast", has_text=said)
    await expect(toast).to_contain_text("“Needs an owner”")
    await expect(bob.locator(".toast", has_text=f"#{story['ref']}")).to_have_count(1)
    await bob.wait_for_function(f"window.shownNotifications.at(-1) === {said!r}")
    # And the card itself changed on his board.
    await expect(card(bob, "Needs an owner").locator(".avatar")).to_have_attribute(
        "title", "Assigned to bob"
    )

    # The web notification: counted on the badge and listed in the panel; choosing it
    # marks it read, closes the panel and points the story out.
    await expect(badge).to_have_text(str(unread + 1))
    await bob.click("#bell")
    entry = bob.locator(".notification", has_text=f"{said} “Needs an owner”")
    await expect(entry).to_have_class(re.compile(r"\bunread\b"))
    await entry.locator(".open").click()
    await expect(bob.locator("#notifications")).to_be_hidden()
    await expect(badge).to_have_text(str(unread))
    await expect(card(bob, "Needs an owner")).to_have_class(re.compile(r"\bhighlight\b"))
    await bob.click("#bell")
    await expect(entry).not_to_have_class(re.compile(r"\bunread\b"))

    # A system-wide message (`notifications`) is a toast too.
    await in_thread(emit_system_notification, "Maintenance", "At 2 AM UTC")
    await expect(bob.locator(".toast", has_text="Maintenance")).to_contain_text("At 2 AM UTC")

    # The rest (bob was told he became a member): one by one, or all at once.
    await bob.locator(".notification.unread").first.get_by_role("button", name="Mark read").click()
    await expect(badge).to_have_text(str(unread - 1))
    await bob.get_by_role("button", name="Mark all read").click()
    await expect(badge).to_be_hidden()
    assert (await stack.http("GET", unread_path, token=bob_token)).body == []


@pytest.fixture
def bobs_unread(people: dict[str, User]) -> int:
    """Gives bob 120 more unread web notifications; how many he has unread."""
    data = {"type": "assigned", "user": None, "project": None, "object": None}
    WebNotification.objects.bulk_create(
        WebNotification(user=people["bob"], type="assigned", data=data) for _ in range(120)
    )
    return WebNotification.objects.filter(user=people["bob"], read__isnull=True).count()


async def test_the_badge_counts_up_to_99_and_the_panel_lists_the_newest(
    stack: BrowserStack, browser, layout: Layout, bobs_unread: int
) -> None:
    unread = bobs_unread
    page = await open_board(browser, stack, "bob")

    await expect(page.locator("#badge")).to_have_text("99+")
    await expect(page.locator("#bell")).to_have_attribute(
        "aria-label", f"Notifications, {unread} unread"
    )
    await page.click("#bell")
    await expect(page.locator(".notification")).to_have_count(50)
    await expect(page.locator("#notification-more")).to_have_text(
        f"The newest 50 of {unread} are shown."
    )


# The board's own requests for what it shows: what loading it (again) asks for.
BOARD_LOAD = re.compile(
    r"/api/v1/(projects/\d+$|(userstories|userstory-statuses|swimlanes|memberships)\?project=)"
)


def board_loads(page: Page) -> list[str]:
    """The board-loading requests the page makes from now on."""
    urls: list[str] = []
    page.on("request", lambda request: BOARD_LOAD.search(request.url) and urls.append(request.url))
    return urls


async def test_the_board_resumes_after_a_gateway_restart_without_loading_again(
    stack: BrowserStack, browser, layout: Layout
) -> None:
    # Another gateway keeps consuming the broker meanwhile, as in a deployment with several:
    # what is published while this one restarts is in the broker's history.
    other = stack.gateway.twin()
    await other.start()
    try:
        page = await open_board(browser, stack, "alice")
        indicator = page.locator("#connection")
        bob = await stack.login("bob")
        story = await create_story(stack, bob, "Renamed while the gateway was down")
        await expect(card(page, "Renamed while the gateway was down")).to_be_visible()
        loads = board_loads(page)

        await stack.gateway.stop()
        await expect(indicator).to_have_attribute("data-state", "reconnecting")
        await create_story(stack, bob, "Made while the gateway was down")
        await change_story(stack, bob, story["id"], subject="Renamed, and seen afterwards")

        await stack.gateway.start()
        await expect(indicator).to_have_text("live")
        await expect(card(page, "Made while the gateway was down")).to_be_visible()
        await expect(card(page, "Renamed, and seen afterwards")).to_be_visible()
        # And live again.
        await create_story(stack, bob, "Made after it came back")
        await expect(card(page, "Made after it came back")).to_be_visible()
        assert loads == []
    finally:
        await other.stop()


async def test_a_live_change_says_who_made_it(
    stack: BrowserStack, browser, layout: Layout, people: dict[str, User]
) -> None:
    story = await create_story(stack, await stack.login("owner"), "Plain story")
    await in_thread(set_notify_level, stack.project, people["bob"], NotifyLevel.ALL)
    bob = await open_board(browser, stack, "bob")
    changed = {"subject": "Plain story, changed"}
    alice = await stack.login("alice")
    await stack.http("PATCH", f"/userstories/{story['id']}", changed, token=alice)
    said = f"User story #{story['ref']} updated by alice"
    await expect(bob.locator(".toast", has_text=said)).to_contain_text("Plain story, changed")


async def test_the_board_loads_again_when_the_gateway_cannot_resume(
    stack: BrowserStack, browser, layout: Layout, monkeypatch
) -> None:
    page = await open_board(browser, stack, "alice")
    indicator = page.locator("#connection")
    bob = await stack.login("bob")
    loads = board_loads(page)

    await stack.gateway.stop()
    await expect(indicator).to_have_attribute("data-state", "reconnecting")
    # The broker's history is made again (a new epoch): the positions the page kept mean
    # nothing there, and what was missed can only be fetched.
    monkeypatch.setattr(bus, "epoch", uuid.uuid4().hex)
    await create_story(stack, bob, "Made while the history was lost")

    await stack.gateway.start()
    await expect(indicator).to_have_text("live")
    # It came back with the permission claims it had: nothing for the backend to answer.
    assert stack.gateway.metrics.permission_claims == {"accepted": 1}
    await expect(card(page, "Made while the history was lost")).to_be_visible()
    assert any("/userstories?project=" in url for url in loads), loads
    # And live again.
    await create_story(stack, bob, "Made after it came back")
    await expect(card(page, "Made after it came back")).to_be_visible()


async def test_a_session_lasts_as_long_as_the_tab(
    stack: BrowserStack, browser, layout: Layout
) -> None:
    page = await open_board(browser, stack, "alice")
    await expect(page.locator("#bell")).to_be_visible()

    # A reload keeps it (sessionStorage).
    await page.reload()
    await expect(page.locator("#whoami")).to_have_text("alice")
    await expect(page.locator(".add-story").first).to_be_attached()
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")

    # Signing out leaves an anonymous visitor, still following the public board live.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.locator("#sign-in")).to_be_visible()
    await expect(page.locator("#bell")).to_be_hidden()
    await expect(page.locator(".add-story")).to_have_count(0)
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    await create_story(stack, await stack.login("bob"), "Seen after signing out")
    await expect(card(page, "Seen after signing out")).to_be_visible()
    await page.reload()
    await expect(page.locator("#sign-in")).to_be_visible()


async def test_anonymous_visitors_watch_a_public_board_read_only(
    stack: BrowserStack, browser, layout: Layout, private_project: Project
) -> None:
    new, ready, in_progress = layout.statuses[:3]
    web = layout.swimlanes[0]
    alice = await stack.login("alice")
    first = await create_story(stack, alice, "First for everyone", status=new.id)
    second = await create_story(stack, alice, "Second for everyone", status=ready.id)
    page = await open_board(browser, stack)

    await expect(page.locator("#sign-in")).to_be_visible()
    await expect(page.locator("#board-message")).to_contain_text("read-only")
    await expect(card(page, "First for everyone")).to_be_visible()
    for control in (".add-story", ".move", ".card[draggable=true]", "button.subject"):
        await expect(page.locator(control)).to_have_count(0)
    await expect(page.locator("#project-select option")).to_have_text([stack.project.name])
    assert private_project.name != stack.project.name

    # Changes arrive live; a bulk change is one event naming both stories, each refetched.
    await create_story(stack, alice, "Third for everyone")
    await expect(card(page, "Third for everyone")).to_be_visible()
    bulk = {
        "project_id": stack.project.pk,
        "status_id": in_progress.id,
        "bulk_userstories": [first["id"], second["id"]],
    }
    response = await stack.http("POST", "/userstories/bulk_update_status", bulk, token=alice)
    assert response.status == 204, response.body
    await expect(
        page.locator("#event-log .frame", has_text=f'"pk":[{first["id"]},{second["id"]}]')
    ).to_have_count(1)
    await expect(cell(page, in_progress, web).locator(".subject")).to_have_text(
        ["First for everyone", "Second for everyone"]
    )

    # A new swimlane reshapes the board: a new row.
    owner = await stack.login("owner")
    lane = {"project": stack.project.pk, "name": "Docs"}
    assert (await stack.http("POST", "/swimlanes", lane, token=owner)).status == 201
    await expect(page.locator(".lane-head")).to_have_text(
        [re.compile(name) for name in ("Web", "API", "Docs")]
    )

    # A link to a story, as live notifications give, points it out.
    await page.goto(f"{stack.site}/project/{stack.project.slug}/us/{second['ref']}")
    await expect(card(page, "Second for everyone")).to_have_class(re.compile(r"\bhighlight\b"))
