"""What documents print, through the API: rule sets with their regulation as a "Căn cứ" line cites it and their
fund, routes with their citation; a unit's `record_approval` (a JSON boolean) and signing settings (the signing
authority one of AUTHORITIES); an account's `job_title`. Set by an admin of the subtree, refused 404 to another
federation's admin and 422 per field when invalid, each change audited before/after, every answer as the OpenAPI
document describes it."""
import pytest
import sqlalchemy as sa

from tests.admin.test_organisations_and_users import _other_federation
from tests.api.test_administration_api import ORGS, USERS, _actions, _audit_rows, _conforms, _org_id, _user_id
from workflow.auth.models import User
from workflow.extensions import db
from workflow.orgs.models import Organisation
from workflow.pdf.signature import AUTHORITIES

CITE_378 = {"type": "Quyết định", "number": "378/QĐ-TLĐ", "date": "2014-03-28",
            "issuer": "Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam",
            "subject": "ban hành Chương trình “Vì trái tim và nụ cười trẻ thơ”"}


# --- rule sets and routes ------------------------------------------------------------------------------------

def test_rule_sets_in_force_carry_their_citation_and_fund(api):
    found = {r["kind"]: r for r in api.get("officer", "/api/v1/rule-sets").json["rule_sets"]}
    for rule_set in found.values():
        _conforms(api.client, "RuleSet", rule_set)
        assert {"citation", "fund"} <= set(rule_set)
    assert found["child_heart"]["citation"] == CITE_378
    assert found["child_heart"]["fund"] == "Quỹ Bảo trợ trẻ em của Công đoàn Việt Nam"
    housing = found["union_housing"]
    assert housing["citation"]["type"] == "Quy chế" and housing["citation"].get("number") is None
    assert housing["fund"] == "Quỹ hỗ trợ xã hội Công đoàn tỉnh Đồng Nai"


def test_routes_in_force_carry_their_citation(api):
    found = {r["kind"]: r for r in api.get("officer", "/api/v1/routes").json["routes"]}
    for found_route in found.values():
        _conforms(api.client, "Route", found_route)
    assert found["child_heart"]["citation"] == CITE_378
    assert found["accident_aid"]["citation"] is None  # only its free-text basis is known


def test_a_rule_set_and_a_route_added_by_the_cli_are_read_back_with_their_citation(app, api):
    citation = ('{"type": "Quyết định", "number": "40/QĐ-LĐLĐ", "issuer": "Ban Thường vụ Liên đoàn Lao động tỉnh '
                'Đồng Nai", "subject": "ban hành mức hỗ trợ nhà năm 2026"}')
    runner = app.test_cli_runner()
    assert runner.invoke(args=[
        "add-rule-set", "--kind", "union_housing", "--jurisdiction", "ldld-dong-nai", "--from", "2026-01-05",
        "--basis", "Quyết định số 40/QĐ-LĐLĐ", "--params", '{"caps_vnd": {"new_build": 40000000, "repair": 20000000}}',
        "--citation", citation, "--fund", "Quỹ xã hội Công đoàn tỉnh Đồng Nai"]).exit_code == 0
    assert runner.invoke(args=[
        "add-route", "--kind", "union_housing", "--jurisdiction", "ldld-dong-nai", "--from", "2026-01-05",
        "--basis", "Quyết định số 40/QĐ-LĐLĐ", "--steps",
        '[{"level": "upper_grassroots", "role": "review"}, {"level": "province", "role": "decide"}]',
        "--citation", citation]).exit_code == 0
    housing = {r["kind"]: r for r in api.get("officer", "/api/v1/rule-sets").json["rule_sets"]}["union_housing"]
    _conforms(api.client, "RuleSet", housing)
    assert housing["citation"] == {"type": "Quyết định", "number": "40/QĐ-LĐLĐ", "date": None,
                                   "issuer": "Ban Thường vụ Liên đoàn Lao động tỉnh Đồng Nai",
                                   "subject": "ban hành mức hỗ trợ nhà năm 2026"}
    assert housing["fund"] == "Quỹ xã hội Công đoàn tỉnh Đồng Nai"
    housing_route = {r["kind"]: r for r in api.get("officer", "/api/v1/routes").json["routes"]}["union_housing"]
    _conforms(api.client, "Route", housing_route)
    assert housing_route["citation"] == housing["citation"]


# --- a unit's signing and review-record settings -------------------------------------------------------------

def test_an_admin_sets_record_approval_and_who_signs_with_an_audit_row(app, api):
    commune = _org_id(app, "cd-xa-bu-dang")
    detail = api.get("admin", f"{ORGS}/{commune}").json
    _conforms(api.client, "OrganisationDetail", detail)
    assert (detail["record_approval"], detail["signing_authority"]) == (False, "")

    changed = api.patch("admin", f"{ORGS}/{commune}", {
        "record_approval": True, "signing_authority": "KT.", "signer_title": "PHÓ CHỦ TỊCH",
        "signer_name": "Trần Văn Phó", "office_address": "Hội trường Công đoàn xã Bù Đăng"})
    assert changed.status_code == 200, changed.json
    _conforms(api.client, "OrganisationDetail", changed.json)
    assert (changed.json["record_approval"], changed.json["signing_authority"], changed.json["signer_name"]) == (
        True, "KT.", "Trần Văn Phó")
    assert api.get("admin", f"{ORGS}/{commune}").json == changed.json
    action, actor, before, after = _actions(app, "organisation", commune)[-1]
    assert (action, actor) == ("organisation.header", "admin")
    assert (before["record_approval"], after["record_approval"]) == (False, True)
    assert (before["signing_authority"], after["signing_authority"]) == ("", "KT.")

    # the flag alone, back off
    off = api.patch("admin", f"{ORGS}/{commune}", {"record_approval": False})
    assert off.status_code == 200 and off.json["record_approval"] is False
    assert _actions(app, "organisation", commune)[-1][3] == {"record_approval": False}

    founded = api.post("admin", ORGS, {"code": "cd-xa-phu-trung", "name": "Công đoàn xã Phú Trung",
                                       "level": "upper_grassroots", "parent_id": _org_id(app, "ldld-dong-nai"),
                                       "record_approval": True, "signing_authority": "Q.",
                                       "signer_name": "Lê Văn Quyền"})
    assert founded.status_code == 201, founded.json
    _conforms(api.client, "OrganisationDetail", founded.json)
    assert (founded.json["record_approval"], founded.json["signing_authority"]) == (True, "Q.")
    [(action, _, _, after)] = _actions(app, "organisation", founded.json["id"])
    assert action == "organisation.create" and after["record_approval"] is True


@pytest.mark.parametrize("body, field", [
    ({"record_approval": "true"}, "record_approval"),
    ({"record_approval": 1}, "record_approval"),
    ({"record_approval": None}, "record_approval"),
    ({"record_approval": "1"}, "record_approval"),  # the form's "1" is no boolean here
    ({"signing_authority": "KT"}, "signing_authority"),
    ({"signing_authority": True}, "signing_authority"),
    ({"signing_authority": "TL."}, "signer_title"),  # someone signing by order is named with their title
    ({"signer_name": "Phạm\x1bVăn"}, "signer_name"),
    ({"office_address": "x" * 201}, "office_address"),
])
def test_invalid_signing_settings_are_422_naming_the_field(app, api, body, field):
    commune = _org_id(app, "cd-xa-bu-dang")
    audited = _audit_rows(app)
    answer = api.patch("admin", f"{ORGS}/{commune}", body)
    assert answer.status_code == 422, answer.json
    _conforms(api.client, "Error", answer.json)
    assert field in answer.json["errors"], answer.json
    created = api.post("admin", ORGS, {"code": "cd-xa-moi", "name": "Công đoàn xã Mới", "level": "upper_grassroots",
                                       "parent_id": _org_id(app, "ldld-dong-nai"), **body})
    assert created.status_code == 422 and field in created.json["errors"], created.json
    with app.app_context():
        org = db.session.get(Organisation, commune)
        assert (org.record_approval, org.signing_authority) == (False, "")
    assert _org_id(app, "cd-xa-moi") is None
    assert _audit_rows(app) == audited


def test_another_federations_admin_cannot_change_our_signing_settings(app, api):
    _other_federation(app)
    audited = _audit_rows(app)
    for code in ("cd-xa-bu-dang", "ldld-dong-nai"):
        org = _org_id(app, code)
        for body in ({"record_approval": True}, {"signing_authority": "KT.", "signer_title": "PHÓ CHỦ TỊCH",
                                                  "signer_name": "Gián Điệp"}, {"record_approval": "x"}):
            assert api.patch("admin-ld", f"{ORGS}/{org}", body).status_code == 404, (code, body)
    with app.app_context():
        assert db.session.get(Organisation, _org_id(app, "cd-xa-bu-dang")).record_approval is False
        assert db.session.get(Organisation, _org_id(app, "ldld-dong-nai")).signer_name == "Phạm Văn Lực"
    assert _audit_rows(app) == audited


SEEDED_TITLE = "Ủy viên Ban Thường vụ"  # the demo reviewer's position (workflow/seed.py JOB_TITLES)


# --- an account's position -------------------------------------------------------------------------------------

def test_job_title_is_read_created_and_changed_with_an_audit_row(app, api):
    reviewer = _user_id(app, "reviewer")
    shown = api.get("admin", f"{USERS}/{reviewer}").json
    _conforms(api.client, "User", shown)
    assert shown["job_title"] == SEEDED_TITLE
    changed = api.patch("admin", f"{USERS}/{reviewer}", {"job_title": " Chuyên viên Ban Chính sách "})
    assert changed.status_code == 200, changed.json
    _conforms(api.client, "User", changed.json)
    assert changed.json["job_title"] == "Chuyên viên Ban Chính sách"
    listed = {u["username"]: u for u in api.get("admin", f"{USERS}?per_page=1000").json["users"]}
    assert listed["reviewer"]["job_title"] == "Chuyên viên Ban Chính sách"
    action, actor, before, after = _actions(app, "user", reviewer)[-1]
    assert (action, actor, before["job_title"], after["job_title"]) == (
        "user.update", "admin", SEEDED_TITLE, "Chuyên viên Ban Chính sách")
    # a change of something else keeps it; null clears it
    assert api.patch("admin", f"{USERS}/{reviewer}", {"full_name": "Đặng Minh Quân"}).json["job_title"] == (
        "Chuyên viên Ban Chính sách")
    assert api.patch("admin", f"{USERS}/{reviewer}", {"job_title": None}).json["job_title"] == ""

    created = api.post("admin", USERS, {"username": "tham.dinh", "full_name": "Lê Văn Thẩm", "role": "staff",
                                        "organisation_id": _org_id(app, "cd-xa-phu-rieng"),
                                        "job_title": "Phó Trưởng Ban Chính sách"})
    assert created.status_code == 201, created.json
    assert created.json["job_title"] == "Phó Trưởng Ban Chính sách"
    _conforms(api.client, "User", {k: v for k, v in created.json.items() if k != "set_password_url"})
    [(action, _, _, after)] = _actions(app, "user", created.json["id"])
    assert (action, after["job_title"]) == ("user.create", "Phó Trưởng Ban Chính sách")


@pytest.mark.parametrize("job_title, message", [
    ("C" * 101, "Nhập từ 1 đến 100 ký tự."),
    ("Chuyên viên\x1b", "Không được chứa ký tự điều khiển."),
    ("Chuyên\u0085viên", "Không được chứa ký tự điều khiển."),
    (5, "Phải là chuỗi ký tự."),
    (["Chuyên viên"], "Phải là chuỗi ký tự."),
])
def test_invalid_job_titles_are_422_naming_the_field(app, api, job_title, message):
    audited = _audit_rows(app)
    reviewer = _user_id(app, "reviewer")
    answer = api.patch("admin", f"{USERS}/{reviewer}", {"job_title": job_title})
    assert answer.status_code == 422
    _conforms(api.client, "Error", answer.json)
    assert answer.json["errors"] == {"job_title": [message]}
    created = api.post("admin", USERS, {"username": "tham.dinh", "full_name": "Lê Văn Thẩm", "role": "staff",
                                        "organisation_id": _org_id(app, "cd-xa-phu-rieng"), "job_title": job_title})
    assert created.status_code == 422 and created.json["errors"] == {"job_title": [message]}
    with app.app_context():
        assert db.session.get(User, reviewer).job_title == SEEDED_TITLE
    assert _user_id(app, "tham.dinh") is None
    assert _audit_rows(app) == audited


def test_another_federations_admin_cannot_change_our_job_titles(app, api):
    _other_federation(app)
    audited = _audit_rows(app)
    reviewer = _user_id(app, "reviewer")
    assert api.get("admin-ld", f"{USERS}/{reviewer}").status_code == 404
    assert api.patch("admin-ld", f"{USERS}/{reviewer}", {"job_title": "Bị sửa"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(User.job_title).where(User.id == reviewer)) == SEEDED_TITLE
    assert _audit_rows(app) == audited


# --- the OpenAPI document -------------------------------------------------------------------------------------

def test_the_openapi_document_describes_the_document_data(api):
    schemas = api.client.get("/api/v1/openapi.json").json["components"]["schemas"]
    citation = schemas["Citation"]
    assert set(citation["properties"]) == {"type", "number", "date", "issuer", "subject"}
    assert set(citation["required"]) == {"type", "issuer", "subject"} and citation["additionalProperties"] is False
    for name in ("RuleSet", "Route"):
        assert "citation" in schemas[name]["required"], name
        assert {"$ref": "#/components/schemas/Citation"} in schemas[name]["properties"]["citation"]["oneOf"]
    assert "fund" in schemas["RuleSet"]["required"]
    assert schemas["RuleSet"]["properties"]["fund"]["type"] == ["string", "null"]
    detail = schemas["OrganisationDetail"]["allOf"][1]
    assert {"record_approval", "signing_authority"} <= set(detail["required"])
    for properties in (detail["properties"], schemas["OrganisationCreate"]["properties"],
                       schemas["OrganisationChange"]["properties"]):
        assert properties["record_approval"]["type"] == "boolean"
        assert properties["signing_authority"]["enum"] == list(AUTHORITIES)
    assert "job_title" in schemas["User"]["required"]
    for name in ("UserCreate", "UserChange"):
        assert schemas[name]["properties"]["job_title"]["maxLength"] == 100, name
