"""Working on the board all day: finding stories (a text filter, "assigned to me") while
others change them, moving cards without a mouse (keyboard, touch), and cards that count
their tasks as they are done."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Page, expect

from tests.browser.board_page import PHONE, card, cell, change_story, create_story, open_board
from tests.browser.conftest import BrowserStack, Layout


async def user_id(stack: BrowserStack, token: str) -> int:
    return (await stack.http("GET", "/users/me", token=token)).body["id"]


def count_of(page: Page, status_id: int):
    return page.locator(f'.column-head [data-count-status="{status_id}"]')


async def test_the_filter_holds_across_live_changes(
    stack: BrowserStack, browser, layout: Layout, artifacts: Path
) -> None:
    new, ready = layout.statuses[:2]
    owner = await stack.login("owner")
    alice_id = await user_id(stack, await stack.login("alice"))
    fix = await create_story(
        stack, owner, "Fix the login form", status=new.id, assigned_to=alice_id
    )
    docs = await create_story(stack, owner, "Write the docs", status=new.id)
    page = await open_board(browser, stack, "alice")
    result = page.locator("#filter-result")

    # "/" goes to the filter; the board shows what matches, and says how much that is.
    await page.keyboard.press("/")
    await expect(page.locator("#filter-text")).to_be_focused()
    await page.keyboard.type("LOGIN")
    await expect(page.locator(".card .subject")).to_have_text(["Fix the login form"])
    await expect(result).to_have_text("1 of 2 stories")
    await expect(count_of(page, new.id)).to_have_text("1 of 2")

    # A live change to a story the filter hides: it stays hidden, though it moved.
    await change_story(stack, owner, docs["id"], status=ready.id)
    await expect(count_of(page, ready.id)).to_have_text("0 of 1")
    await expect(card(page, "Write the docs")).to_have_count(0)
    # New stories: shown if they match, counted either way. (Each change is awaited on the
    # page before the next: the test database, SQLite in memory, refuses reads during a
    # write instead of waiting.)
    await create_story(stack, owner, "Plan the sprint", status=new.id)
    await expect(result).to_have_text("1 of 3 stories")
    await create_story(stack, owner, "Log in with email", status=new.id)
    await expect(result).to_have_text("1 of 4 stories")
    await page.fill("#filter-text", "log")
    await expect(page.locator(".card .subject")).to_have_text(
        ["Fix the login form", "Log in with email"]
    )
    # A change that makes a hidden story match shows it.
    await change_story(stack, owner, docs["id"], subject="Write the login docs")
    await expect(card(page, "Write the login docs")).to_be_visible()
    await expect(result).to_have_text("3 of 4 stories")

    # Only mine: the text cleared, the stories assigned to alice, as they come and go.
    await page.get_by_role("button", name="Clear").click()
    await expect(page.locator(".card")).to_have_count(4)
    await page.get_by_role("button", name="Assigned to me").click()
    await expect(page.locator(".card .subject")).to_have_text(["Fix the login form"])
    stories = (await stack.http("GET", "/userstories", token=owner)).body
    by_subject = {story["subject"]: story["id"] for story in stories}
    await change_story(stack, owner, by_subject["Plan the sprint"], assigned_users=[alice_id])
    await expect(card(page, "Plan the sprint")).to_be_visible()
    unassigned = {"assigned_to": None, "assigned_users": []}
    await change_story(stack, owner, by_subject["Fix the login form"], **unassigned)
    await expect(page.locator(".card .subject")).to_have_text(["Plan the sprint"])
    await expect(result).to_have_text("1 of 4 stories")
    await page.screenshot(path=str(artifacts / "board-1400-assigned-to-me.png"))

    # Following a notification to a story the filter hides: the filter gives way to it.
    await page.click("#bell")
    entry = page.locator(".notification", has_text=f"assigned you to user story #{fix['ref']}")
    await entry.locator(".open").click()
    await expect(card(page, "Fix the login form")).to_have_class(re.compile(r"\bhighlight\b"))
    mine = page.get_by_role("button", name="Assigned to me")
    await expect(mine).to_have_attribute("aria-pressed", "false")


async def test_cards_move_by_keyboard(stack: BrowserStack, browser, layout: Layout) -> None:
    new, ready = layout.statuses[:2]
    web, api = layout.swimlanes
    owner = await stack.login("owner")
    first = await create_story(stack, owner, "First card", status=new.id, swimlane=web.id)
    await create_story(stack, owner, "Second card", status=new.id, swimlane=web.id)
    page = await open_board(browser, stack, "alice")
    here = cell(page, new, web)
    moved = card(page, "First card")
    subject = moved.locator(".subject")

    # Its move buttons show where they help: not until the card has the focus (or a hover).
    actions = moved.locator(".card-actions")
    await expect(actions).to_have_css("opacity", "0")
    await subject.focus()
    await expect(actions).to_have_css("opacity", "1")

    # Arrows go from card to card.
    await page.keyboard.press("ArrowDown")
    await expect(card(page, "Second card").locator(".subject")).to_be_focused()
    await page.keyboard.press("ArrowUp")
    await expect(subject).to_be_focused()

    # Shift and the arrows move the card, which keeps the focus: down its cell and back...
    await page.keyboard.press("Shift+ArrowDown")
    await expect(here.locator(".subject")).to_have_text(["Second card", "First card"])
    await expect(subject).to_be_focused()
    await page.keyboard.press("Shift+ArrowUp")
    await expect(here.locator(".subject")).to_have_text(["First card", "Second card"])
    # ...to the next column, and with Alt to the next swimlane.
    await page.keyboard.press("Shift+ArrowRight")
    await expect(card(cell(page, ready, web), "First card")).to_be_visible()
    await expect(subject).to_be_focused()
    await page.keyboard.press("Alt+Shift+ArrowDown")
    await expect(card(cell(page, ready, api), "First card")).to_be_visible()
    await expect(subject).to_be_focused()
    await expect(moved).to_have_attribute("aria-busy", "false")
    story = (await stack.http("GET", f"/userstories/{first['id']}", token=owner)).body
    assert (story["status"], story["swimlane"]) == (ready.id, api.id)

    # Enter edits it; Escape closes the editor and gives the focus back.
    await page.keyboard.press("Enter")
    await expect(page.locator("#story-dialog")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.locator("#story-dialog")).to_be_hidden()
    await expect(subject).to_be_focused()


async def test_a_card_is_dragged_by_touch(
    stack: BrowserStack, browser, layout: Layout, artifacts: Path
) -> None:
    new, ready = layout.statuses[:2]
    web, api = layout.swimlanes
    owner = await stack.login("owner")
    story = await create_story(stack, owner, "Carried by a finger", status=new.id, swimlane=web.id)
    page = await open_board(browser, stack, "alice", viewport=PHONE, phone=True)
    cdp = await page.context.new_cdp_session(page)

    async def touch(kind: str, target=None) -> None:
        points = []
        if target is not None:
            box = await target.bounding_box()
            points = [{"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}]
        await cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    # A long press lifts the card; moved onto the other swimlane's cell and let go there.
    carried = card(page, "Carried by a finger")
    await touch("touchStart", carried.locator(".ref"))
    await expect(carried).to_have_class(re.compile(r"\bdragging\b"))
    target = cell(page, new, api)
    await touch("touchMove", target)
    await expect(target).to_have_class(re.compile(r"\bdrop-target\b"))
    await page.screenshot(path=str(artifacts / "board-390-touch-drag.png"))
    await touch("touchEnd")
    await expect(card(target, "Carried by a finger")).to_be_visible()
    await expect(page.locator("#story-dialog")).to_be_hidden()  # no tap on the card
    await expect(carried).to_have_attribute("aria-busy", "false")

    # Dropped on another column's tab (one column shows at a time): last in that column.
    await touch("touchStart", carried.locator(".ref"))
    await expect(carried).to_have_class(re.compile(r"\bdragging\b"))
    tab = page.locator(f'.column-tab[data-status="{ready.id}"]')
    await touch("touchMove", tab)
    await expect(tab).to_have_class(re.compile(r"\bdrop-target\b"))
    await touch("touchEnd")
    await expect(tab.locator(".count")).to_have_text("1")
    await expect(carried).to_have_attribute("aria-busy", "false")
    moved = (await stack.http("GET", f"/userstories/{story['id']}", token=owner)).body
    assert (moved["status"], moved["swimlane"]) == (ready.id, api.id)


async def test_cards_count_their_tasks_as_they_are_done(
    stack: BrowserStack, browser, layout: Layout
) -> None:
    owner = await stack.login("owner")
    story = await create_story(stack, owner, "With tasks")
    tasks = []
    for subject in ("One", "Two"):
        body = {"project": stack.project.pk, "subject": subject, "user_story": story["id"]}
        tasks.append((await stack.http("POST", "/tasks", body, token=owner)).body)
    statuses = (await stack.http("GET", f"/task-statuses?project={stack.project.pk}")).body
    closed = next(status for status in statuses if status["is_closed"])
    page = await open_board(browser, stack)
    counts = card(page, "With tasks").locator(".tasks")
    await expect(counts).to_have_text("0/2")
    await expect(counts).to_have_attribute("aria-label", "0 of 2 tasks closed")

    # Others close a task, add one, delete one: the card follows, live.
    closing = {"status": closed["id"]}
    await stack.http("PATCH", f"/tasks/{tasks[0]['id']}", closing, token=owner)
    await expect(counts).to_have_text("1/2")
    body = {"project": stack.project.pk, "subject": "Three", "user_story": story["id"]}
    await stack.http("POST", "/tasks", body, token=owner)
    await expect(counts).to_have_text("1/3")
    await stack.http("DELETE", f"/tasks/{tasks[1]['id']}", token=owner)
    await expect(counts).to_have_text("1/2")


async def test_an_answer_that_is_not_json_shows_a_short_message(
    stack: BrowserStack, browser, layout: Layout
) -> None:
    new, _ = layout.statuses[:2]
    web, _ = layout.swimlanes
    page = await open_board(browser, stack, "alice")
    error_page = "<!DOCTYPE html><html><body><h1>Server Error (500)</h1></body></html>"

    async def fail(route) -> None:
        if route.request.method == "POST":
            await route.fulfill(status=500, content_type="text/html", body=error_page)
        else:
            await route.continue_()

    await page.route(re.compile(r".*/api/v1/userstories$"), fail)
    composer = cell(page, new, web)
    await composer.get_by_role("button", name=f"Add a story to {new.name}, {web.name}").click()
    await page.keyboard.type("Saved at a bad moment")
    await page.keyboard.press("Enter")
    error = composer.locator(".adder .error")
    await expect(error).to_have_text("the server failed (HTTP 500): try again in a moment")
    assert "<" not in await error.text_content()
