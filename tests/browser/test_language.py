"""The language buttons in the footer: English for the whole site (kept on the account), and back to Vietnamese.
The English texts looked for are the catalogue's own (workflow/translations/en/LC_MESSAGES/messages.po)."""
import re

import pytest
from babel.messages.pofile import read_po

from workflow import ROOT

from .pages import expect, main

CATALOGUE = ROOT / "workflow" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
TEXTS = ("Việc cần làm", "Danh sách hồ sơ", "Thông báo", "Hồ sơ cần hoàn thiện và nộp", "Lọc")


@pytest.fixture
def english() -> dict:
    """{Vietnamese: English} for TEXTS, from the catalogue (tests/conftest.py compiles it when stale)."""
    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    found = {msgid: catalog[msgid].string for msgid in TEXTS if catalog.get(msgid) and catalog[msgid].string}
    assert set(found) == set(TEXTS), "the English catalogue lacks some of the texts this test looks for"
    return found


def test_switch_to_english_and_back(login, english, snap):
    officer = login("officer")
    html = officer.locator("html")
    expect(html).to_have_attribute("lang", "vi")
    footer = officer.locator("footer")
    expect(footer.get_by_role("button", name="Tiếng Việt")).to_have_attribute("aria-pressed", "true")

    footer.get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(footer.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(officer).to_have_url(re.compile(r"/$"))  # back on the page it was chosen from
    nav = officer.get_by_role("navigation").first
    expect(officer.get_by_role("heading", level=1)).to_have_text(english["Việc cần làm"])
    expect(main(officer)).not_to_contain_text("Việc cần làm")
    expect(main(officer)).to_contain_text(english["Hồ sơ cần hoàn thiện và nộp"])
    expect(nav.get_by_role("link", name=english["Thông báo"])).to_be_visible()
    snap(officer, "english-home")

    nav.get_by_role("link", name=english["Danh sách hồ sơ"], exact=True).click()
    expect(officer).to_have_url(re.compile(r"/dossiers$"))
    expect(html).to_have_attribute("lang", "en")
    expect(officer.get_by_role("heading", level=1)).to_have_text(english["Danh sách hồ sơ"])
    expect(main(officer).get_by_role("button", name=english["Lọc"], exact=True)).to_be_visible()
    snap(officer, "english-list")

    # The choice is kept on the account: a new sign-in is in English too.
    again = login("officer")
    expect(again.locator("html")).to_have_attribute("lang", "en")

    officer.locator("footer").get_by_role("button", name="Tiếng Việt").click()
    expect(html).to_have_attribute("lang", "vi")
    expect(officer).to_have_url(re.compile(r"/dossiers$"))
    expect(officer.get_by_role("heading", level=1)).to_have_text("Danh sách hồ sơ")
    expect(officer.locator("footer").get_by_role("button", name="Tiếng Việt")).to_have_attribute("aria-pressed", "true")
