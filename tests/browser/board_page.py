"""Driving the board page in the browser tests: opening it as someone, at a screen size,
and finding its cells and cards."""

from __future__ import annotations

from playwright.async_api import Browser, Locator, Page, expect

from tests.browser.conftest import BrowserStack, Place
from tests.e2e.conftest import PASSWORD

# The page waits on the network and the gateway: more than Playwright's 5 s default.
expect.set_options(timeout=10_000)

DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}


async def open_board(
    browser: Browser,
    stack: BrowserStack,
    username: str | None = None,
    *,
    viewport: dict[str, int] = DESKTOP,
    phone: bool = False,
    init_script: str | None = None,
    **context_options: object,
) -> Page:
    """A new browser context on the board (a touch screen if ``phone``), signed in through
    the form if ``username``; returns once the board is shown and live."""
    if phone:
        context_options.update(is_mobile=True, has_touch=True)
    context = await browser.new_context(viewport=viewport, **context_options)
    if init_script:
        await context.add_init_script(init_script)
    page = await context.new_page()
    await page.goto(f"{stack.site}/")
    await expect(page.locator(".grid")).to_be_visible()
    if username:
        await sign_in(page, username)
    await expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    return page


async def sign_in(page: Page, username: str) -> None:
    """Sign in through the form; returns once the board is loaded for the member."""
    if not await page.locator("#password-fields").is_visible():
        await page.click("#password-toggle")  # folded away on narrow screens
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("#sign-in-form button[type=submit]")
    await expect(page.locator("#whoami")).to_have_text(username)
    # Members may add stories: shown once the board is loaded with their permissions.
    await expect(page.locator(".add-story").first).to_be_attached()


def cell(page: Page, status: Place, swimlane: Place) -> Locator:
    return page.locator(f'.cell[data-status="{status.id}"][data-swimlane="{swimlane.id}"]')


def card(where: Page | Locator, subject: str) -> Locator:
    return where.locator(".card", has_text=subject)


async def create_story(stack: BrowserStack, token: str, subject: str, **fields: object) -> dict:
    body = {"project": stack.project.pk, "subject": subject, **fields}
    response = await stack.http("POST", "/userstories", body, token=token, session_id="shell")
    assert response.status == 201, response.body
    return response.body


async def change_story(stack: BrowserStack, token: str, story_id: int, **fields: object) -> dict:
    response = await stack.http("PATCH", f"/userstories/{story_id}", fields, token=token)
    assert response.status == 200, response.body
    return response.body
