"""Rule sets as data: added by the admin (screen) or the operator (CLI) with a start date; the set in force
on the submission date judges a dossier, and a later change never alters one already judged."""
import io
import json
import re
from datetime import date

import sqlalchemy as sa
from pypdf import PdfReader

from workflow.dossiers.models import RuleSet
from workflow.extensions import db


def admin_form(page):
    body = page.get("/admin/rule-sets/new?kind=child_heart").get_data(as_text=True)
    assert page.get("/admin/rule-sets/new?kind=child_heart").status_code == 200
    return body


def heart_fields(new_cap="70.000.000", cleft="15.000.000", max_age="16") -> dict:
    """The child-heart parameters as the admin's form posts them (admin/params_form.py)."""
    return {"p-max_age_years": max_age, "p-caps_vnd-congenital_heart": new_cap, "p-caps_vnd-cleft": cleft}


def test_admin_adds_a_rule_set_on_screen_and_it_applies_from_its_date(browser, api, today, app):
    page = browser("admin")
    body = admin_form(page)
    assert 'name="p-max_age_years" id="f-p-max_age_years" value="16"' in body  # prefilled with the rules in force
    province = re.search(r'<option value="(\d+)"[^>]*>Liên đoàn Lao động tỉnh Đồng Nai', body).group(1)

    bad = page.post("/admin/rule-sets/new", {"kind": "child_heart", "jurisdiction_id": province,
                                             "valid_from": "31/02/2018", "basis": "QĐ 12/QĐ-LĐLĐ",
                                             **heart_fields(new_cap="")})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Nhập ngày bắt đầu áp dụng" in text and "Thiếu giá trị." in text
    assert "QĐ 12/QĐ-LĐLĐ" in text and 'value="15.000.000"' in text  # typed text kept

    ok = page.post("/admin/rule-sets/new", {"kind": "child_heart", "jurisdiction_id": province,
                                            "valid_from": "01/02/2026", "action": "save",
                                            "basis": "Quyết định số 12/QĐ-LĐLĐ của LĐLĐ tỉnh Đồng Nai",
                                            **heart_fields()})
    assert ok.status_code == 302
    listing = page.get("/admin/rule-sets").get_data(as_text=True)
    assert "Quyết định số 12/QĐ-LĐLĐ" in listing and "từ 01/02/2026" in listing

    today(date(2026, 1, 31))
    old_rule = api.create(requested_amount_vnd=60_000_000, estimated_cost_vnd=90_000_000)
    assert "requested_amount_vnd" in api.fire("officer", old_rule, "submit").json["errors"]
    today(date(2026, 2, 1))
    new_rule = api.fire_ok("officer", old_rule, "submit")
    assert new_rule["rule_basis"] == "Quyết định số 12/QĐ-LĐLĐ của LĐLĐ tỉnh Đồng Nai"


def test_others_cannot_reach_the_admin_screens(browser, demo_data, today):
    for user in ("officer", "reviewer", "liaison", "tld"):
        assert browser(user).get("/admin/rule-sets").status_code == 404
        assert browser(user).post("/admin/rule-sets/new", {"kind": "child_heart"}).status_code == 404


def test_admin_cannot_set_rules_outside_their_federation(browser, app, demo_data, today):
    with app.app_context():
        from workflow.orgs.models import Organisation
        national = db.session.scalar(sa.select(Organisation.id).where(Organisation.code == "tld"))
    response = browser("admin").post("/admin/rule-sets/new", {
        "kind": "child_heart", "jurisdiction_id": str(national), "valid_from": "01/01/2019", "basis": "Thử nghiệm",
        "action": "save", **heart_fields(new_cap="1", cleft="1")})
    assert response.status_code == 422


def test_a_later_rule_set_never_alters_a_dossier_already_judged(api, app, today):
    judged, decider = api.at_decider(requested_amount_vnd=50_000_000)
    judged = api.fire_ok(decider, judged, "accept", granted_amount_vnd=50_000_000)
    decision_bytes = api.get("officer", judged["documents"][-1]["url"]).data
    result = app.test_cli_runner().invoke(args=[
        "add-rule-set", "--kind", "child_heart", "--jurisdiction", "ldld-dong-nai", "--from", "06/01/2026",
        "--basis", "Quy định mới của LĐLĐ tỉnh Đồng Nai", "--params",
        json.dumps({"max_age_years": 16, "caps_vnd": {"congenital_heart": 30_000_000, "cleft": 10_000_000}})])
    assert result.exit_code == 0, result.output
    today(date(2026, 1, 6))
    after = api.get("officer", f"/api/v1/dossiers/{judged['id']}").json
    assert after["rule_basis"].startswith("Quyết định số 378/QĐ-TLĐ")
    assert api.get("officer", judged["documents"][-1]["url"]).data == decision_bytes
    text = " ".join(PdfReader(io.BytesIO(decision_bytes)).pages[0].extract_text().split())
    assert "378/QĐ-TLĐ" in text  # the document shows the basis it was judged on
    fresh = api.create(requested_amount_vnd=50_000_000)
    errors = api.fire("officer", fresh, "submit").json["errors"]
    assert "30.000.000" in errors["requested_amount_vnd"][0]


def test_cli_refuses_bad_params(app, demo_data):
    result = app.test_cli_runner().invoke(args=[
        "add-rule-set", "--kind", "accident_aid", "--jurisdiction", "ldld-binh-phuoc", "--from", "2027-01-01",
        "--basis", "Kế hoạch Tết Đinh Mùi 2027", "--params", '{"occasions": {}}'])
    assert result.exit_code != 0 and "occasions" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSet)
                                 .where(RuleSet.valid_from == date(2027, 1, 1))) == 0


def _post(page, **changes):
    form = {"kind": "child_heart", "valid_from": "01/03/2026", "basis": "Quyết định số 15/QĐ-LĐLĐ", "action": "save",
            **heart_fields(new_cap="60.000.000", cleft="10.000.000")}
    form.update(changes)
    return page.post("/admin/rule-sets/new", form)


def test_admin_rule_set_refusals(browser, app, demo_data, today):
    with app.app_context():
        from workflow.orgs.models import Organisation
        ids = dict(db.session.execute(sa.select(Organisation.code, Organisation.id)).all())
    page = browser("admin")
    province, commune = str(ids["ldld-dong-nai"]), str(ids["cd-xa-phu-rieng"])
    cases = [
        ({"jurisdiction_id": commune}, "Chỉ Tổng Liên đoàn và Liên đoàn Lao động cấp tỉnh"),
        ({"jurisdiction_id": str(ids["ldld-binh-phuoc"])}, "Chọn một tổ chức thuộc phạm vi quản lý của bạn."),
        ({"jurisdiction_id": province, "valid_from": "04/01/2026"}, "không áp dụng hồi tố"),
        ({"jurisdiction_id": province, "basis": "x" * 301}, "tối đa 300 ký tự"),
        ({"jurisdiction_id": province, "p-caps_vnd-congenital_heart": "1" + "0" * 5000},
         "Phải là số nguyên, ví dụ 1.500.000."),
        ({"jurisdiction_id": province, "p-max_age_years": "1e400"}, "Phải là số nguyên."),
        ({"jurisdiction_id": province, "p-max_age_years": "19"}, "Không được lớn hơn 18."),
    ]
    for changes, message in cases:
        response = _post(page, **changes)
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True), message
    assert _post(page, jurisdiction_id=province).status_code == 302
    again = _post(page, jurisdiction_id=province)
    assert (again.status_code == 422
            and "Đã có bộ quy định của tổ chức này áp dụng từ ngày này" in again.get_data(as_text=True))
