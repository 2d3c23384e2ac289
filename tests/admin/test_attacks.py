"""The admin features attacked as a hostile or careless user would: another federation's admin reaching our units,
accounts, plans, rule sets and routes (screens, API, form fields naming our ids); an admin reaching beyond their
subtree or at themselves; staff and officers at /admin and the admin API; set-password links forged, replayed or
outliving a deactivation; a must-change-password account reaching other pages; the import fed odd files; markup in
names; forms without their CSRF token; numbers, dates and texts a form does not expect; two sessions at once.

Each test states what must hold. Those that fail are attacks that succeed today (the docstring says where)."""
from __future__ import annotations

import base64
import io
import json
import random
import re
import signal
import string
import time
import zipfile
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer
from openpyxl import Workbook, load_workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.admin.test_organisations_and_users import _login, _other_federation
from tests.conftest import _CSRF
from workflow.audit.models import AdminChange
from workflow.auth.models import ApiToken, User
from workflow.campaigns.models import Campaign
from workflow.dossiers.models import Route, RuleSet
from workflow.extensions import db
from workflow.orgs.models import Organisation

ORG_HEADINGS = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Mã tổ chức cấp trên", "Thành lập từ ngày", "Địa danh"]
USER_HEADINGS = ["Tên đăng nhập", "Họ và tên", "E-mail", "Vai trò", "Mã tổ chức"]


# --- helpers ---------------------------------------------------------------------------------------------------

def _org(code):
    return db.session.scalar(sa.select(Organisation).where(Organisation.code == code))


def _user(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def _ids(app, *codes):
    with app.app_context():
        return [_org(code).id for code in codes]


def _user_id(app, username):
    with app.app_context():
        return _user(username).id


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _no_propagation(app, monkeypatch):
    """An unexpected exception answers 500, as in production, instead of surfacing in the test."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


def _workbook(orgs, users, *, extra_sheet=None) -> bytes:
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
    if extra_sheet:
        padding = book.create_sheet("Ghi chú")
        for row in extra_sheet:
            padding.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewrite_sheet(data: bytes, member: str, change) -> bytes:
    """The same .xlsx with one of its XML parts rewritten by `change(text) -> text`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == member:
                content = change(content.decode()).encode()
            target.writestr(item, content)
    return out.getvalue()


def _upload(admin, data: bytes, name="to-chuc.xlsx"):
    """The file posted as the page's form does. The body is encoded here, in memory: the test client would spool
    a body over 500 KB to a temporary file it never closes (a ResourceWarning in some later test)."""
    boundary, body = encode_multipart({"csrf_token": admin.csrf, "file": FileStorage(io.BytesIO(data), filename=name)})
    return admin.client.post("/admin/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _carried(page: str) -> str | None:
    found = re.search(r'name="carried" value="([^"]*)"', page)
    return found.group(1) if found else None


@contextmanager
def _deadline(seconds: int):
    """Fail (TimeoutError) when the block runs longer than `seconds`."""
    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _new_account(admin, app, username, role, org_code) -> str:
    """An account created on the screen; returns its temporary password."""
    org_id = _ids(app, org_code)[0]
    page = admin.post("/admin/users/new", data={"username": username, "full_name": "Tài khoản thử",
                                                "email": "", "role": role, "organisation_id": org_id})
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    return page.get_data(as_text=True).split('id="temporary-password">')[1].split("<")[0]


def _link_path(admin, user_id) -> str:
    page = admin.post(f"/admin/users/{user_id}/password", data={"method": "link"}).get_data(as_text=True)
    return page.split('id="set-password-link">')[1].split("<")[0].split("localhost", 1)[1]


def _use_link(app, path, password="mat-khau-moi-9"):
    client = app.test_client()
    form = client.get(path)
    if form.status_code != 200:
        return form
    csrf = _CSRF.search(form.get_data(as_text=True)).group(1)
    return client.post(path, data={"csrf_token": csrf, "password": password, "repeated": password})


# --- another federation's admin ----------------------------------------------------------------------------

def test_another_federations_admin_gets_404_on_every_screen_of_ours(app, browser, current_plan):
    _other_federation(app)
    stranger = browser("admin-ld")
    province, commune, union = _ids(app, "ldld-dong-nai", "cd-xa-phu-rieng", "cdcs-cao-su-phu-rieng")
    officer, liaison = _user_id(app, "officer"), _user_id(app, "liaison")
    changes = _count(app, AdminChange)
    for org in (province, commune, union):
        for suffix in ("", "/header", "/rename", "/move", "/end"):
            assert stranger.get(f"/admin/organisations/{org}{suffix}").status_code == 404, suffix
    for user in (officer, liaison):
        for suffix in ("", "/edit", "/move"):
            assert stranger.get(f"/admin/users/{user}{suffix}").status_code == 404, suffix
    assert stranger.get(f"/admin/campaigns/{current_plan}").status_code == 404
    assert stranger.get(f"/admin/campaigns/{current_plan}/edit").status_code == 404
    posts = [
        (f"/admin/organisations/{commune}/header", {"abbreviation": "XX", "place_name": "Đà Lạt",
                                                     "signing_body": "BAN THƯỜNG VỤ", "head_title": "CHỦ TỊCH"}),
        (f"/admin/organisations/{commune}/rename", {"name": "Công đoàn bị chiếm", "on": "02/01/2026"}),
        (f"/admin/organisations/{union}/move", {"parent_id": _ids(app, "cd-xa-da-lat")[0], "on": "05/01/2026"}),
        (f"/admin/organisations/{union}/end", {"on": "05/01/2026", "successor_id": "", "confirmed": "1"}),
        (f"/admin/users/{officer}/edit", {"full_name": "Bị sửa", "email": "", "role": "officer"}),
        (f"/admin/users/{liaison}/move", {"organisation_id": _ids(app, "ldld-lam-dong")[0], "role": "admin"}),
        (f"/admin/users/{officer}/active", {"active": "0"}),
        (f"/admin/users/{officer}/password", {"method": "link"}),
        (f"/admin/campaigns/{current_plan}/edit", {"title": "Bị sửa", "plan_number": "1/KH", "plan_date":
                                                   "01/12/2025", "issuer_id": str(province),
                                                   "phases-0-name": "Đợt", "phases-0-ends_on": "31/03/2026"}),
    ]
    for url, data in posts:
        assert stranger.post(url, data=data).status_code == 404, url
    with app.app_context():
        assert _org("cd-xa-phu-rieng").name == "Công đoàn xã Phú Riềng"
        assert _org("cd-xa-phu-rieng").abbreviation != "XX"
        assert _org("cdcs-cao-su-phu-rieng").valid_to is None
        assert _user("officer").active and _user("officer").full_name != "Bị sửa"
        assert _user("liaison").organisation.code == "ldld-dong-nai" and _user("liaison").role == "staff"
        assert db.session.get(Campaign, current_plan).title != "Bị sửa"
    assert _count(app, AdminChange) == changes


def test_another_federations_admin_sees_none_of_ours_in_the_lists(app, browser, current_plan):
    _other_federation(app)
    stranger = browser("admin-ld")
    province = _ids(app, "ldld-dong-nai")[0]
    for url in ("/admin/organisations", "/admin/organisations?q=phu rieng", "/admin/users",
                f"/admin/users?organisation_id={province}", "/admin/users?q=officer", "/admin/campaigns",
                "/admin/organisations/new", "/admin/users/new", "/admin/campaigns/new"):
        page = stranger.get(url).get_data(as_text=True)
        for ours in ("Phú Riềng", "Bù Đăng", "Đồng Nai", "Nguyễn Thị Hồng Nhung", "Hồ Ngọc Ẩn",
                     "Kế hoạch xét chọn, đề nghị khen thưởng"):
            assert ours not in page, (url, ours)
    for url in ("/admin/rule-sets", "/admin/routes", "/admin/rule-sets/new?kind=union_housing",
                "/admin/routes/new?kind=union_housing"):
        page = stranger.get(url).get_data(as_text=True)
        assert "Đồng Nai" not in page, url


def test_another_federations_admin_cannot_use_our_ids_in_form_fields(app, browser, current_plan):
    their_province, their_commune = _other_federation(app)
    stranger = browser("admin-ld")
    province, commune, union = _ids(app, "ldld-dong-nai", "cd-xa-phu-rieng", "cdcs-cao-su-phu-rieng")
    their_admin = _user_id(app, "admin-ld")
    before = _count(app, AdminChange), _count(app, Organisation), _count(app, User), _count(app, Campaign)
    answers = {
        "found under our commune": stranger.post("/admin/organisations/new", data={
            "code": "cdcs-cai-cam", "name": "Công đoàn cơ sở Cài Cắm", "level": "grassroots", "parent_id": commune}),
        "account in our union": stranger.post("/admin/users/new", data={
            "username": "gian.diep", "full_name": "Gián Điệp", "role": "officer", "organisation_id": union}),
        "admin in our province": stranger.post("/admin/users/new", data={
            "username": "gian.diep2", "full_name": "Gián Điệp", "role": "admin", "organisation_id": province}),
        "their commune under our province": stranger.post(f"/admin/organisations/{their_commune}/move", data={
            "parent_id": province, "on": "05/01/2026"}),
        "our commune as successor": stranger.post(f"/admin/organisations/{their_commune}/end", data={
            "on": "05/01/2026", "successor_id": commune, "confirmed": "1"}),
        "plan issued by our province": stranger.post("/admin/campaigns/new", data={
            "title": "Kế hoạch giả", "plan_number": "9/KH-LĐLĐ", "plan_date": "01/01/2026",
            "issuer_id": str(province), "phases-0-name": "Đợt I", "phases-0-starts_on": "01/02/2026",
            "phases-0-ends_on": "31/03/2026"}),
        "rule set for our province": stranger.post("/admin/rule-sets/new", data={
            "kind": "union_housing", "jurisdiction_id": province, "valid_from": "01/02/2026", "valid_to": "",
            "basis": "Quyết định số 99/QĐ giả mạo", "p-caps_vnd-new_build": "1.000.000",
            "p-caps_vnd-repair": "1.000.000", "p-min_member_years": "1", "action": "save"}),
        "route for our province": stranger.post("/admin/routes/new", data={
            "kind": "accident_aid", "jurisdiction_id": province, "valid_from": "01/02/2026", "valid_to": "",
            "basis": "Quyết định số 98/QĐ giả mạo", "steps-0-level": "province", "steps-0-role": "decide",
            "steps-0-decides_up_to_vnd": "", "action": "save"}),
    }
    for what, answer in answers.items():
        assert answer.status_code == 422, what
    with app.app_context():
        assert _user("admin-ld").organisation.code == "ldld-lam-dong"
        assert _org("cd-xa-da-lat").parent_on(date(2026, 1, 5)).code == "ldld-lam-dong"
        assert _org("cd-xa-da-lat").valid_to is None
    assert (_count(app, AdminChange), _count(app, Organisation), _count(app, User), _count(app, Campaign)) == before
    assert _count(app, RuleSet, RuleSet.jurisdiction_id == province, RuleSet.valid_from == date(2026, 2, 1)) == 0
    assert _count(app, Route, Route.jurisdiction_id == province, Route.valid_from == date(2026, 2, 1)) == 0
    assert their_admin and their_province


def test_another_federations_admin_cannot_move_a_plan_of_theirs_onto_our_province(app, browser):
    _other_federation(app)
    stranger = browser("admin-ld")
    their_province, our_province = _ids(app, "ldld-lam-dong", "ldld-dong-nai")
    form = {"title": "Kế hoạch Lâm Đồng", "plan_number": "7/KH-LĐLĐ", "plan_date": "01/01/2026",
            "issuer_id": str(their_province), "phases-0-name": "Đợt I", "phases-0-starts_on": "01/02/2026",
            "phases-0-ends_on": "31/03/2026"}
    assert stranger.post("/admin/campaigns/new", data=form).status_code == 302
    with app.app_context():
        plan = db.session.scalar(sa.select(Campaign.id).where(Campaign.plan_number == "7/KH-LĐLĐ"))
    assert stranger.post(f"/admin/campaigns/{plan}/edit", data={**form, "issuer_id": str(our_province)}) \
        .status_code == 422
    with app.app_context():
        assert db.session.get(Campaign, plan).issuer_id == their_province


def test_another_federations_admin_through_the_api(app, api):
    their_province, their_commune = _other_federation(app)
    province, commune, union = _ids(app, "ldld-dong-nai", "cd-xa-phu-rieng", "cdcs-cao-su-phu-rieng")
    officer = _user_id(app, "officer")
    assert api.get("admin-ld", f"/api/v1/organisations/{commune}").status_code == 404
    assert api.patch("admin-ld", f"/api/v1/organisations/{commune}", {"head_name": "Bị sửa"}).status_code == 404
    assert api.patch("admin-ld", f"/api/v1/organisations/{union}", {"parent_id": their_commune}).status_code == 404
    assert api.get("admin-ld", f"/api/v1/users/{officer}").status_code == 404
    assert api.patch("admin-ld", f"/api/v1/users/{officer}", {"active": False}).status_code == 404
    assert api.patch("admin-ld", f"/api/v1/users/{officer}", {"organisation_id": their_commune}).status_code == 404
    listed = api.get("admin-ld", f"/api/v1/users?organisation_id={province}").json
    assert listed["users"] == [] and listed["total"] == 0
    assert all(u["organisation"]["id"] in (their_province, their_commune)
               for u in api.get("admin-ld", "/api/v1/users").json["users"])
    created = api.post("admin-ld", "/api/v1/organisations", {"code": "cdcs-cai-cam", "name": "Công đoàn cài cắm",
                                                              "level": "grassroots", "parent_id": commune})
    assert created.status_code == 422 and "parent_id" in created.json["errors"]
    created = api.post("admin-ld", "/api/v1/users", {"username": "gian.diep", "full_name": "Gián Điệp",
                                                      "role": "admin", "organisation_id": province})
    assert created.status_code == 422 and "organisation_id" in created.json["errors"]
    moved = api.patch("admin-ld", f"/api/v1/organisations/{their_commune}", {"parent_id": province})
    assert moved.status_code == 422
    their_admin = _user_id(app, "admin-ld")
    assert api.patch("admin-ld", f"/api/v1/users/{their_admin}", {"organisation_id": province}).status_code in (
        403, 422)
    with app.app_context():
        assert _org("cd-xa-phu-rieng").head_name != "Bị sửa"
        assert _user("officer").active and _user("officer").organisation.code == "cdcs-cao-su-phu-rieng"
        assert _org("cd-xa-da-lat").parent_on(date(2026, 1, 5)).code == "ldld-lam-dong"
        assert _org("cdcs-cai-cam") is None and _user("gian.diep") is None
        assert _user("admin-ld").organisation.code == "ldld-lam-dong"


def test_another_federations_admin_cannot_import_into_our_tree(app, browser):
    _other_federation(app)
    stranger = browser("admin-ld")
    data = _workbook([["cdcs-cai-cam", "Công đoàn cơ sở Cài Cắm", "grassroots", "cd-xa-phu-rieng", "", "Đà Lạt"]],
                     [["gian.diep", "Gián Điệp", "", "officer", "cdcs-cao-su-phu-rieng"],
                      ["gian.diep2", "Gián Điệp", "", "admin", "ldld-dong-nai"]])
    page = _upload(stranger, data)
    assert page.status_code == 422
    assert _carried(page.get_data(as_text=True)) is None
    forced = stranger.post("/admin/import", data={"carried": base64.b64encode(data).decode(), "confirmed": "1"})
    assert forced.status_code == 422
    with app.app_context():
        assert _org("cdcs-cai-cam") is None and _user("gian.diep") is None and _user("gian.diep2") is None


def test_another_federations_admin_gets_no_set_password_link_for_our_accounts(app, browser):
    _other_federation(app)
    admin = browser("admin")
    officer2 = _user_id(app, "officer2")
    admin.post(f"/admin/users/{officer2}/password", data={"method": "temporary"})  # must change it now
    stranger = browser("admin-ld")
    response = stranger.post("/admin/import/result.xlsx", data={"row": f"Người dùng|2|{officer2}|officer2"})
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert not any(cell.value and "set-password" in str(cell.value) for row in sheet.iter_rows() for cell in row)


# --- an admin reaching beyond their subtree or at themselves --------------------------------------------------

def test_admin_cannot_found_a_confederation_or_a_second_province_nor_a_rootless_unit(app, browser, api):
    admin = browser("admin")
    province, confederation = _ids(app, "ldld-dong-nai", "tld")
    base = {"name": "Tổng Liên đoàn thứ hai", "parent_id": province}
    assert admin.post("/admin/organisations/new", data={**base, "code": "tld-2", "level": "confederation"}) \
        .status_code == 422
    assert admin.post("/admin/organisations/new", data={**base, "code": "ldld-2", "level": "province"}) \
        .status_code == 422
    assert admin.post("/admin/organisations/new", data={**base, "code": "ldld-3", "level": "province",
                                                        "parent_id": confederation}).status_code == 422
    assert admin.post("/admin/organisations/new", data={**base, "code": "goc-moi", "level": "upper_grassroots",
                                                        "parent_id": ""}).status_code == 422
    for body in ({"code": "tld-4", "name": "Tổng Liên đoàn giả", "level": "confederation"},
                 {"code": "tld-5", "name": "Tổng Liên đoàn giả", "level": "confederation", "parent_id": province},
                 {"code": "ldld-6", "name": "Liên đoàn giả", "level": "province", "parent_id": confederation},
                 {"code": "cd-7", "name": "Công đoàn giả", "level": "upper_grassroots"}):
        assert api.post("admin", "/api/v1/organisations", body).status_code == 422, body
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation).where(
            Organisation.code.in_(["tld-2", "ldld-2", "ldld-3", "goc-moi", "tld-4", "tld-5", "ldld-6", "cd-7"]))) == 0


def test_admin_cannot_create_or_move_accounts_outside_the_subtree(app, browser, api):
    their_province, their_commune = _other_federation(app)
    admin = browser("admin")
    confederation = _ids(app, "tld")[0]
    assert admin.post("/admin/users/new", data={"username": "quan.tri.tw", "full_name": "Quản trị TW",
                                                "role": "admin", "organisation_id": confederation}).status_code == 422
    assert api.post("admin", "/api/v1/users", {"username": "quan.tri.tw2", "full_name": "Quản trị TW",
                                               "role": "admin", "organisation_id": confederation}).status_code == 422
    reviewer = _user_id(app, "reviewer")
    assert admin.post(f"/admin/users/{reviewer}/move", data={"organisation_id": their_commune, "role": "staff"}) \
        .status_code == 422
    assert admin.post(f"/admin/users/{reviewer}/move", data={"organisation_id": confederation, "role": "admin"}) \
        .status_code == 422
    assert api.patch("admin", f"/api/v1/users/{reviewer}", {"organisation_id": their_province, "role": "admin"}) \
        .status_code == 422
    union = _ids(app, "ldld-dong-nai")[0]
    assert admin.post("/admin/users/new", data={"username": "may.chu", "full_name": "Máy chủ", "role": "operator",
                                                "organisation_id": union}).status_code == 422
    assert api.post("admin", "/api/v1/users", {"username": "may.chu2", "full_name": "Máy chủ", "role": "operator",
                                               "organisation_id": union}).status_code == 422
    assert api.patch("admin", f"/api/v1/users/{reviewer}", {"role": "operator"}).status_code == 422
    with app.app_context():
        assert _user("quan.tri.tw") is None and _user("quan.tri.tw2") is None
        assert _user("may.chu") is None and _user("may.chu2") is None
        assert _user("reviewer").organisation.code == "cd-xa-phu-rieng" and _user("reviewer").role == "staff"


def test_admin_cannot_move_or_end_their_own_federation(app, browser, api):
    their_province, _ = _other_federation(app)
    admin = browser("admin")
    province = _ids(app, "ldld-dong-nai")[0]
    assert admin.post(f"/admin/organisations/{province}/move", data={"parent_id": their_province,
                                                                     "on": "05/01/2026"}).status_code in (403, 422)
    assert api.patch("admin", f"/api/v1/organisations/{province}", {"parent_id": their_province}).status_code in (
        403, 422)
    assert admin.post(f"/admin/organisations/{province}/end", data={"on": "05/01/2026", "successor_id": "",
                                                                    "confirmed": "1"}).status_code in (403, 422)
    with app.app_context():
        own = _org("ldld-dong-nai")
        assert own.valid_to is None and own.parent_on(date(2026, 1, 5)).code == "tld"


def test_admin_cannot_deactivate_demote_move_or_reset_themselves(app, browser, api):
    admin = browser("admin")
    me = _user_id(app, "admin")
    commune = _ids(app, "cd-xa-phu-rieng")[0]
    admin.post(f"/admin/users/{me}/active", data={"active": "0"})
    assert admin.post(f"/admin/users/{me}/edit", data={"full_name": "Trịnh Minh Khoa", "role": "staff"}) \
        .status_code in (403, 422)
    assert admin.post(f"/admin/users/{me}/move", data={"organisation_id": commune, "role": "admin"}) \
        .status_code in (403, 422)
    admin.post(f"/admin/users/{me}/password", data={"method": "link"})
    assert api.patch("admin", f"/api/v1/users/{me}", {"active": False}).status_code == 403
    assert api.patch("admin", f"/api/v1/users/{me}", {"role": "staff"}).status_code == 403
    with app.app_context():
        account = _user("admin")
        assert account.active and account.role == "admin" and account.organisation.code == "ldld-dong-nai"
        assert account.check_password("demo") and not account.must_change_password
    assert admin.get("/admin/users").status_code == 200  # still signed in


def test_no_cycle_moving_a_unit_under_itself_or_its_own_child(app, browser, api):
    admin = browser("admin")
    commune, union = _ids(app, "cd-xa-phu-rieng", "cdcs-cao-su-phu-rieng")
    assert admin.post(f"/admin/organisations/{commune}/move", data={"parent_id": union, "on": "05/01/2026"}) \
        .status_code == 422
    assert admin.post(f"/admin/organisations/{commune}/move", data={"parent_id": commune, "on": "05/01/2026"}) \
        .status_code == 422
    assert api.patch("admin", f"/api/v1/organisations/{commune}", {"parent_id": union}).status_code == 422
    assert api.patch("admin", f"/api/v1/organisations/{commune}", {"parent_id": commune}).status_code == 422
    # Two upper-grassroots unions under each other (same level): refused too.
    other = _ids(app, "cd-xa-bu-dang")[0]
    assert admin.post(f"/admin/organisations/{commune}/move", data={"parent_id": other, "on": "05/01/2026"}) \
        .status_code == 422
    with app.app_context():
        assert _org("cd-xa-phu-rieng").parent_on(date(2026, 1, 5)).code == "ldld-dong-nai"


def test_a_lower_admin_cannot_reach_upwards(app, browser):
    admin = browser("admin")
    _new_account(admin, app, "qt.phurieng", "admin", "cd-xa-phu-rieng")
    with app.app_context():
        account = _user("qt.phurieng")
        account.set_password("demo")
        account.must_change_password = False
        db.session.commit()
    lower = browser("qt.phurieng")
    province, commune, other = _ids(app, "ldld-dong-nai", "cd-xa-phu-rieng", "cd-xa-bu-dang")
    assert lower.get(f"/admin/organisations/{province}").status_code == 404
    assert lower.get(f"/admin/users/{_user_id(app, 'admin')}").status_code == 404
    assert lower.post(f"/admin/users/{_user_id(app, 'admin')}/active", data={"active": "0"}).status_code == 404
    assert lower.post(f"/admin/organisations/{commune}/move", data={"parent_id": other, "on": "05/01/2026"}) \
        .status_code in (403, 422)
    assert lower.post("/admin/organisations/new", data={"code": "cd-xa-moi", "name": "Công đoàn xã Mới",
                                                        "level": "upper_grassroots", "parent_id": province}) \
        .status_code == 422
    assert lower.post("/admin/users/new", data={"username": "qt.tinh2", "full_name": "Quản trị tỉnh",
                                                "role": "admin", "organisation_id": province}).status_code == 422
    with app.app_context():
        assert _user("admin").active and _org("cd-xa-moi") is None and _user("qt.tinh2") is None
        assert _org("cd-xa-phu-rieng").parent_on(date(2026, 1, 5)).code == "ldld-dong-nai"


# --- names -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Công đoàn\x00xã", "Công đoàn\x1bxã", "Công đoàn\nxã", "x" * 10_000, "   "])
def test_renaming_to_control_characters_or_ten_thousand_characters_is_refused(app, browser, api, name):
    admin = browser("admin")
    commune = _ids(app, "cd-xa-phu-rieng")[0]
    # On the page an escape is removed as invisible (tests/test_input_layer.py), a NUL is the input layer's 400.
    if "\x1b" not in name:
        assert admin.post(f"/admin/organisations/{commune}/rename", data={"name": name, "on": "02/01/2026"}) \
            .status_code == (400 if "\x00" in name else 422)
    assert api.patch("admin", f"/api/v1/organisations/{commune}", {"name": name, "on": "2026-01-02"}) \
        .status_code == 422
    with app.app_context():
        assert _org("cd-xa-phu-rieng").name == "Công đoàn xã Phú Riềng"


@pytest.mark.parametrize("name", ["Công đoàn\x85xã Phú Riềng", "Công đoàn\x9b31mxã Phú Riềng"])
def test_renaming_to_c1_control_characters_is_refused(app, browser, name):
    """FAILS: workflow/orgs/operations.py `_CONTROL = [\\x00-\\x1f\\x7f]` lets the C1 controls (U+0080–U+009F: NEL,
    CSI…) through clean_text, so a unit is renamed to a name carrying them (what its documents then print)."""
    admin = browser("admin")
    commune = _ids(app, "cd-xa-phu-rieng")[0]
    response = admin.post(f"/admin/organisations/{commune}/rename", data={"name": name, "on": "02/01/2026"})
    with app.app_context():
        stored = _org("cd-xa-phu-rieng").name
    assert response.status_code == 422 and stored == "Công đoàn xã Phú Riềng", (response.status_code, repr(stored))


def test_a_plan_title_with_control_characters_is_refused(app, browser):
    """FAILS: workflow/campaigns/operations.py `_text` checks only the length, not control characters (a NUL is
    kept in the SQLite test database; PostgreSQL refuses it with a 500), unlike the units' and accounts' names."""
    admin = browser("admin")
    province = _ids(app, "ldld-dong-nai")[0]
    response = admin.post("/admin/campaigns/new", data={
        "title": "Kế hoạch\x00\x1b[31m năm 2026", "plan_number": "5/KH-LĐLĐ", "plan_date": "01/01/2026",
        "issuer_id": str(province), "phases-0-name": "Đợt\x07 I", "phases-0-starts_on": "01/02/2026",
        "phases-0-ends_on": "31/03/2026"})
    with app.app_context():
        stored = db.session.scalar(sa.select(Campaign.title).where(Campaign.plan_number == "5/KH-LĐLĐ"))
    assert response.status_code == 400 and stored is None, (response.status_code, repr(stored))  # NUL: inputs.py


def test_markup_in_names_is_escaped_on_every_page(app, browser):
    admin = browser("admin")
    commune = _ids(app, "cd-xa-phu-rieng")[0]
    created = admin.post("/admin/organisations/new", data={
        "code": "cdcs-xss", "name": "<script>alert(1)</script>", "level": "grassroots", "parent_id": commune,
        "place_name": "<img src=x onerror=alert(2)>"})
    assert created.status_code == 302
    org_id = _ids(app, "cdcs-xss")[0]
    _new_account(admin, app, "nguoi.xss", "officer", "cdcs-xss")
    user_id = _user_id(app, "nguoi.xss")
    admin.post(f"/admin/users/{user_id}/edit", data={"full_name": "<svg onload=alert(3)>", "email": "",
                                                     "role": "officer"})
    pages = [admin.get(url).get_data(as_text=True) for url in (
        f"/admin/organisations/{org_id}", "/admin/organisations", "/admin/organisations?q=script",
        f"/admin/organisations/{commune}", "/admin/users", f"/admin/users/{user_id}", f"/admin/users/{user_id}/edit",
        f"/admin/organisations/{org_id}/move", f"/admin/organisations/{org_id}/header", "/admin/users/new")]
    pages.append(admin.post(f"/admin/organisations/{org_id}/end", data={"on": "05/01/2026", "successor_id": ""})
                 .get_data(as_text=True))
    pages.append(admin.post(f"/admin/organisations/{org_id}/rename", data={"name": "<b>x", "on": "05/01/2026"})
                 .get_data(as_text=True))
    for page in pages:
        lowered = page.lower()
        assert "<script>alert" not in lowered and "<img src=x" not in lowered and "<svg onload" not in lowered
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in page for page in pages)
    import_page = _upload(admin, _workbook([["cdcs-y", "Công đoàn Y", "grassroots", "<script>alert(4)</script>",
                                             "", "X"]], [])).get_data(as_text=True)
    assert "<script>alert(4)" not in import_page and "&lt;script&gt;alert(4)" in import_page


# --- staff and officers -----------------------------------------------------------------------------------------

ADMIN_GETS = ["/admin/organisations", "/admin/organisations/new", "/admin/organisations/{org}",
              "/admin/organisations/{org}/header", "/admin/organisations/{org}/rename",
              "/admin/organisations/{org}/move", "/admin/organisations/{org}/end", "/admin/users", "/admin/users/new",
              "/admin/users/{user}", "/admin/users/{user}/edit", "/admin/users/{user}/move", "/admin/import",
              "/admin/import/template.xlsx", "/admin/campaigns", "/admin/campaigns/new", "/admin/campaigns/{plan}",
              "/admin/campaigns/{plan}/edit", "/admin/rule-sets", "/admin/rule-sets/new", "/admin/routes",
              "/admin/routes/new"]
ADMIN_POSTS = ["/admin/organisations/new", "/admin/organisations/{org}/header", "/admin/organisations/{org}/rename",
               "/admin/organisations/{org}/move", "/admin/organisations/{org}/end", "/admin/users/new",
               "/admin/users/{user}/edit", "/admin/users/{user}/move", "/admin/users/{user}/active",
               "/admin/users/{user}/password", "/admin/import", "/admin/import/result.xlsx", "/admin/campaigns/new",
               "/admin/campaigns/{plan}/edit", "/admin/rule-sets/new", "/admin/routes/new"]


@pytest.mark.parametrize("username", ["officer", "reviewer", "liaison", "tld"])
def test_staff_and_officers_get_404_on_every_admin_screen_and_403_on_the_admin_api(app, browser, api, current_plan,
                                                                                    username):
    ids = {"org": _ids(app, "cd-xa-phu-rieng")[0], "user": _user_id(app, "officer2"), "plan": current_plan}
    someone = browser(username)
    for url in ADMIN_GETS:
        assert someone.get(url.format(**ids)).status_code == 404, url
    for url in ADMIN_POSTS:
        assert someone.post(url.format(**ids), data={"active": "0", "method": "link", "name": "Bị đổi tên",
                                                     "on": "05/01/2026"}).status_code == 404, url
    for method, url, body in [("get", "/api/v1/users", None), ("get", "/api/v1/users/{user}", None),
                              ("post", "/api/v1/users", {"username": "x.y.z", "full_name": "X Y", "role": "admin",
                                                         "organisation_id": ids["org"]}),
                              ("patch", "/api/v1/users/{user}", {"active": False}),
                              ("get", "/api/v1/organisations/{org}", None),
                              ("post", "/api/v1/organisations", {"code": "x-y", "name": "Xyz", "level": "grassroots",
                                                                 "parent_id": ids["org"]}),
                              ("patch", "/api/v1/organisations/{org}", {"head_name": "Bị sửa"})]:
        answer = getattr(api, method)(username, url.format(**ids), *([body] if body is not None else []))
        assert answer.status_code == 403, (method, url)
    with app.app_context():
        assert _user("officer2").active and _org("cd-xa-phu-rieng").head_name != "Bị sửa"
        assert _org("cd-xa-phu-rieng").name == "Công đoàn xã Phú Riềng" and _user("x.y.z") is None


def test_anonymous_gets_the_login_page_and_the_api_401(app, client, current_plan):
    ids = {"org": _ids(app, "cd-xa-phu-rieng")[0], "user": _user_id(app, "officer2"), "plan": current_plan}
    for url in ADMIN_GETS:
        answer = client.get(url.format(**ids))
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], url
    for url in ("/api/v1/users", "/api/v1/users/{user}", "/api/v1/organisations/{org}"):
        assert client.get(url.format(**ids)).status_code == 401


# --- set-password links -------------------------------------------------------------------------------------

def test_forged_or_tampered_set_password_links_are_refused(app, browser):
    admin = browser("admin")
    officer2, admin_id = _user_id(app, "officer2"), _user_id(app, "admin")
    path = _link_path(admin, officer2)
    token = path.rsplit("/", 1)[1]
    payload, _, rest = token.partition(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["user"] = admin_id  # the admin's own account, under the officer's signature
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    with app.app_context():
        admin_tail = _user("admin").password_hash[-16:]
    wrong_key = URLSafeTimedSerializer("not-the-secret", salt="set-password").dumps({"user": admin_id,
                                                                                    "hash": admin_tail})
    other_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(
        {"user": admin_id, "hash": admin_tail})
    for bad in (f"{forged}.{rest}", wrong_key, other_salt, "x", "a" * 5000, token[:-3] + "abc", admin.csrf):
        answer = app.test_client().get(f"/set-password/{bad}")
        assert answer.status_code == 404, bad[:40]
        answer = app.test_client().post(f"/set-password/{bad}", data={"password": "chiem-quyen-1",
                                                                      "repeated": "chiem-quyen-1"})
        assert answer.status_code in (400, 404), bad[:40]
    with app.app_context():
        assert _user("admin").check_password("demo")


def test_a_set_password_link_works_once_and_not_after_3_days(app, browser, monkeypatch):
    admin = browser("admin")
    officer2 = _user_id(app, "officer2")
    path = _link_path(admin, officer2)
    assert _use_link(app, path).status_code == 302
    assert _use_link(app, path, "mat-khau-khac-1").status_code == 404
    late = _link_path(admin, officer2)
    now = time.time()
    with monkeypatch.context() as later:
        later.setattr(time, "time", lambda: now + 3 * 86400 + 60)  # the link's 3 days are over
        assert app.test_client().get(late).status_code == 404
    assert app.test_client().get(late).status_code == 200  # the same link, within its 3 days


def test_a_set_password_link_is_dead_once_the_account_is_deactivated(app, browser):
    admin = browser("admin")
    officer2 = _user_id(app, "officer2")
    path = _link_path(admin, officer2)
    assert admin.post(f"/admin/users/{officer2}/active", data={"active": "0"}).status_code == 302
    assert _use_link(app, path).status_code == 404


def test_a_set_password_link_stays_dead_after_the_account_is_reactivated(app, browser):
    """FAILS: a link handed out before a deactivation works again once the account is reactivated (within its 3
    days): workflow/auth/operations.py user_of_link binds the token to the password hash's tail only, and set_active
    (deactivation) changes neither the hash nor anything the token names. Deactivating an account whose link leaked,
    then reopening it, gives the account to whoever holds the link."""
    admin = browser("admin")
    officer2 = _user_id(app, "officer2")
    path = _link_path(admin, officer2)
    admin.post(f"/admin/users/{officer2}/active", data={"active": "0"})
    admin.post(f"/admin/users/{officer2}/active", data={"active": "1"})
    assert _use_link(app, path, "ke-chiem-quyen-1").status_code == 404


def test_a_link_is_dead_after_a_later_reset_or_a_change_of_password(app, browser):
    admin = browser("admin")
    officer2 = _user_id(app, "officer2")
    first = _link_path(admin, officer2)
    second = _link_path(admin, officer2)
    assert app.test_client().get(first).status_code == 404  # the second link replaced it
    admin.post(f"/admin/users/{officer2}/password", data={"method": "temporary"})
    assert app.test_client().get(second).status_code == 404


def test_the_import_result_hands_out_no_unaudited_link_for_an_account_it_did_not_create(app, browser):
    """FAILS: POST /admin/import/result.xlsx (workflow/admin/imports.py import_result) takes user ids from the form
    and returns a fresh set-password link for any active account of the subtree that must change its password, e.g.
    one a colleague just gave a temporary password. No audit row names who took the link: an admin takes the account
    over without a trace (the screen's reset by link writes `user.reset_password`)."""
    admin = browser("admin")
    _new_account(admin, app, "qt.tinh2", "admin", "ldld-dong-nai")
    with app.app_context():
        second = _user("qt.tinh2")
        second.set_password("demo")
        second.must_change_password = False
        db.session.commit()
    _new_account(admin, app, "can.bo.moi", "staff", "cd-xa-phu-rieng")  # the temporary password goes to them
    target = _user_id(app, "can.bo.moi")
    colleague = browser("qt.tinh2")
    response = colleague.post("/admin/import/result.xlsx", data={"row": f"Người dùng|2|{target}|can.bo.moi"})
    sheet = load_workbook(io.BytesIO(response.data)).active
    links = [cell.value for row in sheet.iter_rows() for cell in row
             if cell.value and "set-password" in str(cell.value)]
    with app.app_context():
        audited = db.session.scalar(sa.select(sa.func.count()).select_from(AdminChange).where(
            AdminChange.subject_type == "user", AdminChange.subject_id == target,
            AdminChange.actor_id == _user("qt.tinh2").id))
    taken = bool(links) and _use_link(app, links[0].split("localhost", 1)[1], "ke-chiem-quyen-1").status_code == 302
    assert not taken or audited, "a set-password link for an account the import did not create, without audit row"


# --- a must-change-password account; sessions of a deactivated account ---------------------------------------

def test_a_must_change_password_account_reaches_nothing_else(app, browser, current_plan):
    admin = browser("admin")
    password = _new_account(admin, app, "qt.moi", "admin", "ldld-dong-nai")
    client, csrf, response = _login(app, "qt.moi", password)
    assert response.status_code == 302
    for url in ["/", "/dossiers", "/dossiers/new", "/batches", "/notifications", "/campaigns",
                "/dossiers/export.csv"] + [u.format(org=1, user=1, plan=current_plan) for u in ADMIN_GETS]:
        answer = client.get(url)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/account/password"), url
    for url in ("/admin/users/new", "/language", "/notifications/read", "/admin/import"):
        answer = client.post(url, data={"csrf_token": csrf, "username": "x.y.z", "full_name": "X Y", "role": "admin",
                                        "organisation_id": "3", "language": "en"})
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/account/password"), url
    assert client.post("/api/v1/tokens", json={"username": "qt.moi", "password": password}).status_code == 403
    with app.app_context():
        assert _user("x.y.z") is None


def test_a_deactivated_accounts_session_and_token_end_and_stay_ended(app, browser, api):
    admin = browser("admin")
    officer2 = _user_id(app, "officer2")
    victim = browser("officer2")
    headers = api.headers("officer2")
    assert victim.get("/dossiers").status_code == 200
    admin.post(f"/admin/users/{officer2}/active", data={"active": "0"})
    assert victim.get("/dossiers").status_code == 302
    assert app.test_client().get("/api/v1/dossiers", headers=headers).status_code == 401
    admin.post(f"/admin/users/{officer2}/active", data={"active": "1"})
    assert victim.get("/dossiers").status_code == 302  # the old session does not come back
    assert app.test_client().get("/api/v1/dossiers", headers=headers).status_code == 401
    assert _count(app, ApiToken, ApiToken.user_id == officer2) == 0


def test_an_accounts_session_ends_when_an_admin_moves_it_or_changes_its_role(app, browser):
    admin = browser("admin")
    reviewer2 = _user_id(app, "reviewer2")
    session = browser("reviewer2")
    commune = _ids(app, "cd-xa-phu-rieng")[0]
    admin.post(f"/admin/users/{reviewer2}/move", data={"organisation_id": commune, "role": "staff"})
    assert session.get("/dossiers").status_code == 302
    session = browser("reviewer2")
    admin.post(f"/admin/users/{reviewer2}/edit", data={"full_name": "Vũ Thị Thu Hà", "email": "", "role": "admin"})
    assert session.get("/dossiers").status_code == 302


# --- the import -------------------------------------------------------------------------------------------------

GOOD_ORG = ["cd-xa-phu-trung", "Công đoàn xã Phú Trung", "upper_grassroots", "ldld-dong-nai", "01/01/2026", "Phú Trung"]


def test_the_import_refuses_a_file_too_big_and_files_that_are_no_xlsx(app, browser):
    admin = browser("admin")
    big = _upload(admin, b"PK" + b"\0" * (5 * 1024 * 1024 + 10))
    assert big.status_code == 422 and "quá lớn" in big.get_data(as_text=True)
    assert _upload(admin, b"%PDF-1.4 not a spreadsheet").status_code == 422
    assert _upload(admin, b"<html><script>alert(1)</script></html>").status_code == 422
    some_zip = io.BytesIO()
    with zipfile.ZipFile(some_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert _upload(admin, some_zip.getvalue()).status_code == 422
    assert _upload(admin, _workbook([GOOD_ORG], []), name="to-chuc.xls").status_code == 422
    assert admin.post("/admin/import", data={"carried": "not base64 !!", "confirmed": "1"}).status_code == 400
    assert admin.post("/admin/import", data={"carried": base64.b64encode(b"junk").decode(), "confirmed": "1"}) \
        .status_code == 422
    with app.app_context():
        assert _org("cd-xa-phu-trung") is None


def test_an_xlsx_with_a_damaged_sheet_is_a_problem_of_the_file_not_a_500(app, browser, monkeypatch):
    """FAILS: workflow/admin/spreadsheet.py run_import only catches Invalid around reading; load_workbook(read_only)
    parses a sheet's XML lazily, in _rows, outside read_workbook's `except Exception`, so an .xlsx whose sheet XML is
    damaged raises xml ParseError out of the view: 500."""
    _no_propagation(app, monkeypatch)
    admin = browser("admin")
    damaged = _rewrite_sheet(_workbook([GOOD_ORG], []), "xl/worksheets/sheet1.xml",
                             lambda text: text.replace("</sheetData>", "<row r="))
    answer = _upload(admin, damaged)
    assert answer.status_code == 422, answer.status_code


def test_an_xml_entity_bomb_is_refused(app, browser, monkeypatch):
    """Expat stops the expansion at once ("limit on input amplification factor") while the workbook loads: the
    file "cannot be read" (422)."""
    _no_propagation(app, monkeypatch)
    admin = browser("admin")
    entities = '<!DOCTYPE lolz [<!ENTITY lol0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1)) * 10}">' for i in range(1, 10)) + "]>"
    bomb = _rewrite_sheet(_workbook([GOOD_ORG[:5] + ["BOMBHERE"]], []), "xl/worksheets/sheet1.xml",
                          lambda text: text.replace("<worksheet", entities + "<worksheet", 1)
                          .replace("<t>BOMBHERE</t>", "<t>&lol9;</t>"))
    assert b"&lol9;" in zipfile.ZipFile(io.BytesIO(bomb)).read("xl/worksheets/sheet1.xml")
    with _deadline(20):
        answer = _upload(admin, bomb)
    assert answer.status_code in (400, 422)
    with app.app_context():
        assert _org("cd-xa-phu-trung") is None


def test_a_tiny_file_declaring_the_whole_sheet_does_not_hold_the_server(app, browser):
    """FAILS (TimeoutError): workflow/admin/spreadsheet.py _rows walks every row openpyxl's read-only sheet yields
    before counting them against MAX_ROWS, and each row padded to the declared width. A 5 KB file whose sheet
    declares <dimension ref="A1:XFD1048576"/> and has one cell in its last row makes it walk a million rows of
    16,384 cells each: minutes of a worker for one upload (the preview, and again the confirmation)."""
    admin = browser("admin")
    tiny = _rewrite_sheet(_workbook([GOOD_ORG], []), "xl/worksheets/sheet1.xml", lambda text: re.sub(
        r'<dimension ref="[^"]+"\s*/>', '<dimension ref="A1:XFD1048576"/>', text).replace(
        "</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    assert len(tiny) < 10_000
    with _deadline(20):
        answer = _upload(admin, tiny)
    assert answer.status_code == 422


def test_the_import_refuses_more_rows_than_its_limit(app, browser):
    admin = browser("admin")
    rows = [[f"cdcs-{i}", f"Công đoàn cơ sở {i}", "grassroots", "cd-xa-phu-rieng", "", "X"] for i in range(5001)]
    answer = _upload(admin, _workbook(rows, []))
    assert answer.status_code == 422 and "5000" in answer.get_data(as_text=True).replace(".", "")


def test_formula_cells_are_not_imported_as_their_text(app, browser):
    admin = browser("admin")
    data = _workbook([["cdcs-cong-thuc", '=HYPERLINK("http://evil.example","Bấm")', "grassroots",
                       "cd-xa-phu-rieng", "", "X"]], [["cong.thuc", "=1+1", "", "officer", "cdcs-cong-thuc"]])
    answer = _upload(admin, data)
    assert answer.status_code == 422  # a formula has no stored value: the names are missing
    with app.app_context():
        assert _org("cdcs-cong-thuc") is None


def test_a_tampered_carried_file_is_judged_again_with_the_same_scope(app, browser):
    _other_federation(app)
    admin = browser("admin")
    preview = _upload(admin, _workbook([GOOD_ORG], []))
    assert preview.status_code == 200 and _carried(preview.get_data(as_text=True))
    swapped = _workbook([["cdcs-ngoai", "Công đoàn cơ sở Ngoài", "grassroots", "cd-xa-da-lat", "", "Đà Lạt"]],
                        [["gian.diep", "Gián Điệp", "", "admin", "ldld-lam-dong"],
                         ["qt.tw", "Quản trị TW", "", "admin", "tld"]])
    answer = admin.post("/admin/import", data={"carried": base64.b64encode(swapped).decode(), "confirmed": "1"})
    assert answer.status_code == 422
    with app.app_context():
        assert _org("cdcs-ngoai") is None and _user("gian.diep") is None and _user("qt.tw") is None


def test_the_import_refuses_parents_outside_the_scope_and_names_differing_only_in_case(app, browser):
    _other_federation(app)
    admin = browser("admin")
    answer = _upload(admin, _workbook(
        [GOOD_ORG, ["CD-XA-PHU-TRUNG", "Công đoàn xã Phú Trung 2", "upper_grassroots", "ldld-dong-nai", "", "X"],
         ["cdcs-ngoai", "Công đoàn cơ sở Ngoài", "grassroots", "cd-xa-da-lat", "", "X"],
         ["cd-tinh-2", "Liên đoàn thứ hai", "province", "tld", "", "X"],
         ["tld-2", "Tổng Liên đoàn thứ hai", "confederation", "", "", "X"]],
        [["Nguyen.An", "Nguyễn An", "", "staff", "cd-xa-phu-trung"],
         ["nguyen.an", "Nguyễn An 2", "", "staff", "cd-xa-phu-trung"],
         ["OFFICER", "Trùng tên", "", "officer", "cdcs-cao-su-phu-rieng"]]))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert page.count('class="table-danger"') == 6, page.count('class="table-danger"')
    with app.app_context():
        assert _org("cd-xa-phu-trung") is None and _user("nguyen.an") is None


def test_a_valid_file_of_half_a_megabyte_can_be_confirmed_after_its_preview(app, browser):
    """The preview carries the whole file back as a base64 field of an urlencoded form: Flask's
    MAX_FORM_MEMORY_SIZE (500 000 bytes) applies to multipart text parts only, so a file over ~375 KB is still
    confirmed. Kept: making that form multipart would break imports of such files."""
    admin = browser("admin")
    rng = random.Random(7)
    notes = [["".join(rng.choice(string.ascii_letters + string.digits) for _ in range(1000))] for _ in range(650)]
    data = _workbook([GOOD_ORG], [["cb.phutrung", "Lê Văn Trung", "", "staff", "cd-xa-phu-trung"]], extra_sheet=notes)
    assert 375_000 < len(data) < 5 * 1024 * 1024
    preview = _upload(admin, data)
    carried = _carried(preview.get_data(as_text=True))
    assert preview.status_code == 200 and carried
    confirmed = admin.post("/admin/import", data={"carried": carried, "confirmed": "1"})
    assert confirmed.status_code == 200, confirmed.status_code
    with app.app_context():
        assert _org("cd-xa-phu-trung") is not None


# --- CSRF -------------------------------------------------------------------------------------------------------

def test_every_form_post_without_its_csrf_token_is_refused(app, browser, current_plan):
    admin = browser("admin")
    ids = {"org": _ids(app, "cd-xa-phu-rieng")[0], "user": _user_id(app, "officer2"), "plan": current_plan}
    token = _link_path(browser("admin"), _user_id(app, "officer3")).rsplit("/", 1)[1]
    rules = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.endpoint != "static"
             and not rule.endpoint.startswith("api.")]
    values = {"org_id": ids["org"], "user_id": ids["user"], "campaign_id": ids["plan"], "token": token,
              "dossier_id": 1, "attachment_id": 1, "batch_id": 1, "notification_id": 1, "event": "submit",
              "request_id": 1}
    with app.test_request_context():
        from flask import url_for
        urls = [url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments}) for rule in rules]
    assert any("/admin/import" in url for url in urls) and any("/set-password/" in url for url in urls)
    for url in urls:
        path = url.split("localhost", 1)[-1]
        answer = admin.client.post(path, data={"active": "0", "method": "link", "name": "Không có mã CSRF",
                                               "on": "05/01/2026", "password": "mat-khau-moi-1",
                                               "repeated": "mat-khau-moi-1", "username": "admin",
                                               "current": "demo"})
        assert answer.status_code == 400, path
    with app.app_context():
        assert _user("officer2").active and _user("officer2").check_password("demo")
        assert _org("cd-xa-phu-rieng").name == "Công đoàn xã Phú Riềng"


# --- numbers, dates ----------------------------------------------------------------------------------------------

def test_ids_beyond_64_bits_answer_404_or_422(app, browser, api, monkeypatch):
    _no_propagation(app, monkeypatch)
    admin = browser("admin")
    huge = "9" * 30
    commune, union = _ids(app, "cd-xa-phu-rieng", "cdcs-cao-su-phu-rieng")
    for url in (f"/admin/organisations/{huge}", f"/admin/users/{huge}", f"/admin/campaigns/{huge}",
                f"/admin/organisations/{2**63}", f"/admin/users?organisation_id={huge}", f"/admin/users?page={huge}"):
        assert admin.get(url).status_code in (200, 404), url
    assert admin.post("/admin/organisations/new", data={"code": "cdcs-to", "name": "Công đoàn to", "level":
                                                        "grassroots", "parent_id": huge}).status_code == 422
    assert admin.post(f"/admin/organisations/{union}/move", data={"parent_id": huge, "on": "05/01/2026"}) \
        .status_code == 422
    assert admin.post(f"/admin/organisations/{union}/end", data={"on": "05/01/2026", "successor_id": huge}) \
        .status_code == 422
    assert admin.post("/admin/users/new", data={"username": "to.lon", "full_name": "To Lớn", "role": "officer",
                                                "organisation_id": huge}).status_code == 422
    assert admin.post("/admin/campaigns/new", data={"title": "KH", "plan_number": "1/KH", "plan_date": "01/01/2026",
                                                    "issuer_id": huge, "phases-0-name": "Đợt",
                                                    "phases-0-ends_on": "31/03/2026"}).status_code == 422
    assert admin.post("/admin/rule-sets/new", data={"kind": "union_housing", "jurisdiction_id": huge,
                                                    "valid_from": "01/02/2026", "basis": "Quyết định số 1",
                                                    "action": "save"}).status_code == 422
    for body in ({"code": "cdcs-to", "name": "Công đoàn to", "level": "grassroots", "parent_id": 2**70},
                 {"code": "cdcs-to", "name": "Công đoàn to", "level": "grassroots", "parent_id": -1},
                 {"code": "cdcs-to", "name": "Công đoàn to", "level": "grassroots", "parent_id": True},
                 {"code": "cdcs-to", "name": "Công đoàn to", "level": "grassroots", "parent_id": float(commune)}):
        assert api.post("admin", "/api/v1/organisations", body).status_code == 422, body
    assert api.patch("admin", f"/api/v1/organisations/{union}", {"parent_id": 2**70}).status_code == 422
    assert api.get("admin", f"/api/v1/users/{huge}").status_code == 404
    assert api.get("admin", f"/api/v1/organisations/{huge}").status_code == 404
    assert api.post("admin", "/api/v1/users", {"username": "to.lon", "full_name": "To Lớn", "role": "officer",
                                               "organisation_id": 2**64}).status_code == 422
    response = admin.post("/admin/import/result.xlsx", data={"row": f"Người dùng|{huge}|{huge}|x"})
    assert response.status_code == 200


def test_a_filter_beyond_64_bits_in_the_users_api_is_not_a_500(app, api, monkeypatch):
    """FAILS (500): workflow/api/administration.py users() reads `organisation_id` with request.args.get(type=int),
    which takes any length, and compares it in SQL: SQLite's driver raises OverflowError (PostgreSQL: out of range).
    The screens bound it (len < 12), the API does not."""
    _no_propagation(app, monkeypatch)
    answer = api.get("admin", "/api/v1/users?organisation_id=" + "9" * 30)
    assert answer.status_code in (200, 422), answer.status_code


@pytest.mark.parametrize("field", ["parent_id", "organisation_id", "successor_id", "list_filter", "result_row"])
def test_a_superscript_digit_in_an_id_field_is_not_a_500(app, browser, monkeypatch, field):
    """FAILS (500): str.isdigit() accepts '²' (and other digits int() refuses), and the admin screens test ids
    with `raw.isdigit() and len(raw) < 12` before int(raw): workflow/admin/organisations.py _parent_from (parent_id,
    successor_id), workflow/admin/users.py _org_of (organisation_id) and users() (the list's `organisation_id`
    filter, a GET), workflow/admin/imports.py import_result (the row number). workflow/formatting.py parse_whole
    exists for exactly this and is not used there."""
    _no_propagation(app, monkeypatch)
    admin = browser("admin")
    union, reviewer = _ids(app, "cdcs-cao-su-phu-rieng")[0], _user_id(app, "reviewer")
    answer = {
        "parent_id": lambda: admin.post("/admin/organisations/new", data={
            "code": "cdcs-mu", "name": "Công đoàn mũ", "level": "grassroots", "parent_id": "²"}),
        "organisation_id": lambda: admin.post(f"/admin/users/{reviewer}/move", data={"organisation_id": "²",
                                                                                     "role": "staff"}),
        "successor_id": lambda: admin.post(f"/admin/organisations/{union}/end", data={"on": "05/01/2026",
                                                                                      "successor_id": "³"}),
        "list_filter": lambda: admin.get("/admin/users?organisation_id=%C2%B2"),
        "result_row": lambda: admin.post("/admin/import/result.xlsx", data={"row": "Người dùng|²|1|x"}),
    }[field]()
    assert answer.status_code in (200, 400, 404, 422), answer.status_code


@pytest.mark.parametrize("text", ["31/02/2026", "00/01/2026", "05/13/2026", "5/1/20266", "2026-02-31", "hôm nay"])
def test_impossible_dates_are_form_errors(app, browser, api, text):
    admin = browser("admin")
    commune, union = _ids(app, "cd-xa-phu-rieng", "cdcs-cao-su-phu-rieng")
    assert admin.post(f"/admin/organisations/{commune}/rename", data={"name": "Công đoàn xã Mới", "on": text}) \
        .status_code == 422
    assert admin.post(f"/admin/organisations/{union}/move", data={"parent_id": _ids(app, "cd-xa-bu-dang")[0],
                                                                  "on": text}).status_code == 422
    assert admin.post("/admin/organisations/new", data={"code": "cdcs-ngay", "name": "Công đoàn ngày",
                                                        "level": "grassroots", "parent_id": commune,
                                                        "valid_from": text}).status_code == 422
    assert admin.post(f"/admin/organisations/{union}/end", data={"on": text, "successor_id": ""}).status_code == 422
    assert admin.post("/admin/campaigns/new", data={
        "title": "Kế hoạch ngày", "plan_number": "3/KH", "plan_date": text,
        "issuer_id": str(_ids(app, "ldld-dong-nai")[0]), "phases-0-name": "Đợt",
        "phases-0-ends_on": text}).status_code == 422
    api_text = text if "-" in text else "2026-02-31"
    assert api.post("admin", "/api/v1/organisations", {"code": "cdcs-ngay", "name": "Công đoàn ngày",
                                                       "level": "grassroots", "parent_id": commune,
                                                       "valid_from": api_text}).status_code == 422
    with app.app_context():
        assert _org("cdcs-ngay") is None and _org("cd-xa-phu-rieng").name == "Công đoàn xã Phú Riềng"


def test_renaming_from_the_first_day_of_year_one_is_a_form_error_not_a_500(app, browser, api, monkeypatch):
    """FAILS (500): workflow/orgs/operations.py rename_organisation bounds the day only by the unit's founding
    date, which a unit of the seeded tree (and any imported without one) does not have; from 01/01/0001 it computes
    `on - timedelta(days=1)` for the former name's end and date arithmetic overflows (OverflowError)."""
    _no_propagation(app, monkeypatch)
    admin = browser("admin")
    union = _ids(app, "cdcs-cao-su-phu-rieng")[0]
    screen = admin.post(f"/admin/organisations/{union}/rename", data={"name": "Công đoàn cơ sở Tên Mới",
                                                                      "on": "01/01/0001"})
    through_api = api.patch("admin", f"/api/v1/organisations/{union}", {"name": "Công đoàn cơ sở Tên Mới",
                                                                         "on": "0001-01-01"})
    assert (screen.status_code, through_api.status_code) == (422, 422)


# --- two sessions at once ---------------------------------------------------------------------------------------

def _race(app, monkeypatch, module, hook_name, second_request):
    """Run `second_request` (another admin session's complete request, committed) while the first request is between
    its check that a code or username is free and its insert."""
    original = getattr(module, hook_name)
    state = {"done": False}

    def racing(*args, **kwargs):
        if not state["done"]:
            state["done"] = True
            answer = second_request()
            assert answer.status_code in (200, 302), answer.status_code
        return original(*args, **kwargs)

    monkeypatch.setattr(module, hook_name, racing)


def test_two_sessions_founding_the_same_code_at_once_get_a_form_error_not_a_500(app, browser, monkeypatch):
    """FAILS (500): create_organisation checks the code is free, then inserts; a concurrent request inserting the
    same code in between makes the flush raise IntegrityError (organisation.code is unique), which nothing turns
    into the form's "Mã … đã được dùng" (workflow/orgs/operations.py, workflow/transaction.py)."""
    from workflow.orgs import operations as org_ops

    _no_propagation(app, monkeypatch)
    first, second = browser("admin"), browser("admin")
    commune = _ids(app, "cd-xa-phu-rieng")[0]
    form = {"code": "cdcs-cung-luc", "name": "Công đoàn cơ sở Cùng Lúc", "level": "grassroots", "parent_id": commune}
    _race(app, monkeypatch, org_ops, "_header_values",
          lambda: second.post("/admin/organisations/new", data=form))
    answer = first.post("/admin/organisations/new", data=form)
    assert answer.status_code in (409, 422), answer.status_code
    assert _count(app, Organisation, Organisation.code == "cdcs-cung-luc") == 1


def test_two_sessions_creating_the_same_username_at_once_get_a_form_error_not_a_500(app, browser, monkeypatch):
    """FAILS (500): likewise create_user (workflow/auth/operations.py): user_account.username is unique, the
    IntegrityError of the second insert is not answered as "Tên đăng nhập … đã được dùng"."""
    from workflow.auth import operations as user_ops

    _no_propagation(app, monkeypatch)
    first, second = browser("admin"), browser("admin")
    union = _ids(app, "cdcs-cao-su-phu-rieng")[0]
    form = {"username": "cung.luc", "full_name": "Cùng Lúc", "email": "", "role": "officer", "organisation_id": union}
    _race(app, monkeypatch, user_ops, "_check_fields", lambda: second.post("/admin/users/new", data=form))
    answer = first.post("/admin/users/new", data=form)
    assert answer.status_code in (409, 422), answer.status_code
    assert _count(app, User, User.username == "cung.luc") == 1
