"""The call timeline in a real browser: the sentences in Indonesian, then in English after the header's switch.

Screenshots go to var/screenshots/call-timeline-id.png and call-timeline-en.png.
"""

from __future__ import annotations

from flask import Flask

from ivr.config import PROJECT_ROOT
from tests.support.console import add_user
from tests.support.live_server import serving
from tests.test_browser import _call, browser, log_in_as, pytestmark  # noqa: F401  (the Chromium fixture and its skip mark)

SHOTS = PROJECT_ROOT / "var" / "screenshots"


def test_the_call_timeline_reads_in_both_languages(app: Flask, db_session, regions, browser) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    add_user(db_session, "agent.bekasi", "agent", regions["BEKASI"])
    db_session.commit()
    with serving(app) as base:
        _call(base, "3 1 2 1 2 !")  # no power at home; no customer number; call me back here; no recording

        log_in_as(browser, base, "agent.bekasi")
        browser.get(f"{base}/console/calls")
        browser.find_element(By.CSS_SELECTOR, "table a[href*='/console/calls/']").click()

        def sentences() -> str:
            return browser.find_element(By.CSS_SELECTOR, ".timeline-sentences").text

        headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".timeline-flow h3")]
        assert headings[:2] == ["Menu utama", "3 · Gangguan / pengaduan"]
        assert "Memilih 3 · Gangguan atau pengaduan" in sentences()
        assert "Tiket " in sentences() and " dibuat" in sentences()
        assert not browser.find_element(By.CSS_SELECTOR, "details.raw-events table").is_displayed()  # folded away
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(SHOTS / "call-timeline-id.png"))

        browser.find_element(By.CSS_SELECTOR, "form.language button").click()
        WebDriverWait(browser, 30).until(lambda driver: "Chose 3 · " in sentences())
        assert browser.find_elements(By.CSS_SELECTOR, ".timeline-flow h3")[1].text == "3 · Outage / complaint"
        assert "Ticket " in sentences() and " created" in sentences()
        browser.find_element(By.CSS_SELECTOR, "details.raw-events summary").click()
        assert browser.find_element(By.CSS_SELECTOR, "details.raw-events table").is_displayed()
        assert browser.save_screenshot(str(SHOTS / "call-timeline-en.png"))
