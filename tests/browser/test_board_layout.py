"""The board at the sizes people use it, a 1440 and a 1280 px laptop and a 390 px phone,
on a busy project: eight statuses, a long first column. Its column headings stay in sight
when the column is scrolled, no page is wider than the window, eight columns fit a laptop,
a phone shows one at a time, and the event log opens in sight. Screenshots of each width
are left in ``test-artifacts/board/``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from taiga.projects.models import Project, Swimlane, UserStoryStatus
from taiga.projects.services import values
from taiga.projects.userstories import services as userstory_services
from taiga.users.models import User
from tests.browser.board_page import PHONE, open_board, sign_in
from tests.browser.conftest import BrowserStack, Layout, Place

BUSY = 30  # stories in the first column, more than any window shows at once

# Where the page, the board's scrolling area and its column headings are on the screen,
# and which columns have cells (even partly) within that area.
GEOMETRY = """() => {
  const box = (element) => {
    const {top, bottom, left, right, width} = element.getBoundingClientRect();
    return {top, bottom, left, right, width};
  };
  const board = document.getElementById('board');
  const area = box(board);
  const name = (status) =>
    document.querySelector(`.column-head[data-status="${status}"] .column-name`).textContent;
  const shown = [...document.querySelectorAll('.cell')].filter((cell) => {
    const {left, right, width} = box(cell);
    return width > 0 && right > area.left + 1 && left < area.right - 1;
  });
  return {
    page: {
      width: document.documentElement.scrollWidth,
      height: document.documentElement.scrollHeight,
    },
    window: {width: innerWidth, height: innerHeight},
    board: {...area, scrollTop: board.scrollTop},
    heads: [...document.querySelectorAll('.column-head')].map((head) => ({
      name: head.querySelector('.column-name').textContent, ...box(head),
    })),
    inView: [...new Set(shown.map((cell) => cell.dataset.status))].map(name),
  };
}"""


@pytest.fixture
def busy(project: Project, layout: Layout, people: dict[str, User]) -> Layout:
    """Eight statuses (Taiga projects often have more than the six a new one starts with)
    and a first column with more stories than a window shows."""
    for name in ("Blocked", "In review"):
        values.create_value(UserStoryStatus, project=project, name=name)
    web = Swimlane.objects.get(pk=layout.swimlanes[0].id)
    for number in range(BUSY):
        userstory_services.create_userstory(
            project=project, owner=people["owner"], subject=f"Busy story {number}", swimlane=web
        )
    statuses = project.us_statuses.order_by("order", "pk")
    return Layout([Place(s.pk, s.name) for s in statuses], layout.swimlanes)


async def geometry(page: Page) -> dict:
    return await page.evaluate(GEOMETRY)


def assert_fits_the_window(facts: dict) -> None:
    """The page itself never scrolls: the board scrolls in its own area, whose bottom (and
    horizontal scrollbar) is on screen."""
    assert facts["page"] == facts["window"]
    assert facts["board"]["bottom"] <= facts["window"]["height"]


async def scroll_to_the_bottom(page: Page) -> dict:
    await page.locator("#board").evaluate("board => board.scrollTo(0, board.scrollHeight)")
    facts = await geometry(page)
    assert facts["board"]["scrollTop"] > 500  # the busy column really was scrolled
    return facts


@pytest.mark.parametrize("width, height", [(1440, 900), (1280, 800)])
async def test_a_laptop_shows_eight_columns_whose_headings_stay(
    stack: BrowserStack, browser, busy: Layout, artifacts: Path, width: int, height: int
) -> None:
    page = await open_board(browser, stack, "alice", viewport={"width": width, "height": height})
    await expect(page.locator(".card")).to_have_count(BUSY)
    facts = await geometry(page)
    assert_fits_the_window(facts)
    # Every column whole on screen: none cut off.
    assert [head["name"] for head in facts["heads"]] == [s.name for s in busy.statuses]
    assert all(head["left"] >= 0 and head["right"] <= width for head in facts["heads"])

    facts = await scroll_to_the_bottom(page)
    top = facts["board"]["top"]
    assert all(top - 1 <= head["top"] <= top + 12 for head in facts["heads"]), facts["heads"]
    assert facts["inView"] == [s.name for s in busy.statuses]
    await page.screenshot(path=str(artifacts / f"board-{width}.png"), animations="disabled")

    # The event log opens beside the board, from the top of the window.
    await page.get_by_role("button", name=re.compile("Event log")).click()
    drawer = page.locator("#event-log")
    await expect(drawer).to_be_in_viewport(ratio=1)
    assert (await drawer.bounding_box())["y"] < 100
    await expect(drawer.locator(".frame").first).to_be_visible()
    assert_fits_the_window(await geometry(page))
    await page.screenshot(path=str(artifacts / f"board-{width}-event-log.png"))
    await drawer.get_by_role("button", name="Clear").focus()
    await page.keyboard.press("Escape")
    await expect(drawer).to_be_hidden()


async def test_a_phone_shows_one_column_at_a_time(
    stack: BrowserStack, browser, busy: Layout, artifacts: Path
) -> None:
    page = await open_board(browser, stack, viewport=PHONE, phone=True)
    # One row of top bar, one of signing in.
    assert (await page.locator(".topbar").bounding_box())["height"] < 56
    assert (await page.locator("#sign-in").bounding_box())["height"] < 50
    await page.screenshot(path=str(artifacts / "board-390-signed-out.png"))
    await sign_in(page, "alice")
    assert (await page.locator(".topbar").bounding_box())["height"] < 56

    first, second = busy.statuses[:2]
    facts = await geometry(page)
    assert_fits_the_window(facts)
    assert facts["inView"] == [first.name]
    tabs = page.locator(".column-tab")
    await expect(tabs).to_have_count(len(busy.statuses))
    current = page.locator('.column-tab[aria-current="true"]')
    await expect(current).to_contain_text(first.name)
    await expect(current).to_contain_text(str(BUSY))

    # Scrolled down the busy column, the tabs still say which column this is.
    facts = await scroll_to_the_bottom(page)
    assert facts["inView"] == [first.name]
    await expect(current).to_be_in_viewport(ratio=1)
    await page.screenshot(path=str(artifacts / "board-390.png"), animations="disabled")

    # Another tab: that column, alone.
    await tabs.nth(1).click()
    await expect(current).to_contain_text(second.name)
    await page.wait_for_function(f"({GEOMETRY})().inView.join() === {second.name!r}")
    assert_fits_the_window(await geometry(page))
    await page.screenshot(path=str(artifacts / "board-390-second-column.png"))
