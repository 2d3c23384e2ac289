"""The language buttons in the footer: English for the whole site (kept on the account), and back to Vietnamese.

The English texts looked for are the catalogue's own (workflow/translations/en/LC_MESSAGES/messages.po). While that
catalogue does not translate them yet, a few translations of this test's own stand in for it, put in Flask-Babel's
cache as tests/test_i18n_python.py does, so that the switch itself is still checked in the browser."""
import io
import re
from pathlib import Path

import flask_babel
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from workflow import ROOT

from .pages import expect, main

CATALOGUE = ROOT / "workflow" / "translations" / "en" / "LC_MESSAGES"
# The Vietnamese texts looked for in English, and what stands in for them while the catalogue lacks them all.
STAND_IN = {
    "Việc cần làm": "To do",
    "Danh sách hồ sơ": "Dossiers",
    "Thông báo": "Notifications",
    "Hồ sơ cần hoàn thiện và nộp": "Dossiers to complete and submit",
    "Lọc": "Filter",
}


def _english_from(po: Path) -> dict:
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    return {msgid: catalog[msgid].string for msgid in STAND_IN
            if catalog.get(msgid) and catalog[msgid].string and not catalog[msgid].fuzzy}


@pytest.fixture
def english(app, monkeypatch):
    """{Vietnamese: English} for the texts of STAND_IN that the English pages show: the catalogue's translations,
    from the compiled .mo as the app loads it when that is up to date, else compiled here from the .po; while the
    catalogue translates none of them yet, STAND_IN's."""
    po, mo = CATALOGUE / "messages.po", CATALOGUE / "messages.mo"
    english = _english_from(po) if po.exists() else {}
    if english and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return english
    english = english or STAND_IN
    catalog = Catalog(locale="en")
    for msgid, text in english.items():
        catalog.add(msgid, text)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    with app.app_context():
        domain = flask_babel.get_domain()
    monkeypatch.setitem(domain.cache, ("en", domain.domain[0]), Translations(fp=buffer))
    return english


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
    if "Việc cần làm" in english:
        expect(officer.get_by_role("heading", level=1)).to_have_text(english["Việc cần làm"])
        expect(main(officer)).not_to_contain_text("Việc cần làm")
    if "Hồ sơ cần hoàn thiện và nộp" in english:
        expect(main(officer)).to_contain_text(english["Hồ sơ cần hoàn thiện và nộp"])
    if "Thông báo" in english:
        expect(nav.get_by_role("link", name=english["Thông báo"])).to_be_visible()
    snap(officer, "english-home")

    list_label = english.get("Danh sách hồ sơ", "Danh sách hồ sơ")
    nav.get_by_role("link", name=list_label, exact=True).click()
    expect(officer).to_have_url(re.compile(r"/dossiers$"))
    expect(html).to_have_attribute("lang", "en")
    if "Danh sách hồ sơ" in english:
        expect(officer.get_by_role("heading", level=1)).to_have_text(english["Danh sách hồ sơ"])
    if "Lọc" in english:
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
