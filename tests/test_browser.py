"""A person's path through the console, in Debian's Chromium driven by Selenium.

An agent logs in, opens the call the simulator just placed, changes the ticket that call left,
and the caller then hears the new status and note in menu 4. A screenshot of the call page is
written to var/screenshots/call-page.png (README says so), and one of the supervisors' dashboard
on the hand-counted week to var/screenshots/stats-dashboard.png. An agent's screen pops, without a
reload, when a caller is bridged to their line (var/screenshots/screen-pop.png).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from db.models import Complaint
from ivr.cli.simulator import CallSimulator, parse_script
from ivr.config import PROJECT_ROOT
from tests.conftest import AUTH_TOKEN
from tests.support.console import PASSWORD, add_user
from tests.support.factories import DIALED, add_bill, add_customer
from tests.support.live_server import serving
from tests.support.stats import add_fixed_history

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SCREENSHOT = PROJECT_ROOT / "var" / "screenshots" / "call-page.png"
DASHBOARD_SCREENSHOT = PROJECT_ROOT / "var" / "screenshots" / "stats-dashboard.png"
SCREEN_POP_SCREENSHOT = PROJECT_ROOT / "var" / "screenshots" / "screen-pop.png"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="needs Debian's chromium and chromium-driver (.ci/run installs them)"
)


def log_in_as(browser, base: str, username: str) -> None:
    """Log in through the login form, as a person would, and land on the console's home page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as expected
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{base}/console/login")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 10).until(expected.url_to_be(f"{base}/console/"))


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="ivr-chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _call(base_url: str, script: str) -> list[str]:
    heard: list[str] = []
    simulator = CallSimulator(base_url, AUTH_TOKEN, output=heard.append)
    simulator.call("+62215551234", DIALED["BEKASI"], script=parse_script(script))
    return heard


def test_agent_works_a_ticket_and_the_caller_hears_it(app: Flask, db_session, regions, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as expected
    from selenium.webdriver.support.ui import Select, WebDriverWait

    add_user(db_session, "agent.bekasi", "agent", regions["BEKASI"])
    db_session.commit()
    with serving(app) as base:
        _call(base, "3 1 2 1 2 !")  # no power at home; no customer number; call me back here; no recording
        ticket = db_session.scalars(select(Complaint)).one()

        log_in_as(browser, base, "agent.bekasi")
        assert "Agent Bekasi" in browser.find_element(By.TAG_NAME, "header").text
        # The console's CSS is a file the Content-Security-Policy allows: the header is styled, not bare.
        assert (
            browser.find_element(By.TAG_NAME, "header").value_of_css_property("background-color")
            == "rgba(11, 79, 138, 1)"
        )

        browser.get(f"{base}/console/calls")
        browser.find_element(By.CSS_SELECTOR, "table a[href*='/console/calls/']").click()
        page = browser.find_element(By.TAG_NAME, "main").text
        assert "(021) 5551234" in page
        assert "WIB" in page
        assert ticket.ticket_number in page
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(SCREENSHOT))

        browser.get(f"{base}/console/complaints")
        browser.find_element(By.LINK_TEXT, ticket.ticket_number).click()
        Select(browser.find_element(By.NAME, "status")).select_by_value("in_progress")
        browser.find_element(By.NAME, "note").send_keys("Petugas menuju lokasi pukul 14.00")
        browser.find_element(By.XPATH, "//button[normalize-space()='Simpan']").click()
        WebDriverWait(browser, 10).until(expected.url_contains("msg=saved"))
        assert "Petugas menuju lokasi pukul 14.00" in browser.find_element(By.TAG_NAME, "main").text

        heard = " ".join(_call(base, f"4 {ticket.ticket_number} !"))
    assert "Petugas menuju lokasi pukul 14.00" in heard
    db_session.expire_all()
    assert db_session.get(Complaint, ticket.id).status == "in_progress"


def test_supervisor_reads_the_dashboard(app: Flask, db_session, regions, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as expected
    from selenium.webdriver.support.ui import Select, WebDriverWait

    add_user(db_session, "spv", "supervisor")
    add_fixed_history(db_session, regions)
    db_session.commit()
    with serving(app) as base:
        log_in_as(browser, base, "spv")

        browser.find_element(By.LINK_TEXT, "Statistik").click()
        WebDriverWait(browser, 10).until(expected.url_to_be(f"{base}/console/stats"))
        browser.get(f"{base}/console/stats?from=2026-11-16&to=2026-11-22")
        Select(browser.find_element(By.NAME, "region_id")).select_by_visible_text("UP3 Bekasi")
        browser.find_element(By.XPATH, "//button[normalize-space()='Tampilkan']").click()
        WebDriverWait(browser, 10).until(expected.url_contains(f"region_id={regions['BEKASI']}"))
        assert browser.find_element(By.CSS_SELECTOR, "[data-figure=offered]").text == "7"

        browser.get(f"{base}/console/stats?from=2026-11-16&to=2026-11-22")
        assert browser.find_element(By.CSS_SELECTOR, "[data-figure=offered]").text == "14"
        assert browser.find_element(By.CSS_SELECTOR, ".tiles").value_of_css_property("display") == "grid"  # stats.css
        assert browser.find_element(By.CSS_SELECTOR, "svg[data-chart=chart-volume]").size["height"] > 100
        browser.set_window_size(1280, browser.execute_script("return document.body.scrollHeight") + 40)
        DASHBOARD_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(DASHBOARD_SCREENSHOT))


def _post_signed(base_url: str, path: str, params: dict[str, str]) -> int:
    """A Twilio webhook over real HTTP, signed for the URL the live server sees."""
    from urllib.parse import urlencode
    from urllib.request import Request, urlopen

    from twilio.request_validator import RequestValidator

    url = f"{base_url}{path}"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    request = Request(url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature})
    with urlopen(request, timeout=10) as response:
        return response.status


def test_the_agents_screen_pops_when_a_caller_is_bridged(app: Flask, client, db_session, regions, browser) -> None:
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as expected
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.support.queues import QUEUE_SID, agent_phone
    from tests.support.twilio import FakeTwilio

    agent = add_user(db_session, "agent.bekasi", "agent", regions["BEKASI"])
    agent.phone = "+6281200000001"
    customer, _ = add_customer(db_session, regions["BEKASI"], phone="+62215551234")
    add_bill(db_session, customer, date(2026, 10, 1), kwh=162, amount=245_500, paid=False)
    db_session.commit()
    caller = FakeTwilio(client=client, auth_token=AUTH_TOKEN)  # +62215551234 dialing Bekasi
    caller.start()
    caller.press("1")  # the bill...
    caller.press("1")  # ...of the account of this phone
    assert caller.press("0").queue_name == "BEKASI"
    line = agent_phone(client, AUTH_TOKEN, "+6281200000001")
    line.post("/voice/agent/incoming")
    with serving(app) as base:
        log_in_as(browser, base, "agent.bekasi")
        browser.find_element(By.LINK_TEXT, "Panggilan saat ini").click()
        assert "Belum ada penelepon" in browser.find_element(By.ID, "pop").text

        bridged_at = time.monotonic()
        form = {"CallSid": caller.call_sid, "AccountSid": "AC" + "0" * 32, "From": caller.caller, "To": caller.dialed,
                "Direction": "inbound", "CallStatus": "in-progress", "QueueSid": QUEUE_SID, "QueueTime": "40",
                "DequeingCallSid": line.call_sid}  # fmt: skip
        assert _post_signed(base, "/voice/queue/bridge", form) == 200
        WebDriverWait(browser, 5, poll_frequency=0.1).until(
            expected.text_to_be_present_in_element((By.CSS_SELECTOR, ".pop-caller"), "(021) 5551234")
        )
        assert time.monotonic() - bridged_at < 3  # polled once a second: well inside two, with slack for CI
        pop = browser.find_element(By.ID, "pop").text
        assert "Siti Rahmawati" in pop and "245.500" in pop and "0:40" in pop
        assert browser.current_url == f"{base}/console/now"  # no reload, no navigation
        assert browser.execute_script("return performance.getEntriesByType('navigation').length") == 1
        SCREEN_POP_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(SCREEN_POP_SCREENSHOT))


def test_the_home_page_refreshes_itself(app: Flask, db_session, regions, browser) -> None:
    """A call that ends after the page loaded shows in the calls tile within 15 s, without a reload."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    add_user(db_session, "spv", "supervisor")
    db_session.commit()
    with serving(app) as base:
        log_in_as(browser, base, "spv")
        tile = "[data-tile=calls] .value"
        assert browser.find_element(By.CSS_SELECTOR, tile).text == "0"
        browser.execute_script("window.loadedOnce = true;")  # gone if the page reloads

        _call(base, "9 !")  # English, then hangs up: one call offered today
        WebDriverWait(browser, 15).until(lambda b: b.find_element(By.CSS_SELECTOR, tile).text == "1")
        assert browser.execute_script("return window.loadedOnce === true;")
        assert browser.current_url == f"{base}/console/"


def test_an_agent_opens_the_call_they_answered_from_another_region_and_no_other(
    app: Flask, client, db_session, regions, browser
) -> None:
    """A national agent takes a Kupang caller who overflowed: the call is theirs to open; another Kupang call is not."""
    from selenium.webdriver.common.by import By

    from tests.support.queues import overflowed_and_taken
    from tests.support.twilio import FakeTwilio

    agent = add_user(db_session, "agent.nasional", "agent", regions["NASIONAL"])
    agent.phone = "+6281200000002"
    db_session.commit()
    answered = overflowed_and_taken(client, AUTH_TOKEN, "+623808251234", DIALED["KUPANG"], "+6281200000002")
    answered.hang_up()
    unanswered = FakeTwilio(client=client, auth_token=AUTH_TOKEN, caller="+623808259999", dialed=DIALED["KUPANG"])
    unanswered.start()
    unanswered.hang_up()
    with serving(app) as base:
        log_in_as(browser, base, "agent.nasional")
        browser.find_element(By.LINK_TEXT, "Panggilan").click()
        rows = browser.find_element(By.CSS_SELECTOR, "table").text
        assert "(0380) 8251234" in rows and "(0380) 8259999" not in rows
        browser.find_element(By.CSS_SELECTOR, f"a[href$='{answered.call_sid}']").click()
        page = browser.find_element(By.TAG_NAME, "main").text
        assert "UP3 Kupang" in page and "Diangkat oleh petugas" in page
        browser.get(f"{base}/console/calls/{unanswered.call_sid}")
        assert "(0380) 8259999" not in browser.page_source
        assert "404" in browser.title or "tidak ditemukan" in browser.page_source.lower()
