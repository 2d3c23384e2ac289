"""What a user does on the pages, in a few steps shared by the browser tests."""
from __future__ import annotations

import io
import os
import re

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the test extras are not installed: as without Chromium (see conftest.py)
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        raise
    pytest.skip("The playwright package is not installed (pip install -e '.[test]'): browser tests skipped",
                allow_module_level=True)

__all__ = ["Page", "expect", "main", "section", "fill_dossier_form", "act", "no_horizontal_scroll", "tiny_png"]


def main(page: Page):
    return page.get_by_role("main")


def section(page: Page, heading: str | re.Pattern):
    """The <section> of the page whose heading starts with `heading`."""
    pattern = heading if isinstance(heading, re.Pattern) else re.compile("^" + re.escape(heading))
    return page.locator("section").filter(has=page.get_by_role("heading", name=pattern))


def fill_dossier_form(page: Page, values: dict) -> None:
    """Type the values of a dossier form (names as posted; lists are ticked checkboxes, selects chosen)."""
    form = page.locator("form").filter(has=page.locator("input[name=kind]"))
    for name, value in values.items():
        if name == "kind":
            continue
        if isinstance(value, list):
            for code in value:
                form.locator(f'input[name="{name}"][value="{code}"]').check()
            continue
        field = form.locator(f'[name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def act(page: Page, action: str, reason: str | None = None) -> None:
    """On a dossier page: press the action's button (typing the reason first), check the confirmation page
    ("Xác nhận: …", with what is about to happen and the reason), confirm, and see the action done."""
    form = page.locator("form").filter(has=page.get_by_role("button", name=action, exact=True))
    if reason is not None:
        form.get_by_role("textbox").fill(reason)
    form.get_by_role("button", name=action, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Xác nhận: {action}")
    if reason is not None:
        expect(main(page)).to_contain_text(reason)
    page.get_by_role("button", name=f"Xác nhận: {action}").click()
    expect(page.get_by_text(f"Đã thực hiện: {action}.")).to_be_visible()


def no_horizontal_scroll(page: Page) -> None:
    """The page is no wider than the window; if it is, say which elements stick out."""
    widths = page.evaluate("""() => {
        const width = window.innerWidth;
        const wide = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > width + 0.5 && !e.closest('.table-responsive'))
            .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                + (e.className && typeof e.className === 'string' """
                """? '.' + e.className.trim().split(/\\s+/).join('.') : '')
                + ' right=' + Math.round(e.getBoundingClientRect().right));
        return {scroll: document.documentElement.scrollWidth, inner: width, wide};
    }""")
    assert widths["scroll"] <= widths["inner"], f"{page.url} scrolls sideways: {widths}"


def tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()
