"""Bad input gets a clear 4xx, never a 5xx (issue 13): the input layer (workflow/inputs.py) for the pages, the API and
the admin forms alike, the spreadsheet export of rows already stored with control characters, and rule sets' bounds.
Each test reproduced its defect first (the NUL ones on PostgreSQL: TEST_DATABASE_URL)."""
from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.admin.test_rule_set_and_route_forms import error_beside, housing, typed
from workflow.dossiers.models import Dossier, DossierEvent, RuleSet
from workflow.extensions import db

HUGE = 2**64  # beyond any database integer
BEYOND_ID = 2**31  # beyond what an id column holds on PostgreSQL (integer: MAX_ID is 2**31 - 1)
NUL_MESSAGE = "Yêu cầu chứa ký tự NUL (mã 0), không phải văn bản; không có thay đổi nào được lưu."


def _state(app, dossier_id):
    with app.app_context():
        return db.session.get(Dossier, dossier_id).state


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- the spreadsheet export ------------------------------------------------------------------------------------

def _stored_with_a_bell(app, dossier_id, name="Nguyễn\x07 Văn\x1b Ánh\x0b"):
    """Write the name as an older database holds it (accepted before control characters were refused)."""
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        dossier.data = {**dossier.data, "full_name": name}
        events = DossierEvent.__table__  # append-only for the application; an older version wrote it so
        for event_id, snapshot in db.session.execute(sa.select(events.c.id, events.c.data_snapshot).where(
                events.c.dossier_id == dossier_id, events.c.data_snapshot.is_not(None))):
            if snapshot:
                db.session.execute(events.update().where(events.c.id == event_id).values(
                    data_snapshot={**snapshot, "full_name": name}))
        db.session.commit()


def test_the_xlsx_export_holds_a_name_stored_with_control_characters(app, api, browser):
    """It answered 500 (openpyxl's IllegalCharacterError) for the union, the district and the province, for good."""
    dossier = api.approved()
    api.forwarded(dossier)
    _stored_with_a_bell(app, dossier["id"])
    for user in ("officer", "reviewer", "liaison"):
        response = browser(user).get("/dossiers/export.xlsx")
        assert response.status_code == 200, user
        sheet = load_workbook(io.BytesIO(response.data)).active
        names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == dossier["id"]]
        assert names == ["Nguyễn Thị Bảo Ngọc (con của Nguyễn Văn Ánh)"], (user, names)
        assert browser(user).get("/dossiers/export.csv").status_code == 200


def test_a_name_with_a_control_character_is_no_longer_accepted(app, api, browser):
    from tests.conftest import valid_child_heart

    refused = api.post("officer", "/api/v1/dossiers", {"kind": "child_heart",
                                                       "data": valid_child_heart(full_name="Nguyễn\x07 Văn Ánh")})
    assert refused.status_code == 422 and "data.full_name" in refused.json["errors"], refused.json
    # On the page the bell is invisible: it is removed, what was seen is kept.
    page = browser("officer")
    form = {"kind": "child_heart", "full_name": "Trần\x07 Thị Bình", "citizen_id": "070085000777"}
    created = page.post("/dossiers/new", form)
    assert created.status_code in (302, 303), _text(created)[:2000]
    with app.app_context():
        names = [d.data.get("full_name") for d in db.session.scalars(sa.select(Dossier))
                 if d.data.get("citizen_id") == "070085000777"]
    assert names == ["Trần Thị Bình"]


# --- integers beyond a database integer ------------------------------------------------------------------------

@pytest.mark.parametrize("user", ["officer", "reviewer", "liaison", "admin"])
def test_huge_numbers_in_the_query_string_are_unreadable_not_an_overflow(browser, user):
    page = browser(user)
    for url in ("/dossiers", "/notifications", "/batches", "/signing", "/", "/dossiers/export.csv",
                "/dossiers/export.xlsx", "/campaigns"):
        for arg in ("page", "union", "campaign", "per_page", "organisation_id"):
            for value in (HUGE, -HUGE, "9" * 5000):
                response = page.client.get(url, query_string={arg: value})
                assert response.status_code < 500, (url, arg, value, response.status_code)
    assert page.get(f"/dossiers/{HUGE}").status_code == 404
    if user == "admin":
        for url in ("/admin/users", "/admin/organisations", "/admin/campaigns", "/admin/rule-sets"):
            assert page.client.get(url, query_string={"page": HUGE, "organisation_id": HUGE}).status_code == 200


def test_an_id_beyond_a_postgresql_integer_is_no_rows(app, api, browser):
    """PostgreSQL: 'integer out of range' (500) for an id between 2**31 and 2**63, on every page and operation that
    looks one up (found by the fuzz test: /dossiers/10191859643, /signing-requests/20377104505722)."""
    dossier = api.create()
    for user in ("officer", "reviewer", "admin"):
        for url in (f"/api/v1/dossiers/{BEYOND_ID}", f"/api/v1/dossiers/{BEYOND_ID}/documents",
                    f"/api/v1/signing-requests/{BEYOND_ID}", f"/api/v1/batches/{BEYOND_ID}",
                    f"/api/v1/documents/{BEYOND_ID}", f"/api/v1/attachments/{BEYOND_ID}",
                    f"/api/v1/organisations/{BEYOND_ID}", f"/api/v1/users/{BEYOND_ID}"):
            assert api.get(user, url).status_code == 404, (user, url)
        for url in (f"/api/v1/users?organisation_id={BEYOND_ID}", f"/api/v1/dossiers?union={BEYOND_ID}",
                    f"/api/v1/dossiers?campaign={BEYOND_ID}"):
            assert api.get(user, url).status_code < 500, (user, url)
    page = browser("reviewer")
    assert page.get(f"/dossiers/{BEYOND_ID}").status_code == 404
    assert page.get(f"/dossiers?union={BEYOND_ID}&campaign={BEYOND_ID}&page={BEYOND_ID}").status_code == 200
    assert browser("admin").get(f"/admin/users?organisation_id={BEYOND_ID}").status_code == 200
    for body in ({"kind": "child_heart", "data": {}, "campaign_id": BEYOND_ID},):
        assert api.post("officer", "/api/v1/dossiers", body).status_code == 422
    assert api.post("officer", f"/api/v1/dossiers/{dossier['id']}/transitions",
                    {"event": "submit", "version": BEYOND_ID}).status_code in (409, 422)
    assert api.post("reviewer", "/api/v1/batches", {"dossier_ids": [BEYOND_ID]}).status_code in (404, 422)
    assert api.post("admin", "/api/v1/users", {"username": "nguoi.moi", "full_name": "Người Mới", "role": "staff",
                                               "organisation_id": BEYOND_ID}).status_code == 422
    officer = browser("officer")
    assert officer.post(f"/dossiers/{dossier['id']}/campaign", {"campaign_id": str(BEYOND_ID)}).status_code < 500
    assert officer.post(f"/dossiers/{dossier['id']}/edit", {"version": str(BEYOND_ID)}).status_code < 500
    assert _state(app, dossier["id"]) == "draft"


@pytest.mark.parametrize("url, field", [("/admin/rule-sets/new", "jurisdiction_id"),
                                        ("/admin/routes/new", "jurisdiction_id"),
                                        ("/admin/campaigns/new", "issuer_id")])
def test_an_organisation_beyond_a_postgresql_integer_in_an_admin_form(app, browser, orgs, url, field):
    """PostgreSQL: 'integer out of range' (500) for a jurisdiction or an issuer of 2**31 typed into the form."""
    from tests.admin.test_rule_set_and_route_forms import route

    form = {"/admin/rule-sets/new": housing(orgs, action="save"), "/admin/routes/new": route(orgs, action="save"),
            "/admin/campaigns/new": {"title": "Kế hoạch năm 2026", "plan_number": "5/KH-LĐLĐ",
                                     "plan_date": "01/01/2026", "phases-0-name": "Đợt I",
                                     "phases-0-starts_on": "01/02/2026", "phases-0-ends_on": "31/03/2026"}}[url]
    before = _count(app, RuleSet)
    response = browser("admin").post(url, {**form, field: str(BEYOND_ID)})
    assert response.status_code == 422
    assert _count(app, RuleSet) == before


def test_huge_numbers_in_the_api_query_string(api):
    for user in ("officer", "reviewer", "admin"):
        for url in ("/api/v1/dossiers", "/api/v1/batches", "/api/v1/users", "/api/v1/organisations"):
            response = api.client.get(url, query_string={"page": HUGE, "per_page": HUGE, "union": HUGE,
                                                         "campaign": HUGE, "organisation_id": HUGE},
                                      headers=api.headers(user))
            assert response.status_code < 500 and response.status_code != 401, (user, url, response.status_code)


def test_huge_numbers_in_forms_change_nothing(app, api, browser):
    dossier = api.create()
    officer = browser("officer")
    for url, form in ((f"/dossiers/{dossier['id']}/campaign", {"campaign_id": str(HUGE)}),
                      (f"/dossiers/{dossier['id']}/edit", {"version": str(HUGE), "hospital": "Bệnh viện Chợ Rẫy"}),
                      (f"/dossiers/{dossier['id']}/events/submit", {"version": str(HUGE), "confirm": "1"})):
        response = officer.post(url, form)
        assert response.status_code < 500, (url, response.status_code)
    assert _state(app, dossier["id"]) == "draft"
    approved = api.approved()
    response = browser("reviewer").post("/batches", {"dossier_id": [str(HUGE)], f"version-{HUGE}": "1", "confirm": "1"})
    assert response.status_code < 500
    assert _state(app, approved["id"]) == "approved"


@pytest.mark.parametrize("url, body, field", [
    ("/api/v1/dossiers", {"kind": "child_heart", "data": {}, "campaign_id": HUGE}, "campaign_id"),
    ("/api/v1/dossiers", {"kind": "child_heart", "data": {"estimated_cost_vnd": -HUGE}}, "estimated_cost_vnd"),
    ("/api/v1/dossiers", '{"kind": "child_heart", "data": {"estimated_cost_vnd": %s}}' % ("9" * 40),
     "estimated_cost_vnd"),
    ("/api/v1/dossiers", '{"kind": "child_heart", "data": {"estimated_cost_vnd": %s}}' % ("9" * 5000),
     "body"),  # beyond what Python reads as a number: no JSON
    ("/api/v1/dossiers/{id}/transitions", {"event": "submit", "version": HUGE}, None),
])
def test_huge_numbers_in_json_are_judged_where_they_are_used(app, api, url, body, field):
    """An id beyond a database integer is no row's, an amount has its bounds, a version is stale: each a 4xx."""
    dossier = api.create()
    count = _count(app, Dossier)
    if isinstance(body, str):  # more digits than Python's json.dumps writes
        response = api.client.post(url, data=body,
                                   headers={**api.headers("officer"), "Content-Type": "application/json"})
    else:
        response = api.post("officer", url.format(id=dossier["id"]), body)
    assert response.status_code in (409, 422), response.json
    assert field is None or field in response.json["errors"], response.json
    assert _count(app, Dossier) == count and _state(app, dossier["id"]) == "draft"


def test_huge_ids_in_a_batch_and_in_the_administration_api(app, api):
    approved = api.approved()
    for body in ({"dossier_ids": [HUGE]}, {"dossier_ids": [approved["id"]], "versions": {str(approved["id"]): HUGE}},
                 {"dossier_ids": [approved["id"]], "versions": {str(approved["id"]): "9" * 5000}}):
        assert 400 <= api.post("reviewer", "/api/v1/batches", body).status_code < 500, body
    assert _state(app, approved["id"]) == "approved"
    for url, body in (("/api/v1/users", {"username": "nguoi.moi", "full_name": "Người Mới", "role": "staff",
                                         "organisation_id": HUGE}),
                      ("/api/v1/organisations", {"code": "cd-moi", "name": "Công đoàn Mới", "level": "grassroots",
                                                 "parent_id": HUGE})):
        assert api.post("admin", url, body).status_code == 422


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- NUL --------------------------------------------------------------------------------------------------------

def test_a_nul_in_the_login_is_a_clear_400(client):
    """PostgreSQL: 'text fields cannot contain NUL' as a 500, on the login page and on /api/v1/tokens."""
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', _text(client.get("/login"))).group(1)
    response = client.post("/login", data={"username": "officer\x00", "password": "demo", "csrf_token": token})
    assert response.status_code == 400 and NUL_MESSAGE in _text(response)
    assert 'lang="vi"' in _text(response)
    answer = client.post("/api/v1/tokens", json={"username": "officer\x00", "password": "demo"})
    assert answer.status_code == 422 and answer.json["errors"] == {"username": ["Không được chứa ký tự điều khiển."]}


@pytest.mark.parametrize("url", ["/dossiers?q=tran%00", "/dossiers/export.xlsx?q=%00", "/dossiers?state=%00",
                                 "/verify?code=%00", "/admin/users?q=%00", "/admin/organisations?q=a%00"])
def test_a_nul_in_a_page_address_is_a_clear_400(browser, url):
    response = browser("admin" if "admin" in url else "reviewer").get(url)
    assert response.status_code == 400 and NUL_MESSAGE in _text(response)


def test_a_nul_in_a_path_matches_nothing(app, api, browser):
    dossier = api.create()
    officer = browser("officer")
    for url in ("/verify/abc%00def", "/set-password/a%00b", "/dossiers/1%00", "/api/v1/dossiers/1%00"):
        assert officer.client.get(url).status_code == 404, url
    assert 400 <= officer.post(f"/dossiers/{dossier['id']}/events/sub%00mit", {"confirm": "1"}).status_code < 500
    assert _state(app, dossier["id"]) == "draft"


@pytest.mark.parametrize("url", ["/api/v1/dossiers?q=%00", "/api/v1/organisations?level=%00",
                                 "/api/v1/users?q=a%00b"])
def test_a_nul_in_an_api_address_is_a_json_400(api, url):
    response = api.client.get(url, headers=api.headers("admin"))
    assert response.status_code == 400 and response.json == {"error": NUL_MESSAGE}


def test_a_nul_in_a_form_changes_nothing(app, api, browser):
    dossier = api.submitted()
    reviewer = browser("reviewer")
    response = reviewer.post(f"/dossiers/{dossier['id']}/events/return",
                             {"version": dossier["version"], "comment": "Thiếu\x00 giấy", "confirm": "1"})
    assert response.status_code == 400 and NUL_MESSAGE in _text(response)
    assert _state(app, dossier["id"]) == "submitted"


@pytest.mark.parametrize("part", [b'Content-Disposition: form-data\r\n\r\nx',  # a part without a name (the fuzz)
                                  b'Content-Disposition: form-data; name="attachment_type"\r\n\r\nx\x00y'])
def test_an_odd_multipart_body_is_a_4xx(app, api, part):
    dossier = api.create()
    body = b"--b\r\n" + part + b"\r\n--b--\r\n"
    response = api.client.post(f"/api/v1/dossiers/{dossier['id']}/attachments", data=body,
                               headers={**api.headers("officer"), "Content-Type": "multipart/form-data; boundary=b"})
    assert 400 <= response.status_code < 500, response.status_code


def test_a_nul_in_json_is_refused_naming_the_member(app, api):
    dossier = api.submitted()
    response = api.post("reviewer", f"/api/v1/dossiers/{dossier['id']}/transitions",
                        {"event": "return", "version": dossier["version"], "comment": "Thiếu\x00 giấy"})
    assert response.status_code == 422 and response.json["errors"] == {"comment": ["Không được chứa ký tự điều khiển."]}
    response = api.post("officer", "/api/v1/dossiers", {"kind": "child_heart", "data": {"ho\x00ten": "x"}})
    assert response.status_code == 422 and list(response.json["errors"]) == ["data.ho?ten"]
    assert _state(app, dossier["id"]) == "submitted"


# --- other control characters -------------------------------------------------------------------------------------

def test_control_characters_are_removed_from_forms_and_refused_in_json(app, api, browser):
    """A return's reason is printed in the notice: a bell or an escape was kept and printed."""
    first, second = api.submitted(), api.submitted(citizen_id="070085000777")
    reviewer = browser("reviewer")
    response = reviewer.post(f"/dossiers/{first['id']}/events/return",
                             {"version": first["version"], "comment": "Thiếu\x07 giấy\x0bchỉ định.", "confirm": "1"})
    assert response.status_code in (302, 303), _text(response)[:3000]
    with app.app_context():
        comments = list(db.session.scalars(sa.select(DossierEvent.comment).where(
            DossierEvent.dossier_id == first["id"], DossierEvent.event == "return")))
    assert comments == ["Thiếu giấy chỉ định."]
    answer = api.post("reviewer", f"/api/v1/dossiers/{second['id']}/transitions",
                      {"event": "return", "version": second["version"], "comment": "Thiếu\x1b[31m giấy"})
    assert answer.status_code == 422 and answer.json["errors"] == {"comment": ["Không được chứa ký tự điều khiển."]}
    assert _state(app, second["id"]) == "submitted"
    # searching with one: the invisible character is no part of the search
    assert reviewer.get("/dossiers?q=ngu%1byen").status_code == 200


def test_an_escape_typed_in_a_name_is_removed_on_the_page_and_refused_by_the_api(app, api, browser):
    with app.app_context():
        from workflow.orgs.models import Organisation

        commune = db.session.scalar(sa.select(Organisation.id).where(Organisation.code == "cd-xa-phu-rieng"))
    refused = api.patch("admin", f"/api/v1/organisations/{commune}", {"name": "Công đoàn\x1bxã", "on": "2026-01-02"})
    assert refused.status_code == 422 and refused.json["errors"] == {"name": ["Không được chứa ký tự điều khiển."]}
    renamed = browser("admin").post(f"/admin/organisations/{commune}/rename",
                                    {"name": "Công đoàn\x1b xã Phú Riềng\x0bmới", "on": "02/01/2026"})
    assert renamed.status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, commune).name == "Công đoàn xã Phú Riềng mới"


# --- JSON depth and size -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000,
                                  '{"kind": "child_heart", "data": ' + '{"a": ' * 5000 + "1" + "}" * 5001,
                                  '{"kind": "child_heart", "data": {"x": ' + "[" * 40 + "]" * 40 + "}}"])
def test_deeply_nested_json_is_a_clear_400(app, api, body):
    """RecursionError (500) past Python's recursion limit; anything deeper than 32 levels is refused."""
    count = _count(app, Dossier)
    response = api.client.post("/api/v1/dossiers", data=body,
                               headers={**api.headers("officer"), "Content-Type": "application/json"})
    assert response.status_code == 400, response.status_code
    assert response.json == {"error": "Dữ liệu JSON lồng nhau quá sâu (tối đa 32 cấp)."}
    assert _count(app, Dossier) == count


def test_nesting_within_the_bound_is_judged_by_the_operation(api):
    body = {"kind": "child_heart", "data": {"hospital": json.loads("[" * 28 + "]" * 28)}}
    response = api.post("officer", "/api/v1/dossiers", body)
    assert response.status_code == 422 and "hospital" in response.json["errors"]


def test_deeply_nested_json_to_the_rule_set_form_is_a_clear_400(app, browser):
    admin = browser("admin")
    before = _count(app, RuleSet)
    response = admin.client.post("/admin/rule-sets/new", data='{"kind": ' + "[" * 50_000 + "]" * 50_000 + "}",
                                 headers={"Content-Type": "application/json", "X-CSRFToken": admin.csrf})
    assert response.status_code == 400 and "lồng nhau quá sâu" in _text(response)
    assert _count(app, RuleSet) == before


def test_json_beyond_the_size_bound_is_413(api):
    body = json.dumps({"kind": "child_heart", "data": {"hospital": "a" * (1024 * 1024)}})
    response = api.client.post("/api/v1/dossiers", data=body,
                               headers={**api.headers("officer"), "Content-Type": "application/json"})
    assert response.status_code == 413 and response.json == {"error": "Dữ liệu JSON vượt quá 1024 KB."}


@pytest.mark.parametrize("body", ['{"kind": "child_heart", "data": {"estimated_cost_vnd": NaN}}',
                                  '{"kind": "child_heart", "data": {"estimated_cost_vnd": Infinity}}',
                                  '{"kind": "child_heart", "data": {"estimated_cost_vnd": 1e999}}'])
def test_numbers_that_are_no_value_are_refused(api, body):
    response = api.client.post("/api/v1/dossiers", data=body,
                               headers={**api.headers("officer"), "Content-Type": "application/json"})
    assert response.status_code == 422, response.json
    if "1e999" in body:
        assert response.json["errors"] == {"data.estimated_cost_vnd": ["Phải là một số hữu hạn."]}


# --- rule sets ----------------------------------------------------------------------------------------------------

@pytest.fixture
def orgs(app, demo_data):
    with app.app_context():
        from workflow.orgs.models import Organisation

        return {code: str(id_) for code, id_ in db.session.execute(sa.select(Organisation.code, Organisation.id))}


@pytest.mark.parametrize("field, value, message", [
    ("p-caps_vnd-new_build", "-40.000.000", "Số tiền không được âm."),
    ("p-caps_vnd-new_build", "999.999.999.999.999", "Không được lớn hơn 10.000.000.000.000."),
    ("p-caps_vnd-repair", "10.000.000.000.001", "Không được lớn hơn 10.000.000.000.000."),
    ("p-min_member_years", "-3", "Không được âm."),
    ("p-min_member_years", "999999999", "Không được lớn hơn 60."),
])
def test_rule_sets_refuse_negative_or_absurd_caps_beside_the_field(app, browser, orgs, field, value, message):
    before = _count(app, RuleSet)
    response = browser("admin").post("/admin/rule-sets/new", housing(orgs, **{field: value}, action="save"))
    assert response.status_code == 422
    text = _text(response)
    assert error_beside(text, field) == message
    assert typed(text, field) == value  # kept as typed
    assert _count(app, RuleSet) == before


@pytest.mark.parametrize("kind, params", [
    ("union_housing", {"caps_vnd": {"new_build": 10**14, "repair": 1}}),
    ("union_housing", {"caps_vnd": {"new_build": 1, "repair": 1}, "min_member_years": 10**9}),
    ("child_heart", {"max_age_years": 16, "caps_vnd": {"congenital_heart": 2**70, "cleft": 1}}),
    ("child_heart", {"max_age_years": 16, "caps_vnd": {"congenital_heart": -1, "cleft": 1}}),
    ("creative_labour", {"categories": {c: {"total_vnd": 10**15} for c in "ABC"}}),
    ("accident_aid", {"occasions": {"Tết\x07 2027": 1_000_000}}),
    ("accident_aid", {"occasions": {"T" * 101: 1_000_000}}),
    ("accident_aid", {"occasions": {" ": 1_000_000}}),
    ("accident_aid", {"occasions": {f"Dịp {i}": 1_000_000 for i in range(101)}}),
])
def test_the_operation_refuses_absurd_parameters_from_the_cli_too(app, kind, params):
    before = _count(app, RuleSet)
    result = app.test_cli_runner().invoke(args=[
        "add-rule-set", "--kind", kind, "--jurisdiction", "ldld-dong-nai", "--from", "2026-02-01",
        "--basis", "Quyết định số 20/QĐ-LĐLĐ", "--params", json.dumps(params)])
    assert result.exit_code != 0 and "params" in result.output, result.output
    assert _count(app, RuleSet) == before


def test_deep_json_given_to_the_cli_is_refused(app):
    result = app.test_cli_runner().invoke(args=[
        "add-rule-set", "--kind", "union_housing", "--jurisdiction", "ldld-dong-nai", "--from", "2026-02-01",
        "--basis", "Quyết định số 20/QĐ-LĐLĐ", "--params", "[" * 100_000 + "]" * 100_000])
    assert result.exit_code != 0 and "--params" in result.output, result.output
    assert not isinstance(result.exception, RecursionError)

