"""Attachments: recognised by content, limited in size, safely named, stored by SHA-256, frozen once submitted."""
import hashlib
import io

import pytest
from PIL import Image

from workflow.dossiers.uploads import safe_filename

from ..conftest import tiny_pdf

pdf_bytes = tiny_pdf


def image_bytes(fmt="PNG", size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def upload(api, user, dossier, data, name="giay-chi-dinh.pdf", attachment_type="surgery_indication"):
    return api.client.post(f"/api/v1/dossiers/{dossier['id']}/attachments", headers=api.headers(user),
                           data={"attachment_type": attachment_type, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")


def stored(app):
    from workflow import storage

    with app.app_context():
        return storage.stored()


def test_upload_view_and_download(api):
    dossier = api.create()
    data = pdf_bytes(2)
    response = upload(api, "officer", dossier, data, name="Giấy chỉ định phẫu thuật.pdf")
    assert response.status_code == 201, response.json
    attachment = response.json
    assert attachment["filename"] == "Giấy chỉ định phẫu thuật.pdf"
    assert attachment["content_type"] == "application/pdf" and attachment["page_count"] == 2
    assert attachment["sha256"] == hashlib.sha256(data).hexdigest() and attachment["round"] == 1
    download = api.get("officer", attachment["url"])
    assert download.status_code == 200 and download.data == data and download.mimetype == "application/pdf"
    png = upload(api, "officer", dossier, image_bytes("PNG"), name="anh.png", attachment_type="birth_certificate")
    jpg = upload(api, "officer", dossier, image_bytes("JPEG"), name="anh.jpeg", attachment_type="cost_estimate")
    assert (png.json["content_type"], jpg.json["content_type"]) == ("image/png", "image/jpeg")
    assert jpg.json["filename"] == "anh.jpg"
    listing = api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json["attachments"]
    assert [a["attachment_type"] for a in listing] == ["surgery_indication", "birth_certificate", "cost_estimate"]


@pytest.mark.parametrize("data,name,status", [
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "giay-chi-dinh.pdf", 422),  # an executable named .pdf
    (b"MZ\x90\x00" + b"\x00" * 200, "anh.png", 422),
    (pdf_bytes(3)[:300], "cut.pdf", 422),  # a truncated PDF
    (image_bytes("PNG")[:60], "cut.png", 422),  # a truncated PNG
    (image_bytes("GIF"), "anh.gif", 422),  # decodes, but not an accepted type
    (b"%PDF-1.7 but nothing else", "fake.pdf", 422),
    (b"", "empty.pdf", 422),
])
def test_refused_files_store_nothing(api, app, data, name, status):
    dossier = api.create()
    before = stored(app)
    response = upload(api, "officer", dossier, data, name=name)
    assert response.status_code == status, response.json
    assert "file" in response.json["errors"]
    assert stored(app) == before
    assert api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json["attachments"] == []


def test_size_limits_are_413(api, app):
    dossier = api.create()
    before = stored(app)
    app.config["MAX_ATTACHMENT_BYTES"] = len(pdf_bytes(3)) - 1
    try:
        response = upload(api, "officer", dossier, pdf_bytes(3))
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 413 and stored(app) == before
    app.config["MAX_DOSSIER_ATTACHMENT_BYTES"] = len(pdf_bytes(1)) + 10
    try:
        assert upload(api, "officer", dossier, pdf_bytes(1)).status_code == 201
        assert upload(api, "officer", dossier, pdf_bytes(2), attachment_type="birth_certificate").status_code == 413
    finally:
        app.config["MAX_DOSSIER_ATTACHMENT_BYTES"] = 50 * 1024 * 1024


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\Nhung\\Giấy khai sinh.pdf", "Giấy khai sinh.pdf"),
    ("hồ sơ\x00;rm -rf ~.pdf", "hồ sơrm -rf.pdf"),
    ("<script>alert(1)</script>.png", "script.pdf"),  # "/" starts a path: only the last part stays
    ("...", "tep-dinh-kem.pdf"),
    ("anh.exe", "anh.pdf"),
])
def test_hostile_names_become_safe(name, expected):
    assert safe_filename(name, "application/pdf") == expected


def test_wrong_type_and_wrong_user(api):
    dossier = api.create()
    assert upload(api, "officer", dossier, pdf_bytes(), attachment_type="selfie").status_code == 422
    assert upload(api, "officer2", dossier, pdf_bytes()).status_code == 404
    first = upload(api, "officer", dossier, pdf_bytes()).json
    for outsider in ("officer2", "officer3", "reviewer", "reviewer2", "liaison"):
        assert api.get(outsider, first["url"]).status_code == 404  # a draft's files stay in the union


def test_frozen_once_submitted_and_a_new_round_adds_files(api):
    dossier = api.create()
    first = upload(api, "officer", dossier, pdf_bytes()).json
    upload(api, "officer", dossier, image_bytes(), name="khai-sinh.png", attachment_type="birth_certificate")
    dossier = api.fire_ok("officer", api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json, "submit")
    assert api.get("reviewer", first["url"]).status_code == 200
    assert upload(api, "officer", dossier, pdf_bytes(), attachment_type="birth_certificate").status_code == 409
    assert api.client.delete(first["url"], headers=api.headers("officer")).status_code == 409
    dossier = api.fire_ok("reviewer", dossier, "return", comment="Bổ sung giấy khai sinh.")
    second = upload(api, "officer", dossier, image_bytes(), name="so-ho-ngheo.png",
                    attachment_type="hardship_evidence").json
    assert second["round"] == 2
    assert api.get("reviewer", second["url"]).status_code == 404  # not yet submitted to the district
    assert api.client.delete(first["url"], headers=api.headers("officer")).status_code == 409  # round 1 is history
    dossier = api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json
    api.fire_ok("officer", dossier, "submit")
    assert api.get("reviewer", second["url"]).status_code == 200
    assert [a["round"]
            for a in api.get("reviewer", f"/api/v1/dossiers/{dossier['id']}").json["attachments"]] == [1, 1, 2]


def test_submit_names_the_missing_attachments(api):
    dossier = api.create()
    upload(api, "officer", dossier, pdf_bytes())
    response = api.fire("officer", dossier, "submit", attach=False)
    assert response.status_code == 422
    assert response.json["errors"] == {"attachments": ["Thiếu tệp đính kèm bắt buộc: Giấy khai sinh của trẻ."]}
    assert api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json["state"] == "draft"


def test_an_assessment_is_required_when_a_capacity_loss_is_given(api, today):
    from datetime import date

    from .test_union_housing_and_accident_aid import aid

    today(date(2026, 1, 10))
    dossier = api.post("officer", "/api/v1/dossiers", {"kind": "accident_aid", "data": aid(capacity_loss_pct=35)}).json
    upload(api, "officer", dossier, pdf_bytes(), attachment_type="application")
    errors = api.fire("officer", dossier, "submit", attach=False).json["errors"]
    assert errors == {"attachments": [
        "Thiếu tệp đính kèm bắt buộc: Biên bản giám định mức suy giảm khả năng lao động."]}
    without = api.post("officer", "/api/v1/dossiers", {"kind": "accident_aid", "data": aid(
        capacity_loss_pct=None, citizen_id="070188005555")}).json
    upload(api, "officer", without, pdf_bytes(), attachment_type="application")
    assert api.fire("officer", without, "submit", attach=False).status_code == 200


def test_the_current_round_may_take_a_file_back(api, app):
    dossier = api.create()
    attachment = upload(api, "officer", dossier, pdf_bytes()).json
    assert api.client.delete(attachment["url"], headers=api.headers("officer")).status_code == 204
    assert api.get("officer", attachment["url"]).status_code == 404


def test_upload_on_screen(browser, api):
    dossier = api.create()
    page = browser("officer")
    detail = page.get(f"/dossiers/{dossier['id']}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in detail and "Giấy chỉ định phẫu thuật (bắt buộc)" in detail
    assert "Còn thiếu tệp bắt buộc: Giấy chỉ định phẫu thuật; Giấy khai sinh của trẻ." in detail
    refused = page.post(f"/dossiers/{dossier['id']}/attachments",
                        {"attachment_type": "surgery_indication", "file": (io.BytesIO(b"MZ" * 50), "x.pdf")},
                        content_type="multipart/form-data")
    assert refused.status_code == 422 and "Chỉ nhận tệp PDF, JPEG hoặc PNG" in refused.get_data(as_text=True)
    ok = page.post(f"/dossiers/{dossier['id']}/attachments",
                   {"attachment_type": "surgery_indication", "file": (io.BytesIO(pdf_bytes()), "chỉ định.pdf")},
                   content_type="multipart/form-data")
    assert ok.status_code == 302
    detail = page.get(f"/dossiers/{dossier['id']}").get_data(as_text=True)
    assert "chỉ định.pdf" in detail and "Còn thiếu tệp bắt buộc: Giấy khai sinh của trẻ." in detail
    no_csrf = page.client.post(f"/dossiers/{dossier['id']}/attachments",
                               data={"attachment_type": "birth_certificate",
                                     "file": (io.BytesIO(pdf_bytes()), "a.pdf")},
                               content_type="multipart/form-data")
    assert no_csrf.status_code == 400
