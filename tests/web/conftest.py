"""The web interface under test: a real HTTP server (uvicorn on a free localhost port) with
the web routes, on a real PostgreSQL and a real Temporal dev server with a worker and the read
models' projector; the registry of examples/to-chuc.csv and the worked example's users
(application.worked_example.users). Driven by headless Chromium from Debian's packages
(``make browser``) through selenium, and by plain HTTP (httpx) where no browser is needed.

Every page a journey visits is saved as a 1366×768 screenshot to tests/web/artifacts/ (or
NHANSU_WEB_ARTIFACTS), named by test and order."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.support import LiveServer, start, stop

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(os.environ.get("NHANSU_WEB_ARTIFACTS")
                 or Path(__file__).resolve().parent / "artifacts")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1366,768", "--lang=vi-VN")


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server, thread = start(tmp_path_factory.mktemp("web-data"))
    yield server
    stop(server, thread)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


class Browser:
    """A headless Chromium with a fresh profile, and the screenshots of what it visited."""

    def __init__(self, driver: object, base_url: str, folder: Path, name: str) -> None:
        self.driver = driver
        self.base_url = base_url
        self.folder = folder
        self.name = name
        self.count = 0
        self.visited: list[str] = []

    def shot(self, what: str) -> Path:
        """Screenshot the page as it is, and check it holds no stack trace."""
        from selenium.webdriver.chromium.webdriver import ChromiumDriver

        driver = self.driver
        assert isinstance(driver, ChromiumDriver)
        self.count += 1
        path = self.folder / f"{self.name}-{self.count:02d}-{what}.png"
        assert driver.save_screenshot(str(path)), path
        source = driver.page_source
        assert "Traceback" not in source and 'File "' not in source, driver.current_url
        # No script error and nothing the Content-Security-Policy had to block (htmx included).
        console: list[dict[str, str]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
        broken = [e["message"] for e in console
                  if "Content Security Policy" in e["message"] or "Uncaught" in e["message"]]
        assert broken == [], broken
        self.visited.append(driver.current_url)
        return path


@pytest.fixture
def browser(live: LiveServer, artifacts: Path, tmp_path: Path,
            request: pytest.FixtureRequest) -> Iterator[Browser]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Chromium from Debian's packages is not installed: run `make browser`")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        # The page itself is 1366×768, as on the laptop (not the window around it).
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
        driver.implicitly_wait(0)
        name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:60]
        yield Browser(driver, live.base_url, artifacts, name)
    finally:
        driver.quit()


def log_in(live: LiveServer, login: str, password: str) -> httpx.Client:
    """An HTTP client logged in through the log-in form, as a browser is."""
    client = httpx.Client(base_url=live.base_url, follow_redirects=False, timeout=60)
    form = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token, form.text
    answer = client.post("/login", data={"login": login, "password": password,
                                         "login_csrf": token.group(1), "next": "/"})
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def key_of(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert found, html
    return found.group(1)
