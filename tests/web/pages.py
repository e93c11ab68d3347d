"""What a person does in the browser, said once: go to a page, fill a field, press a button and
wait for the next page, read what the page says."""

from __future__ import annotations

from collections.abc import Callable

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.web.conftest import Browser

WAIT_SECONDS = 90


def driver(b: Browser) -> WebDriver:
    d = b.driver
    assert isinstance(d, WebDriver)
    return d


def go(b: Browser, path: str) -> None:
    driver(b).get(b.base_url + path)


def find(b: Browser, css: str) -> WebElement:
    return driver(b).find_element(By.CSS_SELECTOR, css)


def finds(b: Browser, css: str) -> list[WebElement]:
    return driver(b).find_elements(By.CSS_SELECTOR, css)


def fill(b: Browser, css: str, value: str) -> None:
    field = find(b, css)
    field.clear()
    field.send_keys(value)


def choose(b: Browser, css: str, visible_text: str) -> None:
    Select(find(b, css)).select_by_visible_text(visible_text)


def gone(page: WebElement) -> Callable[[WebDriver], bool]:
    """True once ``page`` no longer belongs to the document. While Chromium swaps documents
    it may answer an inspector error instead of "stale element" (seen in CI: "Node with
    given id does not belong to the document"); both mean the old page is gone."""
    def check(_: WebDriver) -> bool:
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in (error.msg or ""):
                return True
            raise
        return False
    return check


def press(b: Browser, element: WebElement) -> None:
    """Click and wait for the page it leads to."""
    page = find(b, "html")
    element.click()
    WebDriverWait(driver(b), WAIT_SECONDS).until(gone(page))


def submit(b: Browser, form_css: str = "main form", method: str = "post") -> None:
    """Press the submit button of the (last) form that matches and sends with ``method``."""
    forms = [f for f in finds(b, form_css) if f.get_attribute("method") == method]
    assert forms, f"no form {form_css} on {driver(b).current_url}"
    press(b, forms[-1].find_element(By.CSS_SELECTOR, "button[type=submit]"))


def link(b: Browser, text: str) -> WebElement:
    return driver(b).find_element(By.PARTIAL_LINK_TEXT, text)


def follow(b: Browser, text: str) -> None:
    press(b, link(b, text))


def main_text(b: Browser) -> str:
    return find(b, "main").text


def heading(b: Browser) -> str:
    return find(b, "h1").text


def log_in(b: Browser, login: str, password: str) -> None:
    go(b, "/login")
    fill(b, "#login", login)
    fill(b, "#password", password)
    submit(b, "form")
