"""Steps shared by the real-browser tests (Playwright on Debian's Chromium)."""

from __future__ import annotations


def console_login(page, url: str, username: str, password: str) -> None:
    """Open the console page `url` as a visitor, get sent to the admin login, log in as `username` and land
    back on `url` (compared whole: a query string is no glob)."""
    page.goto(url)
    page.wait_for_url("**/admin/login/**")
    assert "商家后台" in page.title()  # the console's own login page, not Django's stock one
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("input[type=submit]").click()
    page.wait_for_url(lambda landed: landed == url)
