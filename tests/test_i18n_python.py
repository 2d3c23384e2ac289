"""Messages built by the Python code follow the user's language; official documents stay Vietnamese.

The English catalogue is written by translators later, so these tests put a few English translations of
their own in Flask-Babel's cache (a catalogue built in memory) for the duration of a test."""
import io
import re

import flask_babel
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations
from flask_babel import force_locale, gettext

from tests.conftest import tiny_pdf
from tests.pdf.test_documents import text_of
from workflow.auth.models import User
from workflow.extensions import db
from workflow.formatting import format_amount, format_money, parse_money

ENGLISH = {
    "Hồ sơ chưa đủ điều kiện nộp.": "The dossier cannot be submitted yet.",
    "Thiếu tệp đính kèm bắt buộc: %(labels)s.": "Required attachments missing: %(labels)s.",
    "Giấy chỉ định phẫu thuật": "Surgery referral",
    "Giấy khai sinh của trẻ": "Child's birth certificate",
    "Mức hỗ trợ tối đa cho %(group)s là %(cap)s đồng (trừ trường hợp đặc biệt).":
        "The most for %(group)s is %(cap)s VND (except special cases).",
    "Tim bẩm sinh": "Congenital heart",
    "Nam": "Male",
    "Nữ": "Female",
    "Cha hoặc mẹ mất việc làm hoặc việc làm không ổn định": "A parent lost their job",
    "Họ và tên trẻ": "Child's full name",
    "Không thể thực hiện thao tác này khi hồ sơ ở trạng thái “%(state)s”.":
        "This cannot be done while the dossier is “%(state)s”.",
    "Dự thảo": "Draft",
}


@pytest.fixture
def english(app, monkeypatch):
    """An English catalogue with the messages above, as Flask-Babel would have loaded it."""
    catalog = Catalog(locale="en")
    for msgid, text in ENGLISH.items():
        catalog.add(msgid, text)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    with app.app_context():
        domain = flask_babel.get_domain()
    monkeypatch.setitem(domain.cache, ("en", domain.domain[0]), Translations(fp=buffer))
    return ENGLISH


def set_locale(app, username, locale):
    with app.app_context():
        db.session.scalar(db.select(User).where(User.username == username)).locale = locale
        db.session.commit()
        db.session.remove()


def test_money_follows_the_language_and_dates_do_not(app):
    from datetime import date

    from workflow.formatting import format_date

    with app.test_request_context():
        with force_locale("en"):
            assert format_money(1_500_000) == "1,500,000 VND"
            assert format_amount(1_500_000) == "1,500,000"
            assert format_date(date(2018, 1, 5)) == "05/01/2018"
        with force_locale("vi"):
            assert format_money(1_500_000) == "1.500.000 đ"
            assert format_amount(1_500_000) == "1.500.000"
        assert format_money(1_500_000) == "1.500.000 đ"  # the default language
    assert format_money(1_500_000) == "1.500.000 đ"  # outside a request (CLI, background tasks)
    with app.app_context():
        assert format_money(None) == "" and gettext("Dự thảo") == "Dự thảo"


@pytest.mark.parametrize("text,value", [
    ("1.500.000", 1_500_000), ("1 500 000 đ", 1_500_000), ("1500000", 1_500_000),
    ("1,500,000", 1_500_000), ("1,500,000 VND", 1_500_000), ("12,345", 12_345),
    ("1,5", None), ("1,50", None), ("15,000,00", None), ("1.500,000", None), (",500", None), ("1,500.5", None),
])
def test_parse_money_takes_commas_only_as_thousands_separators(text, value):
    assert parse_money(text) == value


def test_an_english_user_gets_english_messages_from_the_api(app, api, english):
    set_locale(app, "officer", "en")
    dossier = api.create(requested_amount_vnd=60_000_000, estimated_cost_vnd=85_000_000)
    refused = api.fire("officer", dossier, "submit", attach=False)
    assert refused.status_code == 422
    body = refused.json
    assert body["error"] == "The dossier cannot be submitted yet."
    assert body["errors"]["attachments"] == [
        "Required attachments missing: Surgery referral; Child's birth certificate."]
    assert body["errors"]["requested_amount_vnd"] == [
        "The most for congenital heart is 50,000,000 VND (except special cases)."]
    # A message without an English translation yet stays Vietnamese.
    assert api.get("officer", "/api/v1/dossiers/999999").json["error"] == "Không tìm thấy hồ sơ."

    # Without a language of their own, the same user reads Vietnamese.
    wrong_state = api.fire("officer", dossier, "approve")
    assert wrong_state.json["error"] == "This cannot be done while the dossier is “Draft”."
    set_locale(app, "officer", None)
    wrong_state = api.fire("officer", dossier, "approve")
    assert wrong_state.status_code == 409
    assert wrong_state.json["error"] == "Không thể thực hiện thao tác này khi hồ sơ ở trạng thái “Dự thảo”."


def test_an_english_user_issues_documents_in_vietnamese(app, api, english):
    for username in ("officer", "reviewer"):
        set_locale(app, username, "en")
    dossier = api.create()
    wrong_state = api.fire("officer", dossier, "approve")
    assert wrong_state.json["error"] == "This cannot be done while the dossier is “Draft”."  # English it is
    submitted = api.fire_ok("officer", dossier, "submit")
    approved = api.fire_ok("reviewer", submitted, "approve")
    for document in approved["documents"]:
        text = text_of(api.get("officer", document["url"]).data)
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        for english_text in ("VND", "Congenital", "congenital", "Male", "Female", "lost their job", "Child's"):
            assert english_text not in text, (document["number"], english_text)
    request = text_of(api.get("officer", approved["documents"][0]["url"]).data)
    assert "50.000.000 đ" in request and "85.000.000 đ" in request
    assert "tim bẩm sinh" in request and "Cha hoặc mẹ mất việc làm hoặc việc làm không ổn định" in request
    assert re.search(r"giới tính Nam\b", request)


def test_the_english_user_sees_english_labels_in_the_api(app, api, english):
    set_locale(app, "officer", "en")
    dossier = api.create()
    upload = api.client.post(
        f"/api/v1/dossiers/{dossier['id']}/attachments", headers=api.headers("officer"),
        data={"attachment_type": "surgery_indication", "file": (io.BytesIO(tiny_pdf()), "a.pdf")},
        content_type="multipart/form-data")
    assert upload.status_code == 201 and upload.json["label"] == "Surgery referral"
    set_locale(app, "officer", None)
    listed = api.get("officer", f"/api/v1/dossiers/{dossier['id']}/attachments").json["attachments"]
    assert listed[0]["label"] == "Giấy chỉ định phẫu thuật"
