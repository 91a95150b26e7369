"""A PNG of every console page on the demo data, in Debian's Chromium: var/screenshots/<page>.png.

`make screenshots` runs it. The app is built as `make run` builds it (development mode, the demo
token), on a database of its own in a temporary directory, migrated and seeded the same way (the
seed's customers and tickets, a few weeks of calls). A supervisor is added for the browser; a few
simulated calls run first, one of them left waiting in the Bekasi queue (its end is never sent), so
the home and live pages have something to show. Pages this branch does not have are skipped.

Needs `chromium` and `chromium-driver` (Debian packages), like tests/test_browser.py.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "var" / "screenshots"
DEMO_TOKEN = "local-demo-token"
BEKASI_LINE = "+62218850123"  # the simulator's default: UP3 Bekasi in the demo data
USERNAME = "screenshots.spv"
WIDTH = 1280
# (file name, path or None for "the newest call's page"): every page of the console menu, and a call.
PAGES: tuple[tuple[str, str | None], ...] = (
    ("home", "/console/"),
    ("live", "/console/live"),
    ("now", "/console/now"),
    ("calls", "/console/calls"),
    ("call", None),
    ("tickets", "/console/complaints"),
    ("requests", "/console/requests"),
    ("callbacks", "/console/callbacks"),
    ("readings", "/console/readings"),
    ("customers", "/console/customers"),
    ("stats", "/console/stats?channel=all"),
)


class DropsTheEnd:
    """A transport that never delivers the final status callback: the call stays up, waiting in its queue."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def post(self, url: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        if url.endswith("/voice/status"):
            return 204, ""
        return self.inner.post(url, data, headers)


def build_app(workdir: Path):
    os.environ.update(
        IVR_ENV="development",
        TWILIO_AUTH_TOKEN=DEMO_TOKEN,
        SECRET_KEY=secrets.token_hex(16),
        DATABASE_URL=f"sqlite:///{workdir / 'screenshots.db'}",
        FLASK_SKIP_DOTENV="1",
    )
    os.environ.pop("REDIS_URL", None)
    from ivr.app import create_app

    app = create_app()
    runner = app.test_cli_runner()
    for command in (["db-upgrade"], ["seed-demo", "--customers", "200"]):
        result = runner.invoke(args=command)
        if result.exit_code != 0:
            raise SystemExit(f"flask {' '.join(command)} failed:\n{result.output}")
    return app


def add_supervisor(app) -> str:
    from db.models import User
    from ivr.auth.passwords import hash_password
    from ivr.extensions import runtime

    password = secrets.token_urlsafe(12)
    with app.app_context(), runtime(app).database.session() as session:
        session.add(User(username=USERNAME, full_name="Sari Supervisor", role="supervisor",
                         password_hash=hash_password(password), active=True))  # fmt: skip
        session.commit()
    return password


def place_calls(base: str) -> None:
    from ivr.cli.simulator import CallSimulator, parse_script
    from ivr.cli.webhooks import RequestsTransport

    quiet = CallSimulator(base, DEMO_TOKEN, output=lambda _: None)
    quiet.call("+62215551234", BEKASI_LINE, script=parse_script("9 !"))  # English, then hangs up
    quiet.call("+62215550042", BEKASI_LINE, script=parse_script("1 !"))
    waiting = CallSimulator(base, DEMO_TOKEN, transport=DropsTheEnd(RequestsTransport()), output=lambda _: None)
    waiting.call("+6281311110001", BEKASI_LINE, script=parse_script("0"))  # asks for an agent, stays in the queue


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        raise SystemExit("needs Debian's chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-sync", f"--window-size={WIDTH},900"):  # fmt: skip
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver), options=options)


def shoot(base: str, password: str) -> list[str]:
    from selenium.webdriver.common.by import By

    OUT.mkdir(parents=True, exist_ok=True)
    saved = []
    driver = browser()
    try:
        driver.get(f"{base}/console/login")
        driver.find_element(By.NAME, "username").send_keys(USERNAME)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        for name, path in PAGES:
            if path is None:
                driver.get(f"{base}/console/calls")
                links = driver.find_elements(By.CSS_SELECTOR, "table a[href*='/console/calls/']")
                if not links:
                    print(f"  {name}: skipped (no call listed)")
                    continue
                path = links[0].get_attribute("href").removeprefix(base)
            driver.get(base + path)
            if "/console/login" in driver.current_url or driver.title.startswith(("404", "Not Found")):
                print(f"  {name}: skipped ({path} is not a page here)")
                continue
            height = driver.execute_script("return document.body.scrollHeight")
            driver.set_window_size(WIDTH, min(max(int(height) + 160, 600), 4000))  # the window, not the page
            target = OUT / f"{name}.png"
            driver.save_screenshot(str(target))
            saved.append(str(target.relative_to(ROOT)))
            print(f"  {name}: {target.relative_to(ROOT)}")
    finally:
        driver.quit()
    return saved


def main() -> None:
    from werkzeug.serving import make_server

    workdir = Path(tempfile.mkdtemp(prefix="ivr-screenshots-"))
    try:
        app = build_app(workdir)
        password = add_supervisor(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            place_calls(base)
            saved = shoot(base, password)
        finally:
            server.shutdown()
            thread.join(timeout=5)
        print(f"{len(saved)} screenshots in {OUT.relative_to(ROOT)}/")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
