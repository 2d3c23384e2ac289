"""The admin's tree and accounts: scope (another federation's units and users are 404), founding, renaming from a
date, moving, ending with a preview, accounts that must change their password, deactivation ending sessions and
tokens at once, and an audit row for every change."""
from datetime import date

import sqlalchemy as sa

from tests.conftest import _CSRF, csrf_token_of
from workflow.audit.models import AdminChange
from workflow.auth.models import ApiToken, User
from workflow.extensions import db
from workflow.orgs.models import Organisation
from workflow.orgs.tree import header_on


def _org(code):
    return db.session.scalar(sa.select(Organisation).where(Organisation.code == code))


def _user(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def _changes(subject_type, subject_id):
    return db.session.scalars(sa.select(AdminChange).where(AdminChange.subject_type == subject_type,
                                                           AdminChange.subject_id == subject_id)).all()


def _other_federation(app):
    """LĐLĐ tỉnh Lâm Đồng with its own admin `admin-ld` and a commune union, beside Đồng Nai."""
    from workflow.orgs.models import OrganisationPlacement

    with app.app_context():
        tld = _org("tld")
        province = Organisation(code="ldld-lam-dong", level="province", name="Liên đoàn Lao động tỉnh Lâm Đồng",
                                header_name="LIÊN ĐOÀN LAO ĐỘNG TỈNH LÂM ĐỒNG", abbreviation="LĐLĐ",
                                place_name="Lâm Đồng", signing_body="BAN THƯỜNG VỤ")
        commune = Organisation(code="cd-xa-da-lat", level="upper_grassroots", name="Công đoàn phường Đà Lạt",
                               header_name="CÔNG ĐOÀN PHƯỜNG ĐÀ LẠT", abbreviation="CĐP", place_name="Đà Lạt",
                               signing_body="BAN THƯỜNG VỤ")
        db.session.add_all([province, commune, OrganisationPlacement(organisation=province, parent=tld),
                            OrganisationPlacement(organisation=commune, parent=province)])
        admin = User(username="admin-ld", full_name="Quản trị Lâm Đồng", role="admin", organisation=province)
        admin.set_password("demo")
        db.session.add(admin)
        db.session.commit()
        return province.id, commune.id


def test_admin_sees_own_subtree_and_another_federation_gets_404(app, browser):
    _, other_commune = _other_federation(app)
    admin = browser("admin")
    page = admin.get("/admin/organisations").get_data(as_text=True)
    assert "Công đoàn xã Phú Riềng" in page and "Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng" in page
    assert "Đà Lạt" not in page
    assert admin.get(f"/admin/organisations/{other_commune}").status_code == 404
    assert admin.post(f"/admin/organisations/{other_commune}/rename",
                      data={"name": "Tên khác hẳn", "on": "05/01/2026"}).status_code == 404
    searched = admin.get("/admin/organisations?q=cao su phu rieng").get_data(as_text=True)
    assert "1 đơn vị khớp" in searched
    with app.app_context():
        stranger = _user("officer").id
    assert browser("admin-ld").get(f"/admin/users/{stranger}").status_code == 404
    for user in ("officer", "reviewer", "liaison", "tld"):
        assert browser(user).get("/admin/organisations").status_code == 404
        assert browser(user).get("/admin/users").status_code == 404


def test_found_rename_move_and_end_a_unit_with_audit(app, browser):
    admin = browser("admin")
    with app.app_context():
        commune = _org("cd-xa-phu-rieng").id
        other_commune = _org("cd-xa-bu-dang").id
    bad = admin.post("/admin/organisations/new", data={
        "code": "CĐ có dấu", "name": "Công đoàn cơ sở Công ty Mới", "level": "grassroots", "parent_id": commune})
    assert bad.status_code == 422
    assert "Mã chỉ gồm chữ thường" in bad.get_data(as_text=True)
    assert 'value="Công đoàn cơ sở Công ty Mới"' in bad.get_data(as_text=True)  # what was typed stays
    created = admin.post("/admin/organisations/new", data={
        "code": "cdcs-cong-ty-moi", "name": "Công đoàn cơ sở Công ty TNHH Mới", "level": "grassroots",
        "parent_id": commune, "valid_from": "", "place_name": "Phú Riềng"})
    assert created.status_code == 302
    with app.app_context():
        org = _org("cdcs-cong-ty-moi")
        assert org.header_name == "CÔNG ĐOÀN CƠ SỞ CÔNG TY TNHH MỚI" and org.abbreviation == "CĐCS"
        assert org.parent_on(date(2026, 1, 5)).code == "cd-xa-phu-rieng"
        org_id = org.id
    renamed = admin.post(f"/admin/organisations/{org_id}/rename",
                         data={"name": "Công đoàn cơ sở Công ty CP Mới", "on": "05/01/2026"})
    assert renamed.status_code == 422  # the day it was founded: no earlier name to keep
    # Founded today, it may be renamed from tomorrow at the earliest: found one in the past to rename it.
    with app.app_context():
        _org("cdcs-cong-ty-moi").valid_from = date(2025, 12, 1)
        _org("cdcs-cong-ty-moi").placements[0].valid_from = date(2025, 12, 1)
        db.session.commit()
    renamed = admin.post(f"/admin/organisations/{org_id}/rename",
                         data={"name": "Công đoàn cơ sở Công ty CP Mới", "on": "02/01/2026"})
    assert renamed.status_code == 302
    with app.app_context():
        org = _org("cdcs-cong-ty-moi")
        assert header_on(org, date(2026, 1, 1)).name == "Công đoàn cơ sở Công ty TNHH Mới"
        assert header_on(org, date(2026, 1, 2)).header_name == "CÔNG ĐOÀN CƠ SỞ CÔNG TY CP MỚI"
    moved = admin.post(f"/admin/organisations/{org_id}/move", data={"parent_id": other_commune, "on": "05/01/2026"})
    assert moved.status_code == 302
    with app.app_context():
        org = _org("cdcs-cong-ty-moi")
        assert org.parent_on(date(2026, 1, 4)).code == "cd-xa-phu-rieng"
        assert org.parent_on(date(2026, 1, 5)).code == "cd-xa-bu-dang"
    header = admin.post(f"/admin/organisations/{org_id}/header", data={
        "abbreviation": "CĐCS", "place_name": "Bù Đăng", "signing_body": "BAN CHẤP HÀNH", "head_title": "CHỦ TỊCH",
        "head_name": "Lê Thị Hoa", "short_header_name": ""})
    assert header.status_code == 302
    preview = admin.post(f"/admin/organisations/{org_id}/end", data={"on": "05/01/2026", "successor_id": ""})
    assert preview.status_code == 200 and "Xác nhận kết thúc hoạt động" in preview.get_data(as_text=True)
    with app.app_context():
        assert _org("cdcs-cong-ty-moi").valid_to is None  # a preview changes nothing
    ended = admin.post(f"/admin/organisations/{org_id}/end",
                       data={"on": "05/01/2026", "successor_id": "", "confirmed": "1"})
    assert ended.status_code == 302
    with app.app_context():
        assert _org("cdcs-cong-ty-moi").valid_to == date(2026, 1, 5)
        actions = [c.action for c in _changes("organisation", org_id)]
        assert actions == ["organisation.create", "organisation.rename", "organisation.move",
                           "organisation.header", "organisation.end"]
        rename = _changes("organisation", org_id)[1]
        assert rename.before["name"] == "Công đoàn cơ sở Công ty TNHH Mới"
        assert rename.after["name"] == "Công đoàn cơ sở Công ty CP Mới"
        assert all(c.actor.username == "admin" for c in _changes("organisation", org_id))
    page = admin.get(f"/admin/organisations/{org_id}").get_data(as_text=True)
    assert "Lịch sử thay đổi" in page and "Đổi tên" in page and "Lê Thị Hoa" in page


def test_admin_cannot_move_or_end_own_federation_nor_place_units_outside(app, browser):
    province_other, commune_other = _other_federation(app)
    admin = browser("admin")
    with app.app_context():
        own, commune = _org("ldld-dong-nai").id, _org("cd-xa-phu-rieng").id
    assert admin.post(f"/admin/organisations/{own}/end", data={"on": "05/01/2026"}).status_code == 403 or \
        "không thuộc phạm vi" in admin.post(f"/admin/organisations/{own}/end",
                                            data={"on": "05/01/2026"}).get_data(as_text=True)
    outside = admin.post(f"/admin/organisations/{commune}/move", data={"parent_id": province_other,
                                                                      "on": "05/01/2026"})
    assert outside.status_code == 422
    created = admin.post("/admin/organisations/new", data={
        "code": "cdcs-ngoai", "name": "Công đoàn cơ sở Ngoài", "level": "grassroots", "parent_id": commune_other})
    assert created.status_code == 422
    with app.app_context():
        assert _org("cdcs-ngoai") is None


def _login(app, username, password):
    client = app.test_client()
    token = _CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    if response.status_code == 302:  # signed in: the session's token is a new one (read where every account may go)
        token = csrf_token_of(client, "/account/password")
    return client, token, response


def test_a_new_account_changes_its_password_first_and_deactivation_ends_sessions_and_tokens(app, browser):
    admin = browser("admin")
    with app.app_context():
        union = _org("cdcs-cao-su-phu-rieng").id
    page = admin.post("/admin/users/new", data={"username": "can.bo.moi", "full_name": "Nguyễn Văn Mới",
                                                "email": "moi@example.org", "role": "staff",
                                                "organisation_id": union})
    assert page.status_code == 422 and "Cán bộ công đoàn cơ sở thuộc một công đoàn cơ sở" in page.get_data(
        as_text=True)
    page = admin.post("/admin/users/new", data={"username": "can.bo.moi", "full_name": "Nguyễn Văn Mới",
                                                "email": "moi@example.org", "role": "officer",
                                                "organisation_id": union})
    assert page.status_code == 200
    password = page.get_data(as_text=True).split('id="temporary-password">')[1].split("<")[0]
    client, csrf, response = _login(app, "can.bo.moi", password)
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith("/account/password")  # nothing before a new password
    assert client.post("/api/v1/tokens", json={"username": "can.bo.moi", "password": password}).status_code == 403
    changed = client.post("/account/password", data={"csrf_token": csrf, "current": password,
                                                     "password": "mat-khau-moi-1", "repeated": "mat-khau-moi-1"})
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    token = client.post("/api/v1/tokens", json={"username": "can.bo.moi", "password": "mat-khau-moi-1"}).json["token"]
    assert client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with app.app_context():
        user_id = _user("can.bo.moi").id
    assert admin.post(f"/admin/users/{user_id}/active", data={"active": "0"}).status_code == 302
    assert client.get("/").status_code == 302  # the open session ends at once
    assert client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)
                                 .where(ApiToken.user_id == user_id)) == 0
        assert [c.action for c in _changes("user", user_id)] == ["user.create", "user.deactivate"]
        assert _user("can.bo.moi").full_name == "Nguyễn Văn Mới"  # history keeps the name


def test_a_reset_by_link_works_once_and_ends_the_old_password(app, browser):
    admin = browser("admin")
    with app.app_context():
        user_id = _user("officer2").id
    other, _, _ = _login(app, "officer2", "demo")
    page = admin.post(f"/admin/users/{user_id}/password", data={"method": "link"}).get_data(as_text=True)
    link = page.split('id="set-password-link">')[1].split("<")[0]
    path = link.split("localhost", 1)[1]
    assert other.get("/").status_code == 302  # the old session ended
    assert _login(app, "officer2", "demo")[2].status_code == 401
    fresh = app.test_client()
    form = fresh.get(path)
    csrf = _CSRF.search(form.get_data(as_text=True)).group(1)
    short = fresh.post(path, data={"csrf_token": csrf, "password": "ngan", "repeated": "ngan"})
    assert short.status_code == 422 and "ít nhất 8 ký tự" in short.get_data(as_text=True)
    done = fresh.post(path, data={"csrf_token": csrf, "password": "mat-khau-moi-2", "repeated": "mat-khau-moi-2"})
    assert done.status_code == 302 and fresh.get("/").status_code == 200
    assert app.test_client().get(path).status_code == 404  # once only
    assert _login(app, "officer2", "mat-khau-moi-2")[2].status_code == 302


def test_users_list_filters_and_move(app, browser):
    admin = browser("admin")
    listed = admin.get("/admin/users?role=staff").get_data(as_text=True)
    assert "reviewer2" in listed and "officer3" not in listed
    assert "officer3" in admin.get("/admin/users?q=officer3").get_data(as_text=True)
    with app.app_context():
        user_id, target = _user("reviewer2").id, _org("cd-xa-phu-rieng").id
    assert admin.post(f"/admin/users/{user_id}/move", data={"organisation_id": target,
                                                           "role": "staff"}).status_code == 302
    with app.app_context():
        assert _user("reviewer2").organisation.code == "cd-xa-phu-rieng"
        assert _changes("user", user_id)[-1].before["organisation_id"] != _changes("user", user_id)[-1].after[
            "organisation_id"]
