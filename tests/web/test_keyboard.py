"""By keyboard alone: the log-in page is reached field by field with Tab, each focus is
visible, and Enter logs in."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from application.worked_example import PASSWORD
from tests.web.conftest import Browser
from tests.web.pages import WAIT_SECONDS, driver, find, go, gone, heading
from tests.web.support import LiveServer

pytestmark = pytest.mark.web


def focused(b: Browser) -> tuple[str, str, str]:
    """What has the focus: (tag, id, text), and that it shows (an outline)."""
    d = driver(b)
    element = d.switch_to.active_element
    outline = element.value_of_css_property("outline-style")
    assert outline not in ("", "none"), (element.tag_name, element.get_attribute("id"))
    return (element.tag_name, element.get_attribute("id") or "", element.text)


def tab(b: Browser, *modifiers: str) -> None:
    chain = ActionChains(driver(b))
    for key in modifiers:
        chain.key_down(key)
    chain.send_keys(Keys.TAB)
    for key in modifiers:
        chain.key_up(key)
    chain.perform()


def test_the_login_form_by_keyboard_alone(live: LiveServer, browser: Browser) -> None:
    b = browser
    go(b, "/login")
    d = driver(b)
    assert d.switch_to.active_element.get_attribute("id") == "login"  # autofocus
    # Back to the top of the page: the site's name, then the skip link, which comes first.
    tab(b, Keys.SHIFT)
    assert focused(b)[:1] == ("a",) and focused(b)[2] == "Nhân sự đại hội"
    tab(b, Keys.SHIFT)
    tag, _, text = focused(b)
    assert tag == "a" and text == "Bỏ qua, đến nội dung chính"
    b.shot("ban-phim-lien-ket-bo-qua")
    tab(b)
    assert focused(b)[2] == "Nhân sự đại hội"
    tab(b)
    assert focused(b)[:2] == ("input", "login")
    b.shot("ban-phim-o-ten-dang-nhap")
    d.switch_to.active_element.send_keys("bantochuc.doimay")
    tab(b)
    assert focused(b)[:2] == ("input", "password")
    d.switch_to.active_element.send_keys(PASSWORD)
    tab(b)
    tag, _, text = focused(b)
    assert tag == "button" and text == "Đăng nhập"
    b.shot("ban-phim-nut-dang-nhap")
    tab(b, Keys.SHIFT)
    assert focused(b)[1] == "password"

    page = find(b, "html")
    d.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(d, WAIT_SECONDS).until(gone(page))
    assert d.current_url.endswith("/department") and heading(b) == "Đề án nhân sự"
    b.shot("ban-phim-da-dang-nhap")

    # On every page the skip link comes first and takes the focus to the page's content.
    go(b, "/department")
    tab(b)
    assert focused(b)[2] == "Bỏ qua, đến nội dung chính"
    d.switch_to.active_element.send_keys(Keys.ENTER)
    assert d.switch_to.active_element.get_attribute("id") == "noi-dung"
    tab(b)
    assert focused(b)[2] == "Lập đề án mới (tải tệp đề án)"  # the page's first action
