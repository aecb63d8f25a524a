"""The sandbox in a real browser: a newcomer's whole first partnership, as the page shows it.

`python app.py` (no Slack settings: the sandbox) runs as a process; headless Chromium (Debian's
`chromium`, driven by playwright) clicks through pair → sign → schedule → move the clock →
check-in → agenda → "it happened" → diary → Home, asserting on what the page shows. One
screenshot per surface goes to the test's temporary folder (printed at the end).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.app_process import AppProcess, free_port, running_app

pytestmark = pytest.mark.slow  # a browser and a process: make test-fast skips it

CHROMIUM = os.environ.get("SANDBOX_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 20_000


def _browser_missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM}: apt-get install -y chromium (.ci/run does)"
    return None


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[AppProcess]:
    with running_app({"PORT": str(free_port())}, cwd=tmp_path, timeout=30) as process:
        yield process


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Any]:
    missing = _browser_missing()
    if missing:
        pytest.skip(f"no browser for the sandbox test: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 860},
            timezone_id="America/Chicago",  # not anyone's zone: the page must not use it
        )
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        try:
            yield page
        finally:
            context.close()
        assert problems == [], f"the page's script failed: {problems}"


class Screens:
    """One screenshot per surface, numbered in the order the journey reaches them."""

    def __init__(self, page: Any, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.taken: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)

    def shoot(self, name: str) -> None:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        self.page.mouse.move(1, 1)  # no hover highlight in the picture
        self.page.screenshot(path=str(path))
        self.taken.append(path)


def test_a_first_partnership_from_pairing_to_the_home_tab(
    browser_page: Any,  # first: without a browser, skip before starting anything
    sandbox_process: AppProcess,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    expect.set_options(timeout=WAIT_MS)
    screens = Screens(page, tmp_path / "screenshots")
    url = sandbox_process.stdout().strip()
    assert url == f"http://127.0.0.1:{sandbox_process.port}/", "one line: the page's address"
    page.goto(url)

    pane = page.locator("#pane-body")
    modal = page.locator("#modal")

    def become(name: str) -> None:
        page.select_option("#who", label=name)
        expect(page.locator("#who-detail")).not_to_be_empty()

    def open_conversation(title: str) -> None:
        page.locator("#sidebar .channel", has_text=title).click()
        expect(page.locator("#pane-title")).to_have_text(title)

    def open_app(tab: str) -> None:
        page.locator('#sidebar .channel[data-kind="app"]').click()
        page.get_by_role("tab", name=tab).click()
        expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")

    def type_command(text: str) -> None:
        page.fill("#message-box", text)
        page.press("#message-box", "Enter")

    def message_with(text: str) -> Any:
        return pane.locator("article.message", has_text=text).last

    # -- the admin pairs Maria with Tomás, from #general ----------------------------------------
    expect(page.locator("#pane-title")).to_have_text("#general")
    expect(page.locator("#who")).to_have_value("U0ADA00001")
    type_command("/mentor pair @maria @tomas")
    confirmation = message_with("Paired")
    expect(confirmation).to_contain_text("Only visible to you")
    expect(confirmation.locator(".mention")).to_have_text(["@Maria Santos", "@Tomás Ruiz"])
    screens.shoot("general-pairing")

    # -- both partners sign the agreement in their conversation ---------------------------------
    become("Maria Santos")
    open_conversation("Tomás, Mentorbot")
    agreement = message_with("Partnership agreement")
    expect(agreement.locator(".bk-header")).to_have_text("Partnership agreement")
    agreement.get_by_role("button", name="Sign agreement").click()
    expect(message_with("Partnership agreement")).to_contain_text("Maria Santos (mentor) signed on")
    become("Tomás Ruiz")
    open_conversation("Maria, Mentorbot")
    message_with("Partnership agreement").get_by_role("button", name="Sign agreement").click()
    signed = message_with("Signed by both of you")
    expect(signed.locator(".bk-header")).to_have_text("Partnership agreement — signed")
    screens.shoot("agreement-signed")

    # -- Tomás schedules their first session; a time in the past is refused under the field ----
    type_command("/mentor schedule")
    expect(modal).to_be_visible()
    expect(page.locator("#modal-title")).to_have_text("Schedule a session")
    madrid = datetime.now(UTC).astimezone(ZoneInfo("Europe/Madrid"))
    when = modal.locator('.bk-input[data-block="when"]')
    yesterday = (madrid - timedelta(days=1)).date().isoformat()
    when.locator('input[type="date"]').fill(yesterday)
    when.locator('input[type="time"]').fill("15:00")
    page.click("#modal-submit")
    expect(when.locator(".bk-error")).to_have_text(
        "That time has already passed. Pick a time in the future."
    )
    screens.shoot("schedule-modal-field-error")
    in_two_days = (madrid + timedelta(days=2)).date().isoformat()
    when.locator('input[type="date"]').fill(in_two_days)
    modal.locator('.bk-input[data-block="recurrence"] select').select_option(label="Weekly")
    page.click("#modal-submit")
    expect(modal).to_be_hidden()
    announcement = message_with("Add to calendar")
    expect(announcement.locator("time.date").first).to_contain_text("3:00 PM")
    # The same session, in Maria's own zone (São Paulo is 4 hours behind Madrid in December).
    become("Maria Santos")
    open_conversation("Tomás, Mentorbot")
    expect(message_with("Add to calendar").locator("time.date").first).to_contain_text("11:00 AM")
    message_with("Add to calendar").get_by_role("button", name="Add to calendar").click()
    open_app("Messages")
    calendar_file = pane.locator("a.file").last
    expect(calendar_file).to_contain_text("ICS")
    with page.expect_download() as download:
        calendar_file.click()
    saved = tmp_path / "session.ics"
    download.value.save_as(saved)
    assert saved.read_text().startswith("BEGIN:VCALENDAR")
    screens.shoot("calendar-file")

    # -- a day later the check-in arrives (a day before the session); Tomás answers it -------
    become("Tomás Ruiz")
    open_app("Messages")
    page.click('[data-clock="day"]')
    checkin = message_with("quick check-in")
    expect(checkin.get_by_role("button", name="Answer")).to_be_visible()
    screens.shoot("checkin-prompt")
    checkin.get_by_role("button", name="Answer").click()
    expect(page.locator("#modal-title")).to_have_text("Your check-in")
    answers = modal.locator("textarea, input[type='text']")
    answers.nth(0).fill("I shipped my first feature on my own.")
    answers.nth(1).fill("Code review comments still take me a long time.")
    screens.shoot("checkin-modal")
    page.click("#modal-submit")
    expect(modal).to_be_hidden()
    expect(message_with("quick check-in")).to_contain_text("You answered on")
    # Dates are shown in the viewer's zone and relative to the sandbox's clock.
    expect(message_with("quick check-in").locator("time.date").first).to_have_text(
        "tomorrow at 3:00 PM"
    )

    # The first session's agenda is built from the first-meeting form: Tomás answers it too.
    message_with("Before you first meet").get_by_role("button", name="Answer").click()
    expect(page.locator("#modal-title")).to_have_text("Before you first meet")
    modal.locator("textarea, input[type='text']").nth(0).fill("Learn to review code well.")
    page.click("#modal-submit")
    expect(modal).to_be_hidden()

    # -- the agenda, built from what Tomás said ------------------------------------------------
    open_conversation("Maria, Mentorbot")
    type_command("/mentor agenda")
    agenda = message_with("Introductions")
    expect(agenda).to_contain_text("Learn to review code well.")
    expect(agenda).to_contain_text("Only visible to you")
    screens.shoot("agenda")

    # -- to the session, then past its end: "did it happen?", then the diary -----------------
    clock = page.locator("#clock-label")
    page.click('[data-clock="session"]')
    expect(clock).to_contain_text("3:00 PM")
    page.click('[data-clock="session"]')
    expect(clock).to_contain_text("4:11 PM")
    open_app("Messages")
    happened = message_with("happen")
    expect(happened).to_contain_text("Did your session with @Maria Santos")
    screens.shoot("did-it-happen")
    happened.get_by_role("button", name="Yes, it happened").click()
    expect(modal).to_be_visible()
    expect(page.locator("#modal-title")).to_have_text("Learning diary")
    entries = modal.locator("textarea, input[type='text']")
    entries.nth(0).fill("We broke my feature into reviewable steps.")
    entries.nth(1).fill("Small pull requests get reviewed sooner.")
    screens.shoot("diary-modal")
    page.click("#modal-submit")
    expect(modal).to_be_hidden()
    written = message_with("your diary for the session")
    expect(written.get_by_role("button", name="Edit diary")).to_be_visible()

    # -- the Home tab: the pair, the next session, what is waiting -----------------------------
    open_app("Home")
    home = pane.locator(".home")
    expect(home).to_contain_text("Maria Santos")
    expect(home.locator(".bk-header").first).to_be_visible()
    screens.shoot("home")

    with capsys.disabled():
        print(f"\nSandbox screenshots ({len(screens.taken)}): {screens.folder}")
