"""The administration's API (workflow/api/administration.py): an admin founds units and opens accounts within their
subtree, edits what a unit's documents print, renames it from a date, moves units and accounts, deactivates an
account (its tokens end at once); another federation's admin sees none of it (404); non-admins get 403; invalid
input is a 422 naming each field; every change leaves an audit row; any user reads the rule sets in force. The
answers match the OpenAPI document."""
from datetime import date

import pytest
import sqlalchemy as sa
from openapi_schema_validator import OAS31Validator

from tests.admin.test_organisations_and_users import _other_federation
from tests.conftest import _CSRF
from workflow.audit.models import AdminChange
from workflow.auth.models import ApiToken, User
from workflow.extensions import db
from workflow.orgs.models import Organisation
from workflow.orgs.tree import header_on

ORGS = "/api/v1/organisations"
USERS = "/api/v1/users"


def _org_id(app, code):
    with app.app_context():
        return db.session.scalar(sa.select(Organisation.id).where(Organisation.code == code))


def _user_id(app, username):
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def _actions(app, subject_type, subject_id):
    """(action, actor's username, before, after) of each audit row about the subject, oldest first."""
    with app.app_context():
        rows = db.session.scalars(sa.select(AdminChange).where(
            AdminChange.subject_type == subject_type, AdminChange.subject_id == subject_id)
            .order_by(AdminChange.id)).all()
        return [(r.action, r.actor.username, r.before, r.after) for r in rows]


def _audit_rows(app):
    """How many audit rows there are (the demo's restructuring wrote some)."""
    return _count(app, AdminChange)


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _conforms(client, name, body):
    """The body is what the OpenAPI document's schema `name` describes."""
    components = client.get("/api/v1/openapi.json").json["components"]
    OAS31Validator({"$ref": f"#/components/schemas/{name}", "components": components}).validate(body)


def _commune(**changes):
    return {"code": "cd-xa-phu-trung", "name": "Công đoàn xã Phú Trung", "level": "upper_grassroots",
            "valid_from": "2026-01-05", **changes}


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


# --- founding a unit, a union under it and its officer ------------------------------------------------------

def test_admin_founds_a_commune_a_union_under_it_and_its_officer_who_sets_a_password_by_the_link(app, api):
    province = _org_id(app, "ldld-dong-nai")
    commune = api.post("admin", ORGS, _commune(parent_id=province))
    assert commune.status_code == 201, commune.json
    commune = commune.json
    _conforms(api.client, "OrganisationDetail", commune)
    assert (commune["code"], commune["level"], commune["parent"]["code"], commune["valid_from"]) == (
        "cd-xa-phu-trung", "upper_grassroots", "ldld-dong-nai", "2026-01-05")
    # What its documents print, by the union's practice for the level, the place from the parent.
    assert (commune["header_name"], commune["abbreviation"], commune["signing_body"], commune["head_title"],
            commune["place_name"], commune["short_header_name"], commune["former_names"]) == (
        "CÔNG ĐOÀN XÃ PHÚ TRUNG", "CĐ", "BAN THƯỜNG VỤ", "CHỦ TỊCH", "Đồng Nai", None, [])
    assert api.get("admin", f"{ORGS}/{commune['id']}").json == commune

    union = api.post("admin", ORGS, {"code": "cdcs-cong-ty-phu-trung", "name": "Công đoàn cơ sở Công ty Phú Trung",
                                     "level": "grassroots", "parent_id": commune["id"], "place_name": "Phú Trung",
                                     "head_name": "Lê Thị Hoa"})
    assert union.status_code == 201, union.json
    union = union.json
    assert (union["parent"]["code"], union["valid_from"], union["abbreviation"], union["signing_body"],
            union["place_name"], union["head_name"]) == (
        "cd-xa-phu-trung", "2026-01-05", "CĐCS", "BAN CHẤP HÀNH", "Phú Trung", "Lê Thị Hoa")

    created = api.post("admin", USERS, {"username": "can.bo.phu.trung", "full_name": "Nguyễn Văn Trung",
                                        "email": "Trung@Example.org", "role": "officer",
                                        "organisation_id": union["id"]})
    assert created.status_code == 201, created.json
    account = created.json
    _conforms(api.client, "User", {k: v for k, v in account.items() if k != "set_password_url"})
    assert (account["username"], account["role"], account["organisation"]["id"], account["email"],
            account["active"], account["must_change_password"]) == (
        "can.bo.phu.trung", "officer", union["id"], "trung@example.org", True, True)
    assert account["set_password_url"].startswith("http://localhost/set-password/")
    assert api.get("admin", f"{USERS}/{account['id']}").json == {k: v for k, v in account.items()
                                                                 if k != "set_password_url"}

    # No password opens the account before the link is used: no token, whatever is tried.
    for password in ("demo", "", "!"):
        refused = api.client.post("/api/v1/tokens", json={"username": "can.bo.phu.trung", "password": password})
        assert refused.status_code == 401, password
    path = account["set_password_url"].split("localhost", 1)[1]
    browser = app.test_client()
    form = browser.get(path)
    assert form.status_code == 200
    csrf = _CSRF.search(form.get_data(as_text=True)).group(1)
    done = browser.post(path, data={"csrf_token": csrf, "password": "mat-khau-phu-trung", "repeated":
                                    "mat-khau-phu-trung"})
    assert done.status_code == 302
    assert app.test_client().get(path).status_code == 404  # once only

    token = api.client.post("/api/v1/tokens", json={"username": "can.bo.phu.trung", "password":
                                                    "mat-khau-phu-trung"})
    assert token.status_code == 201, token.json
    headers = _bearer(token.json["token"])
    assert api.client.get("/api/v1/dossiers", headers=headers).json["total"] == 0
    assert api.get("admin", f"{USERS}/{account['id']}").json["must_change_password"] is False
    assert api.client.get(USERS, headers=headers).status_code == 403  # an officer, not an admin

    listed = api.get("admin", f"{USERS}?organisation_id={union['id']}").json
    assert [u["username"] for u in listed["users"]] == ["can.bo.phu.trung"] and listed["total"] == 1

    assert [(a, who) for a, who, _, _ in _actions(app, "organisation", commune["id"])] == [
        ("organisation.create", "admin")]
    created_row = _actions(app, "organisation", union["id"])[0]
    assert created_row[:2] == ("organisation.create", "admin")
    assert created_row[3]["parent"] == "cd-xa-phu-trung" and created_row[3]["code"] == "cdcs-cong-ty-phu-trung"
    assert [(a, who) for a, who, _, _ in _actions(app, "user", account["id"])] == [("user.create", "admin")]


def test_a_new_officer_reads_the_rule_sets_and_files_a_draft_for_the_new_union(app, api):
    """The tree the API founded is the one the dossiers use: the union's officer finds the rules of the province
    and the Confederation above it, and a draft of theirs belongs to the new union."""
    commune = api.post("admin", ORGS, _commune(parent_id=_org_id(app, "ldld-dong-nai"))).json
    union = api.post("admin", ORGS, {"code": "cdcs-phu-trung", "name": "Công đoàn cơ sở Phú Trung",
                                     "level": "grassroots", "parent_id": commune["id"]}).json
    link = api.post("admin", USERS, {"username": "cb.phu.trung", "full_name": "Trần Thị Trung", "role": "officer",
                                     "organisation_id": union["id"]}).json["set_password_url"]
    path = link.split("localhost", 1)[1]
    browser = app.test_client()
    csrf = _CSRF.search(browser.get(path).get_data(as_text=True)).group(1)
    assert browser.post(path, data={"csrf_token": csrf, "password": "mat-khau-moi-8",
                                    "repeated": "mat-khau-moi-8"}).status_code == 302
    headers = _bearer(api.client.post("/api/v1/tokens", json={"username": "cb.phu.trung",
                                                              "password": "mat-khau-moi-8"}).json["token"])
    rule_sets = {r["kind"]: r for r in api.client.get("/api/v1/rule-sets", headers=headers).json["rule_sets"]}
    assert rule_sets["union_housing"]["jurisdiction"]["code"] == "ldld-dong-nai"
    assert rule_sets["child_heart"]["jurisdiction"]["code"] == "tld"
    from tests.conftest import valid_child_heart

    draft = api.client.post("/api/v1/dossiers", json={"kind": "child_heart", "data": valid_child_heart()},
                            headers=headers)
    assert draft.status_code == 201, draft.json
    assert draft.json["org"]["id"] == union["id"]


# --- invalid input: 422 naming the field, nothing written ---------------------------------------------------

def _bad_organisations(app):
    province, commune, union = (_org_id(app, code) for code in ("ldld-dong-nai", "cd-xa-phu-rieng",
                                                                 "cdcs-cao-su-phu-rieng"))
    return [
        (_commune(parent_id=province, code="cd-xa-phu-rieng"), "code"),  # taken
        (_commune(parent_id=province, code="CĐ xã"), "code"),
        (_commune(parent_id=province, level="district"), "level"),
        (_commune(parent_id=province, level="confederation"), "level"),  # only the server's operator
        (_commune(parent_id=province, level="province"), "parent_id"),  # the parent must be higher
        (_commune(parent_id=union, level="grassroots"), "parent_id"),  # a grassroots union has no units
        (_commune(parent_id=commune, level="grassroots", colour="đỏ"), "colour"),
        (_commune(parent_id=province, valid_from="05/01/2026"), "valid_from"),
        (_commune(parent_id=province, valid_from="2026-02-30"), "valid_from"),
        (_commune(parent_id=province, valid_from=20260105), "valid_from"),
        (_commune(parent_id=province, valid_from="1800-01-01"), "valid_from"),
        (_commune(parent_id=commune, level="grassroots", valid_from="2025-01-01"), "parent_id"),  # not yet founded
        (_commune(), "parent_id"),
        (_commune(parent_id=str(province)), "parent_id"),
        (_commune(parent_id=True), "parent_id"),
        (_commune(parent_id=99999), "parent_id"),
        (_commune(parent_id=province, name="Cđ"), "name"),
        (_commune(parent_id=province, name="Công đoàn\x1bxã"), "name"),
        (_commune(parent_id=province, head_name=5), "head_name"),
        (_commune(parent_id=province, abbreviation="X" * 21), "abbreviation"),
    ]


def test_invalid_organisations_are_refused_naming_the_field(app, api):
    audited = _audit_rows(app)
    bodies = _bad_organisations(app)
    before = _count(app, Organisation)
    for body, field in bodies:
        answer = api.post("admin", ORGS, body)
        assert answer.status_code == 422, body
        _conforms(api.client, "Error", answer.json)
        assert field in answer.json["errors"], (body, answer.json)
    assert _count(app, Organisation) == before
    assert _audit_rows(app) == audited


def test_an_unknown_level_is_the_only_error(app, api):
    answer = api.post("admin", ORGS, _commune(parent_id=_org_id(app, "ldld-dong-nai"), level="district"))
    assert set(answer.json["errors"]) == {"level"}


def test_invalid_accounts_are_refused_naming_the_field(app, api):
    audited = _audit_rows(app)
    commune, union = _org_id(app, "cd-xa-phu-rieng"), _org_id(app, "cdcs-cao-su-phu-rieng")
    new = {"username": "can.bo.moi", "full_name": "Nguyễn Văn Mới", "role": "staff", "organisation_id": commune}
    for changes, field in [
        ({"username": "officer"}, "username"),  # taken
        ({"username": "Cán bộ"}, "username"),
        ({"email": "khong-phai-email"}, "email"),
        ({"email": 5}, "email"),
        ({"role": "officer"}, "role"),  # an officer acts for a grassroots union
        ({"organisation_id": union}, "role"),  # staff for an upper organisation
        ({"role": "operator"}, "role"),
        ({"organisation_id": None}, "organisation_id"),
        ({"organisation_id": str(commune)}, "organisation_id"),
        ({"organisation_id": _org_id(app, "ldld-binh-phuoc")}, "organisation_id"),  # ended
        ({"full_name": ""}, "full_name"),
        ({"password": "tu-dat-mat-khau"}, "password"),  # no field of the API: refused, not ignored
    ]:
        answer = api.post("admin", USERS, {**new, **changes})
        assert answer.status_code == 422, changes
        assert field in answer.json["errors"], (changes, answer.json)
    assert _user_id(app, "can.bo.moi") is None
    assert _audit_rows(app) == audited


def test_invalid_changes_are_refused_naming_the_field(app, api):
    audited = _audit_rows(app)
    commune, union = _org_id(app, "cd-xa-phu-rieng"), _org_id(app, "cdcs-cao-su-phu-rieng")
    for body, field in [
        ({"colour": "đỏ"}, "colour"),
        ({"valid_to": "2026-01-05"}, "valid_to"),  # ending stays on the site, with its preview
        ({"head_name": ["Lê"]}, "head_name"),
        ({"place_name": ""}, "place_name"),
        ({"name": "Công đoàn xã Phú Riềng", "on": "2026-01-02"}, "name"),  # the same name
        ({"name": "Công đoàn xã Phú Riềng Mới", "on": "2026-01-06"}, "on"),  # a rename not after today
        ({"name": "Công đoàn xã Phú Riềng Mới", "on": "2025-07-01"}, "on"),  # not on the founding day
        ({"name": "Công đoàn xã Phú Riềng Mới", "on": "mai"}, "on"),
        ({"parent_id": union}, "parent_id"),  # under a grassroots union
        ({"parent_id": commune}, "parent_id"),  # under itself
        ({"parent_id": _org_id(app, "ldld-dong-nai")}, "parent_id"),  # where it already is
    ]:
        answer = api.patch("admin", f"{ORGS}/{commune}", body)
        assert answer.status_code == 422, body
        assert field in answer.json["errors"], (body, answer.json)
    officer = _user_id(app, "officer")
    for body, field in [({"active": "false"}, "active"), ({"email": "a@b"}, "email"), ({"role": "staff"}, "role"),
                        ({"organisation_id": commune}, "role"), ({"organisation_id": union}, "organisation_id"),
                        ({"username": "doi.ten"}, "username"), ({"password": "mat-khau-moi-1"}, "password")]:
        answer = api.patch("admin", f"{USERS}/{officer}", body)
        assert answer.status_code == 422, body
        assert field in answer.json["errors"], (body, answer.json)
    assert api.patch("admin", f"{ORGS}/{commune}", ["head_name"]).status_code == 422
    assert api.client.patch(f"{USERS}/{officer}", data="active=false", headers=api.headers("admin")) \
        .status_code == 422
    with app.app_context():
        org = db.session.get(Organisation, commune)
        assert (org.name, org.head_name, org.parent_on(date(2026, 1, 5)).code) == (
            "Công đoàn xã Phú Riềng", "Nguyễn Văn Hùng", "ldld-dong-nai")
        assert db.session.get(User, officer).active
    assert _audit_rows(app) == audited


# --- scope ------------------------------------------------------------------------------------------------------

def test_another_federations_admin_sees_nothing_of_ours_and_cannot_build_on_it(app, api):
    audited = _audit_rows(app)
    their_province, their_commune = _other_federation(app)
    province, commune = _org_id(app, "ldld-dong-nai"), _org_id(app, "cd-xa-phu-rieng")
    union, officer, admin = _org_id(app, "cdcs-cao-su-phu-rieng"), _user_id(app, "officer"), _user_id(app, "admin")
    for org in (province, commune, union):
        assert api.get("admin-ld", f"{ORGS}/{org}").status_code == 404
        assert api.patch("admin-ld", f"{ORGS}/{org}", {"head_name": "Bị sửa"}).status_code == 404
        assert api.patch("admin-ld", f"{ORGS}/{org}", {"parent_id": their_province}).status_code == 404
    for user in (officer, admin):
        assert api.get("admin-ld", f"{USERS}/{user}").status_code == 404
        assert api.patch("admin-ld", f"{USERS}/{user}", {"active": False}).status_code == 404
        assert api.patch("admin-ld", f"{USERS}/{user}", {"organisation_id": their_commune}).status_code == 404
    assert {u["username"] for u in api.get("admin-ld", USERS).json["users"]} == {"admin-ld"}
    assert api.get("admin-ld", f"{USERS}?organisation_id={province}").json["total"] == 0

    answer = api.post("admin-ld", ORGS, _commune(parent_id=province))
    assert answer.status_code == 422 and "parent_id" in answer.json["errors"]
    answer = api.post("admin-ld", ORGS, _commune(parent_id=commune, code="cdcs-cai-cam", level="grassroots"))
    assert answer.status_code == 422 and "parent_id" in answer.json["errors"]
    answer = api.patch("admin-ld", f"{ORGS}/{their_commune}", {"parent_id": province})
    assert answer.status_code == 422 and "parent_id" in answer.json["errors"]
    answer = api.post("admin-ld", USERS, {"username": "gian.diep", "full_name": "Gián Điệp", "role": "staff",
                                          "organisation_id": commune})
    assert answer.status_code == 422 and "organisation_id" in answer.json["errors"]

    # And the other way round: ours sees none of theirs.
    assert api.get("admin", f"{ORGS}/{their_commune}").status_code == 404
    assert api.get("admin", f"{USERS}/{_user_id(app, 'admin-ld')}").status_code == 404
    with app.app_context():
        assert db.session.get(Organisation, commune).head_name == "Nguyễn Văn Hùng"
        assert db.session.get(User, officer).active
        assert db.session.get(Organisation, their_commune).parent_on(date(2026, 1, 5)).id == their_province
    assert _user_id(app, "gian.diep") is None
    assert _audit_rows(app) == audited
    # Our own admin is no less scoped for it: the new province is theirs.
    our_users = {u["username"] for u in api.get("admin", f"{USERS}?per_page=1000").json["users"]}
    assert "admin-ld" not in our_users and {"officer", "reviewer", "liaison", "admin"} <= our_users


@pytest.mark.parametrize("user", ["officer", "reviewer", "liaison", "tld"])
def test_non_admins_get_403(app, api, user):
    audited = _audit_rows(app)
    province, commune, officer = _org_id(app, "ldld-dong-nai"), _org_id(app, "cd-xa-phu-rieng"), \
        _user_id(app, "officer2")
    for method, url, body in [
        ("get", f"{ORGS}/{commune}", None),
        ("post", ORGS, _commune(parent_id=province)),
        ("patch", f"{ORGS}/{commune}", {"head_name": "Bị sửa"}),
        ("patch", f"{ORGS}/{commune}", {"name": "Công đoàn xã Đổi Tên", "on": "2026-01-02"}),
        ("get", USERS, None),
        ("post", USERS, {"username": "x.y.z", "full_name": "X Y", "role": "admin", "organisation_id": province}),
        ("get", f"{USERS}/{officer}", None),
        ("patch", f"{USERS}/{officer}", {"active": False}),
    ]:
        answer = api.get(user, url) if method == "get" else getattr(api, method)(user, url, body)
        assert answer.status_code == 403, (method, url)
        _conforms(api.client, "Error", answer.json)
    assert api.get(user, ORGS).status_code == 200  # the tree itself is for everyone
    assert _org_id(app, "cd-xa-phu-trung") is None and _user_id(app, "x.y.z") is None
    assert _audit_rows(app) == audited


def test_no_token_or_a_bad_one_is_401(app, api):
    commune, officer = _org_id(app, "cd-xa-phu-rieng"), _user_id(app, "officer")
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic YWRtaW46ZGVtbw=="}):
        for method, url in [("get", f"{ORGS}/{commune}"), ("post", ORGS), ("patch", f"{ORGS}/{commune}"),
                            ("get", USERS), ("post", USERS), ("get", f"{USERS}/{officer}"),
                            ("patch", f"{USERS}/{officer}"), ("get", "/api/v1/rule-sets")]:
            answer = getattr(api.client, method)(url, headers=headers, **({} if method == "get" else {"json": {}}))
            assert answer.status_code == 401, (headers, method, url)
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")


# --- changing a unit ---------------------------------------------------------------------------------------------

def test_patch_header_fields_then_rename_from_a_date(app, api):
    commune = _org_id(app, "cd-xa-phu-rieng")
    changed = api.patch("admin", f"{ORGS}/{commune}", {"head_name": "Lê Thị Hoa", "place_name": "Phú Riềng, Đồng Nai",
                                                       "short_header_name": "CĐ XÃ PHÚ RIỀNG"})
    assert changed.status_code == 200, changed.json
    _conforms(api.client, "OrganisationDetail", changed.json)
    assert (changed.json["head_name"], changed.json["place_name"], changed.json["short_header_name"],
            changed.json["name"], changed.json["abbreviation"]) == (
        "Lê Thị Hoa", "Phú Riềng, Đồng Nai", "CĐ XÃ PHÚ RIỀNG", "Công đoàn xã Phú Riềng", "CĐX")
    assert api.get("admin", f"{ORGS}/{commune}").json == changed.json
    header_row = _actions(app, "organisation", commune)[-1]
    assert header_row[:2] == ("organisation.header", "admin")
    assert header_row[2]["head_name"] == "Nguyễn Văn Hùng" and header_row[3]["head_name"] == "Lê Thị Hoa"

    renamed = api.patch("admin", f"{ORGS}/{commune}", {"name": "Công đoàn phường Phú Riềng", "on": "2026-01-02"})
    assert renamed.status_code == 200, renamed.json
    assert (renamed.json["name"], renamed.json["header_name"]) == ("Công đoàn phường Phú Riềng",
                                                                    "CÔNG ĐOÀN PHƯỜNG PHÚ RIỀNG")
    # the short form belonged to the former name (it would print "XÃ" for a ward): the new name has its own or none
    assert renamed.json["short_header_name"] is None
    assert renamed.json["former_names"] == [{"name": "Công đoàn xã Phú Riềng", "header_name": "CÔNG ĐOÀN XÃ PHÚ RIỀNG",
                                             "valid_to": "2026-01-01"}]
    with app.app_context():
        org = db.session.get(Organisation, commune)
        assert header_on(org, date(2026, 1, 1)).name == "Công đoàn xã Phú Riềng"
        assert header_on(org, date(2026, 1, 2)).name == "Công đoàn phường Phú Riềng"
    rename_row = _actions(app, "organisation", commune)[-1]
    assert rename_row[:2] == ("organisation.rename", "admin")
    assert rename_row[2]["name"] == "Công đoàn xã Phú Riềng" and rename_row[3]["name"] == "Công đoàn phường Phú Riềng"
    assert rename_row[3]["on"] == "2026-01-02"

    # The header name alone is dated too: a rename that keeps the name.
    header_only = api.patch("admin", f"{ORGS}/{commune}", {"header_name": "CÔNG ĐOÀN PHƯỜNG PHÚ RIỀNG (ĐỒNG NAI)",
                                                           "on": "2026-01-05"})
    assert header_only.status_code == 200, header_only.json
    assert (header_only.json["name"], header_only.json["header_name"]) == (
        "Công đoàn phường Phú Riềng", "CÔNG ĐOÀN PHƯỜNG PHÚ RIỀNG (ĐỒNG NAI)")
    assert [f["valid_to"] for f in header_only.json["former_names"]] == ["2026-01-01", "2026-01-04"]
    assert [a for a, *_ in _actions(app, "organisation", commune)] == [
        "organisation.header", "organisation.rename", "organisation.rename"]

    # The admin's own federation prints what they set too (only moving or ending it is for the level above).
    province = _org_id(app, "ldld-dong-nai")
    assert api.patch("admin", f"{ORGS}/{province}", {"head_name": "Trần Văn Bình"}).json["head_name"] == \
        "Trần Văn Bình"
    assert api.patch("admin", f"{ORGS}/{province}", {"parent_id": _org_id(app, "tld")}).status_code in (403, 422)


def test_patch_parent_moves_a_unit_from_a_date(app, api):
    union, other_commune = _org_id(app, "cdcs-cao-su-phu-rieng"), _org_id(app, "cd-xa-bu-dang")
    moved = api.patch("admin", f"{ORGS}/{union}", {"parent_id": other_commune, "on": "2026-01-05"})
    assert moved.status_code == 200, moved.json
    assert moved.json["parent"]["code"] == "cd-xa-bu-dang"
    assert moved.json["placements"][-2:] == [
        {"parent": moved.json["placements"][-2]["parent"], "valid_from": moved.json["placements"][-2]["valid_from"],
         "valid_to": "2026-01-04"},
        {"parent": {"id": other_commune, "code": "cd-xa-bu-dang", "name": "Công đoàn xã Bù Đăng"},
         "valid_from": "2026-01-05", "valid_to": None}]
    with app.app_context():
        org = db.session.get(Organisation, union)
        assert org.parent_on(date(2026, 1, 4)).code == "cd-xa-phu-rieng"
        assert org.parent_on(date(2026, 1, 5)).code == "cd-xa-bu-dang"
    assert _actions(app, "organisation", union)[-1][:2] == ("organisation.move", "admin")
    assert _actions(app, "organisation", union)[-1][3] == {"parent": "cd-xa-bu-dang", "on": "2026-01-05"}


# --- changing an account -----------------------------------------------------------------------------------------

def test_deactivating_an_account_ends_its_token_at_once(app, api):
    officer2 = _user_id(app, "officer2")
    headers = api.headers("officer2")
    assert api.client.get("/api/v1/dossiers", headers=headers).status_code == 200
    answer = api.patch("admin", f"{USERS}/{officer2}", {"active": False})
    assert answer.status_code == 200, answer.json
    assert answer.json["active"] is False
    assert api.client.get("/api/v1/dossiers", headers=headers).status_code == 401
    assert api.client.get("/api/v1/rule-sets", headers=headers).status_code == 401
    assert _count(app, ApiToken, ApiToken.user_id == officer2) == 0
    assert api.client.post("/api/v1/tokens", json={"username": "officer2", "password": "demo"}).status_code == 401
    assert [u["username"] for u in api.get("admin", f"{USERS}?active=false").json["users"]] == ["officer2"]
    assert "officer2" not in {u["username"] for u in api.get("admin", f"{USERS}?active=true").json["users"]}

    assert api.patch("admin", f"{USERS}/{officer2}", {"active": True}).json["active"] is True
    assert api.client.get("/api/v1/dossiers", headers=headers).status_code == 401  # the old token stays dead
    assert api.client.post("/api/v1/tokens", json={"username": "officer2", "password": "demo"}).status_code == 201
    rows = _actions(app, "user", officer2)
    assert [(a, who) for a, who, _, _ in rows] == [("user.deactivate", "admin"), ("user.reactivate", "admin")]
    assert (rows[0][2]["active"], rows[0][3]["active"]) == (True, False)


def test_moving_an_account_to_another_organisation(app, api):
    reviewer2, commune = _user_id(app, "reviewer2"), _org_id(app, "cd-xa-phu-rieng")
    headers = api.headers("reviewer2")
    moved = api.patch("admin", f"{USERS}/{reviewer2}", {"organisation_id": commune})
    assert moved.status_code == 200, moved.json
    _conforms(api.client, "User", moved.json)
    assert (moved.json["organisation"]["code"], moved.json["role"]) == ("cd-xa-phu-rieng", "staff")
    assert api.client.get("/api/v1/dossiers", headers=headers).status_code == 401  # its sessions ended
    assert api.patch("admin", f"{USERS}/{reviewer2}", {"organisation_id": commune}).status_code == 422  # already
    row = _actions(app, "user", reviewer2)[-1]
    assert row[:2] == ("user.move", "admin")
    assert (row[2]["organisation_id"], row[3]["organisation_id"]) == (_org_id(app, "cd-xa-bu-dang"), commune)

    # An officer to an upper organisation takes another role with it.
    officer2, union = _user_id(app, "officer2"), _org_id(app, "cdcs-cao-su-phu-rieng")
    assert api.patch("admin", f"{USERS}/{officer2}", {"organisation_id": commune}).status_code == 422
    promoted = api.patch("admin", f"{USERS}/{officer2}", {"organisation_id": commune, "role": "staff"})
    assert promoted.status_code == 200, promoted.json
    assert (promoted.json["organisation"]["id"], promoted.json["role"]) == (commune, "staff")
    back = api.patch("admin", f"{USERS}/{officer2}", {"organisation_id": union, "role": "officer",
                                                      "full_name": "Lê Văn Đức (Phú Riềng)"})
    assert back.status_code == 200, back.json
    assert (back.json["organisation"]["id"], back.json["role"], back.json["full_name"]) == (
        union, "officer", "Lê Văn Đức (Phú Riềng)")


def test_editing_an_account_and_not_ones_own(app, api):
    reviewer = _user_id(app, "reviewer")
    changed = api.patch("admin", f"{USERS}/{reviewer}", {"full_name": "Đặng Minh Quân (xã)", "email": None})
    assert changed.status_code == 200, changed.json
    assert (changed.json["full_name"], changed.json["email"], changed.json["role"]) == (
        "Đặng Minh Quân (xã)", None, "staff")
    assert api.get("reviewer", "/api/v1/dossiers").status_code == 200  # a new name ends no session
    promoted = api.patch("admin", f"{USERS}/{reviewer}", {"role": "admin"})
    assert promoted.json["role"] == "admin"
    assert api.get("reviewer", "/api/v1/dossiers").status_code == 401  # what the account may do changed
    assert [a for a, *_ in _actions(app, "user", reviewer)] == ["user.update", "user.update"]
    me = _user_id(app, "admin")
    assert api.patch("admin", f"{USERS}/{me}", {"active": False}).status_code == 403
    assert api.patch("admin", f"{USERS}/{me}", {"full_name": "Tự sửa"}).status_code == 403
    assert api.get("admin", f"{USERS}/{me}").json["active"] is True


def test_the_users_list_filters_and_pages(app, api):
    everyone = api.get("admin", USERS).json
    _conforms(api.client, "User", everyone["users"][0])
    names = [u["username"] for u in everyone["users"]]
    assert names == sorted(names) and {"officer", "reviewer", "liaison", "admin"} <= set(names)
    assert "tld" not in names  # the Confederation is above the admin's federation
    assert {u["role"] for u in api.get("admin", f"{USERS}?role=staff").json["users"]} == {"staff"}
    commune = _org_id(app, "cd-xa-phu-rieng")
    assert {u["username"] for u in api.get("admin", f"{USERS}?organisation_id={commune}").json["users"]} == {
        "reviewer"}
    first = api.get("admin", f"{USERS}?per_page=2").json
    second = api.get("admin", f"{USERS}?per_page=2&page=2").json
    assert (first["per_page"], first["total"], first["pages"]) == (2, everyone["total"], -(-everyone["total"] // 2))
    assert [u["username"] for u in first["users"] + second["users"]] == names[:4]
    assert api.get("admin", f"{USERS}?organisation_id=abc").status_code == 422


# --- the rule sets --------------------------------------------------------------------------------------------

def test_rule_sets_in_force_for_the_callers_organisation(app, api):
    answer = api.get("officer", "/api/v1/rule-sets")
    assert answer.status_code == 200
    assert answer.json["on"] == "2026-01-05"
    found = {r["kind"]: r for r in answer.json["rule_sets"]}
    for rule_set in found.values():
        _conforms(api.client, "RuleSet", rule_set)
    assert {"child_heart", "union_housing"} <= set(found)
    heart, housing = found["child_heart"], found["union_housing"]
    assert heart["jurisdiction"]["code"] == "tld" and heart["valid_to"] is None
    assert heart["params"] == {"caps_vnd": {"cleft": 10_000_000, "congenital_heart": 50_000_000},
                               "max_age_years": 16}
    assert housing["jurisdiction"]["code"] == "ldld-dong-nai" and housing["valid_from"] == "2025-07-01"
    assert housing["params"]["caps_vnd"] == {"new_build": 30_000_000, "repair": 30_000_000}
    assert "378/QĐ-TLĐ" in heart["basis"]
    # The Confederation's staff get the national ones, not a province's (houses are the provinces' matter).
    national = {r["kind"]: r for r in api.get("tld", "/api/v1/rule-sets").json["rule_sets"]}
    assert "union_housing" not in national
    assert national["child_heart"]["id"] == heart["id"]
    assert {r["jurisdiction"]["code"] for r in national.values()} == {"tld"}


# --- the OpenAPI document -----------------------------------------------------------------------------------

def test_the_openapi_document_describes_the_administration(api):
    spec = api.client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    assert set(paths["/organisations"]) >= {"get", "post"}
    assert set(paths["/organisations/{id}"]) >= {"get", "patch"}
    assert set(paths["/users"]) >= {"get", "post"} and set(paths["/users/{id}"]) >= {"get", "patch"}
    assert "get" in paths["/rule-sets"]
    for path, method in [("/organisations", "post"), ("/organisations/{id}", "patch"), ("/users", "post"),
                         ("/users/{id}", "patch")]:
        assert {"401", "403", "422"} <= set(paths[path][method]["responses"]), (path, method)
        assert paths[path][method]["requestBody"]["required"] is True
    assert "404" in paths["/users/{id}"]["patch"]["responses"]
    schemas = spec["components"]["schemas"]
    for name in ("OrganisationDetail", "OrganisationCreate", "OrganisationChange", "User", "UserCreate",
                 "UserChange", "RuleSet"):
        assert name in schemas, name
    assert set(schemas["OrganisationCreate"]["required"]) == {"code", "name", "level", "parent_id"}
    created = paths["/users"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert "set_password_url" in created["allOf"][1]["properties"]
