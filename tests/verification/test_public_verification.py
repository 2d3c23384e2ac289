"""Anyone holding a document checks it without an account: by the code printed on it (and in its QR code), or by
uploading the file; each look is logged; nothing personal beyond the document's title is shown."""
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from workflow.extensions import db
from workflow.verification import routes as verification_routes
from workflow.verification.models import Verification


def _issued(api):
    dossier = api.submitted()  # the union's Tờ trình for Nguyễn Văn Ánh's child
    document = dossier["documents"][-1]
    data = api.get("officer", document["url"]).data
    return document, data


def _logged(app):
    with app.app_context():
        return db.session.scalars(sa.select(Verification).order_by(Verification.id)).all()


def test_the_code_printed_on_the_document_opens_its_public_page(app, api, client):
    document, data = _issued(api)
    code = re.search(r"/verify/([0-9A-Z]{5}-[0-9A-Z]{5})$", document["verify_url"]).group(1)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())
    assert f"Mã tra cứu: {code}." in text and f"/verify/{code}" in text
    client.get("/logout")
    page = client.get(f"/verify/{code}")  # no account
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for fact in (document["number"], document["sha256"], "Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng",
                 "05/01/2026", document["title"]):
        assert fact in html, fact
    assert "Nguyễn Văn Ánh" not in html and "070085001234" not in html  # no personal data
    # typed by hand: lower case, no hyphen, O for 0 and I or L for 1
    typed = code.lower().replace("-", "").replace("0", "o").replace("1", "l")
    assert client.get(f"/verify/{typed}").status_code == 200
    answer = client.get(f"/verify/{code}", headers={"Accept": "application/json"})
    assert answer.json["match"] is True and answer.json["document"]["sha256"] == document["sha256"]
    assert answer.json["document"]["signatures"] == []


@pytest.mark.parametrize("code", ["ZZZZZ-ZZZZZ", "abc", "x" * 500, "%00", "%1b%5b2J", "12345-6789U"])
def test_an_unknown_or_malformed_code_is_not_found(client, code):
    assert client.get(f"/verify/{code}").status_code == 404
    answer = client.get(f"/verify/{code}", headers={"Accept": "application/json"})
    assert answer.status_code == 404 and answer.json["match"] is False


def test_a_file_is_matched_byte_for_byte(app, api, client):
    document, data = _issued(api)
    client.get("/logout")
    exact = client.post("/verify", data={"file": (io.BytesIO(data), "van-ban.pdf")},
                        content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert exact.status_code == 200 and exact.json["match"] is True
    assert exact.json["document"]["number"] == document["number"]
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01  # one byte
    other = client.post("/verify", data={"file": (io.BytesIO(bytes(changed)), "van-ban.pdf")},
                        content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert other.status_code == 200 and other.json["match"] is False and other.json["document"] is None
    page = client.post("/verify", data={"file": (io.BytesIO(bytes(changed)), "van-ban.pdf")},
                       content_type="multipart/form-data")
    assert "Không khớp." in page.get_data(as_text=True)
    page = client.post("/verify", data={"file": (io.BytesIO(data), "van-ban.pdf")}, content_type="multipart/form-data")
    assert "Khớp." in page.get_data(as_text=True) and document["number"] in page.get_data(as_text=True)


def test_bad_uploads_get_a_clear_answer(client, monkeypatch):
    assert client.post("/verify", data={}, content_type="multipart/form-data").status_code == 400
    monkeypatch.setattr(verification_routes, "MAX_FILE", 10)
    too_big = client.post("/verify", data={"file": (io.BytesIO(b"%PDF-" + b"x" * 20), "a.pdf")},
                          content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert too_big.status_code == 413 and too_big.json["match"] is False


def test_every_verification_is_logged(app, api, client):
    document, data = _issued(api)
    before = len(_logged(app))
    code = document["verify_url"].rsplit("/", 1)[1]
    client.get(f"/verify/{code}")
    client.get("/verify/ZZZZZ-ZZZZZ")
    client.post("/verify", data={"file": (io.BytesIO(data), "a.pdf")}, content_type="multipart/form-data")
    rows = _logged(app)[before:]
    assert [(r.method, r.asked, r.document_id is not None) for r in rows] == [
        ("code", code, True), ("code", "ZZZZZ-ZZZZZ", False), ("file", document["sha256"], True)]


def test_each_document_gets_its_own_code(api):
    first = api.submitted()["documents"][-1]["verify_url"]
    second = api.submitted("officer2", full_name="Trần Thị Lệ Thủy", citizen_id="070190004321")["documents"][-1]
    assert first != second["verify_url"]
