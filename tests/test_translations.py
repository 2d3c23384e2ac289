"""The English catalogue: every message the code marks is translated (not fuzzy), keeps its placeholders, and the
screens of an English-speaking user show no Vietnamese in their navigation, headings, table headings and labels.

What counts as a message is said once, in scripts/translations (`scripts/translations extract FILE`); the .mo the
app reads is rebuilt by tests/conftest.py when it is missing or older than the .po."""
from __future__ import annotations

import re
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from .conftest import script_env

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "translations"
TRANSLATIONS = ROOT / "workflow" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.fixture(scope="module")
def english():
    return _read(PO, locale="en")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("messages") / "messages.pot"
    subprocess.run([str(SCRIPT), "extract", str(pot)], check=True, env=script_env(), capture_output=True)
    return _read(pot)


def _key(message):
    return message.id[0] if isinstance(message.id, tuple) else message.id


def _forms(message) -> tuple:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_every_message_in_the_code_is_translated(extracted, english):
    problems = []
    count = 0
    for message in extracted:
        if not message.id:
            continue
        count += 1
        translated = english.get(_key(message))
        if translated is None:
            problems.append(f"not in the catalogue: {_key(message)!r}")
        elif translated.fuzzy:
            problems.append(f"fuzzy: {_key(message)!r}")
        elif translated.pluralizable != message.pluralizable:
            problems.append(f"plural forms differ from the code: {_key(message)!r}")
        elif not all(form.strip() for form in _forms(translated)) or len(_forms(translated)) != (
                english.num_plurals if translated.pluralizable else 1):
            problems.append(f"not translated: {_key(message)!r}")
    assert count > 100  # the extraction found the messages
    assert not problems, "Run scripts/translations update and translate:\n" + "\n".join(problems)


# A named placeholder as Python's %-formatting reads it: %(name)s, %(num)d, …
NAMED = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")


def _placeholders(text: str) -> tuple[Counter, int]:
    """The named placeholders, and the number of other '%' (a literal "31%" in a label, "%%")."""
    names = NAMED.findall(text)
    return Counter(names), text.count("%") - len(names)


def test_translations_keep_the_placeholders(english):
    problems = []
    for message in english:
        if not message.id or not any(_forms(message)):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted_names = set().union(*(_placeholders(i)[0] for i in ids))
        wanted_other = _placeholders(ids[0])[1]
        for form in filter(None, _forms(message)):  # an empty form is the test above's
            names, other = _placeholders(form)
            if set(names) != wanted_names or other != wanted_other:
                problems.append(f"{_key(message)!r} -> {form!r}")
    # and Babel's own checks (python-format flags, plural forms)
    problems += [f"{_key(message)!r}: {errors}" for message, errors in english.check() if errors]
    assert not problems, "Placeholders differ:\n" + "\n".join(problems)


# --- the screens in English ---------------------------------------------------------------------------------------

CHROME = {"title", "nav", "h1", "h2", "h3", "h4", "th", "label", "legend", "button", "dt", "caption", "summary"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Chrome(HTMLParser):
    """The texts of a page's navigation, headings, table headings, labels, legends and buttons, and its aria-labels:
    what the interface says rather than what the data says. An element marked with another language (the
    "Tiếng Việt" button) is left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, is chrome, is in another language)
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        foreign = bool(attrs.get("lang")) and attrs["lang"] != "en" and tag != "html"
        if attrs.get("aria-label") and not foreign:
            self.texts.append(attrs["aria-label"])
        if tag not in VOID:
            self.stack.append((tag, tag in CHROME, foreign))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if data.strip() and any(c for _, c, _ in self.stack) and not any(f for _, _, f in self.stack):
            self.texts.append(data.strip())


def chrome_of(html: str) -> list[str]:
    parser = Chrome()
    parser.feed(html)
    return parser.texts


def _vietnamese_words(text: str) -> list[str]:
    """Words with a letter outside ASCII: Vietnamese (the English catalogue uses none but the names it keeps)."""
    return [w for w in re.findall(r"\w+", text) if any(c.isalpha() and not c.isascii() for c in w)]


@pytest.fixture
def untranslated(app, english):
    """fn(html) -> the chrome's texts with Vietnamese words that are neither data (names of people, organisations,
    plans, dossiers, document numbers such as "03/TTr-LĐLĐ") nor Vietnamese that an English translation keeps on
    purpose ("QĐ 378/QĐ-TLĐ", "(Tờ trình)")."""
    kept = []
    for message in english:
        for form in _forms(message) if message.id else ():
            if _vietnamese_words(form):
                parts = re.split(NAMED.pattern, form)[::2]  # the text around the placeholders
                kept.append(re.compile(".*?".join(re.escape(p) for p in parts)))

    def check(html: str) -> list[str]:
        from workflow.auth.models import User
        from workflow.campaigns.models import Campaign, CampaignPhase
        from workflow.dossiers.models import Dossier
        from workflow.extensions import db
        from workflow.orgs.models import Organisation
        from workflow.pdf.models import Document

        with app.app_context():
            data = [v for column in (User.full_name, Organisation.name, Campaign.title, Campaign.plan_number,
                                     CampaignPhase.name, Dossier.subject, Document.number, Document.title)
                    for v in db.session.scalars(db.select(column)) if v]
        data.sort(key=len, reverse=True)
        found = []
        for text in chrome_of(html):
            for pattern in kept:
                text = pattern.sub(" ", text)
            for value in data:
                text = text.replace(value, " ")
            if _vietnamese_words(text):
                found.append(text)
        return found
    return check


def _in_english(browser, username):
    user = browser(username)
    assert user.post("/language", {"locale": "en", "next": "/"}).status_code == 303
    return user


def _page(user, url) -> str:
    response = user.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html, url
    return html


def test_an_english_user_sees_english_screens(api, browser, english, untranslated):
    def en(msgid: str) -> str:
        return english[msgid].string

    draft = api.create()
    # houses: the province decides them (it only reviews the other kinds)
    batch = api.forwarded(api.approved(kind="union_housing"),
                          api.approved(kind="union_housing", citizen_id="070085000777"))
    pages = {
        "officer": {
            "/": [en("Việc cần làm"), en("Danh sách hồ sơ"), en("Thông báo"), en("Đăng xuất")],
            "/dossiers": [en("Lọc"), en("Trạng thái"), en("Người được đề nghị")],
            "/dossiers/new": [en("Lập hồ sơ mới")],
            "/dossiers/new?kind=child_heart": [en("Họ và tên trẻ"), en("Lưu hồ sơ")],
            "/dossiers/new?kind=accident_aid": [en("Dịp hỗ trợ")],
            "/dossiers/new?kind=union_housing": [en("Hiện trạng nhà ở")],
            "/dossiers/new?kind=creative_labour": [en("Tên giải pháp")],
            f"/dossiers/{draft['id']}": [en("Thông tin hồ sơ"), en("Nộp hồ sơ"), en("Họ và tên đoàn viên")],
            "/campaigns": [en("Kế hoạch và các đợt nộp hồ sơ")],
            "/notifications": [en("Thông báo")],
        },
        "reviewer": {
            "/": [en("Hồ sơ chờ đơn vị xử lý (đến sớm nhất trước)"), en("Các đợt chuyển")],
            "/batches": [en("Tờ trình")],
        },
        "liaison": {
            "/": [en("Đợt chuyển đã nhận còn hồ sơ chờ xử lý")],
            f"/batches/{batch['id']}": [en("Các hồ sơ trong đợt"), en("Quyết định cho các hồ sơ đã chọn")],
        },
        "admin": {
            "/admin/rule-sets": [en("Bộ quy định theo loại hồ sơ")],
            # the kind first, then its parameters as labelled fields
            "/admin/rule-sets/new": [en("Thêm bộ quy định"), en("Chọn loại hồ sơ")],
            "/admin/rule-sets/new?kind=accident_aid": [en("Thêm bộ quy định"), en("Tham số"),
                                                       en("Dịp hỗ trợ và mức tối đa mỗi người (đồng)")],
        },
    }
    problems = []
    for username, urls in pages.items():
        user = _in_english(browser, username)
        for url, expected in urls.items():
            html = _page(user, url)
            chrome = " | ".join(chrome_of(html))
            problems += [f"{username} {url}: English missing: {text!r}" for text in expected if text not in chrome]
            problems += [f"{username} {url}: still Vietnamese: {text!r}" for text in untranslated(html)]
    assert not problems, "\n".join(problems)
