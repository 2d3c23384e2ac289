"""Setting up from a spreadsheet: the template the app gives out, a preview with each row's errors that writes
nothing, all rows or none, the result with one-time links, and then a new officer's dossier running along the
route through the imported units."""
import io
from datetime import date

import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from tests.conftest import _CSRF, valid_child_heart
from workflow.auth.models import User
from workflow.extensions import db
from workflow.orgs.models import Organisation

ORG_HEADINGS = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Mã tổ chức cấp trên", "Thành lập từ ngày", "Địa danh"]
USER_HEADINGS = ["Tên đăng nhập", "Họ và tên", "E-mail", "Vai trò", "Mã tổ chức"]


def _workbook(orgs, users) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Tổ chức"
    sheet.append(ORG_HEADINGS)
    for row in orgs:
        sheet.append(row)
    sheet = book.create_sheet("Người dùng")
    sheet.append(USER_HEADINGS)
    for row in users:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_ORGS = [
    ["cd-xa-phu-trung", "Công đoàn xã Phú Trung", "upper_grassroots", "ldld-dong-nai", "01/01/2026", "Phú Trung"],
    ["cdcs-cty-hoa-phat", "Công đoàn cơ sở Công ty TNHH Hòa Phát", "grassroots", "cd-xa-phu-trung", date(2026, 1, 1),
     "Phú Trung"],
]
GOOD_USERS = [
    ["cb.phutrung", "Lê Văn Trung", "trung@example.org", "staff", "cd-xa-phu-trung"],
    ["cb.hoaphat", "Phạm Thị Hòa", "hoa@example.org", "officer", "cdcs-cty-hoa-phat"],
]


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _upload(admin, data: bytes, name="to-chuc.xlsx"):
    return admin.post("/admin/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_the_template_has_the_sheets_and_headings(browser):
    response = browser("admin").get("/admin/import/template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert {"Tổ chức", "Người dùng", "Hướng dẫn"} <= set(book.sheetnames)
    assert [c.value for c in book["Người dùng"][1]] == USER_HEADINGS
    assert [c.value for c in book["Tổ chức"][1]][:4] == ORG_HEADINGS[:4]


def test_bad_rows_are_listed_and_nothing_is_written(app, browser):
    admin = browser("admin")
    with app.app_context():
        before = (_count(Organisation), _count(User))
    data = _workbook(GOOD_ORGS + [
        ["cdcs-mo-coi", "Công đoàn cơ sở Mồ Côi", "grassroots", "khong-co-ma-nay", "", ""],
        ["cd-xa-phu-trung", "Trùng mã", "upper_grassroots", "ldld-dong-nai", "", ""],
    ], GOOD_USERS + [
        ["officer", "Trùng tên đăng nhập", "x@example.org", "officer", "cdcs-cty-hoa-phat"],
        ["cb.email", "Sai E-mail", "khong-phai-email", "officer", "cdcs-cty-hoa-phat"],
    ])
    response = _upload(admin, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "4 dòng có lỗi" in page
    assert "không có tổ chức mã khong-co-ma-nay" in page
    assert "Mã cd-xa-phu-trung đã được dùng" in page
    assert "Tên đăng nhập officer đã được dùng" in page
    assert "Địa chỉ e-mail không hợp lệ" in page
    assert "Xác nhận nhập" not in page
    with app.app_context():
        assert (_count(Organisation), _count(User)) == before
    # A file that is no spreadsheet at all says so.
    assert "không phải Excel" in _upload(admin, b"%PDF-1.4 not a workbook").get_data(as_text=True)


def test_a_good_file_is_previewed_then_imported_whole_and_the_new_units_work(app, browser, client):
    admin = browser("admin")
    data = _workbook(GOOD_ORGS, GOOD_USERS)
    preview = _upload(admin, data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Xác nhận nhập 4 dòng" in page
    with app.app_context():
        assert db.session.scalar(sa.select(Organisation).where(Organisation.code == "cd-xa-phu-trung")) is None
    carried = page.split('name="carried" value="')[1].split('"')[0]
    done = admin.post("/admin/import", data={"carried": carried, "confirmed": "1"})
    assert done.status_code == 200 and "Đã nhập 4 dòng" in done.get_data(as_text=True)
    rows = [value.split('"')[0] for value in done.get_data(as_text=True).split('name="row" value="')[1:]]
    result = admin.post("/admin/import/result.xlsx", data={"row": rows})
    sheet = load_workbook(io.BytesIO(result.data))["Kết quả"]
    links = {row[2]: row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert links["cb.hoaphat"].startswith("http://localhost/set-password/")
    with app.app_context():
        union = db.session.scalar(sa.select(Organisation).where(Organisation.code == "cdcs-cty-hoa-phat"))
        assert union.parent_on(date(2026, 1, 5)).code == "cd-xa-phu-trung"
        assert union.abbreviation == "CĐCS" and union.header_name == "CÔNG ĐOÀN CƠ SỞ CÔNG TY TNHH HÒA PHÁT"
    # The new officer sets a password from the link, then submits; the new commune union reviews it.
    passwords = {}
    for username in ("cb.hoaphat", "cb.phutrung"):
        path = links[username].split("localhost", 1)[1]
        fresh = app.test_client()
        csrf = _CSRF.search(fresh.get(path).get_data(as_text=True)).group(1)
        assert fresh.post(path, data={"csrf_token": csrf, "password": "mat-khau-1234",
                                      "repeated": "mat-khau-1234"}).status_code == 302
        passwords[username] = "mat-khau-1234"

    def token(username):
        response = client.post("/api/v1/tokens", json={"username": username, "password": passwords[username]})
        return {"Authorization": f"Bearer {response.json['token']}"}

    officer, staff = token("cb.hoaphat"), token("cb.phutrung")
    created = client.post("/api/v1/dossiers", json={"kind": "child_heart", "data": valid_child_heart()},
                          headers=officer).json
    from tests.conftest import tiny_pdf
    from workflow.dossiers.kinds import KINDS
    for code in KINDS["child_heart"].required_attachments(created["data"]):
        client.post(f"/api/v1/dossiers/{created['id']}/attachments", headers=officer,
                    data={"attachment_type": code, "file": (io.BytesIO(tiny_pdf()), f"{code}.pdf")},
                    content_type="multipart/form-data")
    submitted = client.post(f"/api/v1/dossiers/{created['id']}/transitions", headers=officer,
                            json={"event": "submit", "version": created["version"]})
    assert submitted.status_code == 200, submitted.json
    assert [step["org"]["code"] for step in submitted.json["route"]] == ["cd-xa-phu-trung", "ldld-dong-nai", "tld"]
    seen = client.get(f"/api/v1/dossiers/{created['id']}", headers=staff)
    assert seen.status_code == 200 and "approve" in seen.json["allowed_events"]
