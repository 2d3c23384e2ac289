"""union_housing and accident_aid at their boundaries, the one-aid-per-person-per-occasion rule, end to end."""
import io
from datetime import date

import pytest
from pypdf import PdfReader

PERSON = {"full_name": "Lê Thị Mai", "gender": "female", "birth_date": "1988-10-02", "citizen_id": "070188003456",
          "member_since": "2012-03-01", "workplace": "Công ty TNHH MTV Cao su Phú Riềng", "position": "Công nhân",
          "address": "Thôn Phú Thịnh, xã Phú Riềng"}


def housing(**changes):
    data = {**PERSON, "support_type": "new_build", "house_condition": "dilapidated",
            "house_address": "Thôn Phú Thịnh, xã Phú Riềng", "land_document": "Giấy chứng nhận QSDĐ số CH 01234",
            "land_undisputed": True, "estimated_cost_vnd": 230_000_000, "own_contribution_vnd": 200_000_000,
            "requested_amount_vnd": 30_000_000, "member_years": 13, "household_size": 4}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def aid(**changes):
    data = {**PERSON, "case_type": "labour_accident", "occurred_on": "2025-12-10",
            "description": "Bị máy cán mủ kẹp tay phải khi đang làm việc, phải điều trị dài ngày.",
            "capacity_loss_pct": 35, "occasion": "Tết Bính Ngọ 2026", "requested_amount_vnd": 1_300_000}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def in_2026(today):
    today(date(2026, 1, 10))


def submit_errors(api, kind, data, user="officer"):
    created = api.post(user, "/api/v1/dossiers", {"kind": kind, "data": data})
    assert created.status_code == 201, created.json
    response = api.fire(user, created.json, "submit")
    if response.status_code == 200:
        return {}
    assert response.status_code == 422, response.json
    return response.json["errors"]


@pytest.mark.parametrize("changes,field,ok", [
    ({"requested_amount_vnd": 30_000_000}, "requested_amount_vnd", True),
    ({"requested_amount_vnd": 30_000_001}, "requested_amount_vnd", False),  # the province's cap per house
    ({"support_type": "repair", "requested_amount_vnd": 30_000_001}, "requested_amount_vnd", False),
    ({"estimated_cost_vnd": 20_000_000, "requested_amount_vnd": 20_000_000, "own_contribution_vnd": 0},
     "requested_amount_vnd", True),
    ({"estimated_cost_vnd": 20_000_000, "requested_amount_vnd": 20_000_001, "own_contribution_vnd": 0},
     "requested_amount_vnd", False),
    ({"land_undisputed": False}, "land_undisputed", False),
    ({"land_undisputed": None}, "land_undisputed", False),
    ({"own_contribution_vnd": 230_000_001}, "own_contribution_vnd", False),
])
def test_housing_rules(api, in_2026, changes, field, ok):
    errors = submit_errors(api, "union_housing", housing(**changes))
    assert (field not in errors) is ok, errors


def test_housing_minimum_membership_where_the_province_sets_one(api, in_2026, ctx):
    import sqlalchemy as sa

    from workflow.dossiers.models import RuleSet
    from workflow.extensions import db
    from workflow.orgs.models import Organisation

    province = db.session.scalar(sa.select(Organisation.id).where(Organisation.code == "ldld-dong-nai"))
    db.session.add(RuleSet(kind="union_housing", jurisdiction_id=province, valid_from=date(2026, 1, 1),
                           basis="Quy chế Quỹ Mái ấm Công đoàn (thử nghiệm)",
                           params={"caps_vnd": {"new_build": 60_000_000, "repair": 30_000_000}, "min_member_years": 5}))
    db.session.commit()
    assert "member_years" in submit_errors(api, "union_housing", housing(member_years=4))
    assert submit_errors(api, "union_housing", housing(member_years=5, requested_amount_vnd=30_000_000)) == {}
    assert submit_errors(api, "union_housing", housing(member_years=5, requested_amount_vnd=60_000_000)) == {}


def test_housing_needs_a_rule_set_in_force(api, today):
    today(date(2021, 12, 31))  # the seeded cap applies from 01/01/2022
    assert "kind" in submit_errors(api, "union_housing", housing())


@pytest.mark.parametrize("changes,field,ok", [
    ({"occurred_on": "2026-01-10"}, "occurred_on", True),
    ({"occurred_on": "2026-01-11"}, "occurred_on", False),
    ({"requested_amount_vnd": 1_300_000}, "requested_amount_vnd", True),
    ({"requested_amount_vnd": 1_300_001}, "requested_amount_vnd", False),
    ({"occasion": "tết  bính ngọ 2026"}, "occasion", True),
    ({"occasion": "Tết Đinh Mùi 2027"}, "occasion", False),
])
def test_aid_rules(api, in_2026, changes, field, ok):
    errors = submit_errors(api, "accident_aid", aid(**changes))
    assert (field not in errors) is ok, errors


@pytest.mark.parametrize("pct,ok", [(0, True), (100, True), (101, False), (-1, False)])
def test_capacity_loss_is_a_percentage(api, pct, ok):
    response = api.post("officer", "/api/v1/dossiers", {"kind": "accident_aid", "data": aid(capacity_loss_pct=pct)})
    assert (response.status_code == 201) is ok


def test_one_aid_per_person_per_occasion_across_unions(api, in_2026):
    assert submit_errors(api, "accident_aid", aid()) == {}
    errors = submit_errors(api, "accident_aid", aid(full_name="Lê Thị Mai", occasion="TẾT BÍNH NGỌ 2026"),
                           user="officer3")
    message = errors["citizen_id"][0]
    assert "đã có hồ sơ hỗ trợ" in message
    assert "Cao su Phú Riềng" not in message and "Phú Riềng" not in message  # nothing of the other union
    # the same person on another occasion is fine once the province lists it
    assert submit_errors(api, "accident_aid", aid(citizen_id="070188009999"), user="officer3") == {}


def test_a_withdrawn_or_rejected_aid_frees_the_person(api, in_2026):
    first = api.post("officer", "/api/v1/dossiers", {"kind": "accident_aid", "data": aid()}).json
    first = api.fire_ok("officer", first, "submit")
    assert "citizen_id" in submit_errors(api, "accident_aid", aid(), user="officer2")
    api.fire_ok("officer", first, "withdraw", comment="Nộp nhầm công đoàn.")
    assert submit_errors(api, "accident_aid", aid(), user="officer2") == {}


def test_housing_end_to_end(api, in_2026):
    dossier = api.post("officer", "/api/v1/dossiers", {"kind": "union_housing", "data": housing()}).json
    dossier = api.fire_ok("officer", dossier, "submit")
    dossier = api.fire_ok("reviewer", dossier, "approve")
    batch = api.forwarded(dossier)
    text = pdf_text(api, "reviewer", batch["documents"][0]["url"])
    assert "Thôn Phú Thịnh" in text and "Nhà dột nát" in text and "230.000.000 đ" in text and "30.000.000 đ" in text
    dossier = api.fire_ok("liaison", api.get("liaison", f"/api/v1/dossiers/{dossier['id']}").json, "accept",
                          granted_amount_vnd=30_000_000)
    text = pdf_text(api, "officer", dossier["documents"][0]["url"])
    assert "nhà dột nát" in text and "xây mới" in text
    assert "tiếp tục áp dụng tại Liên đoàn Lao động tỉnh Đồng Nai" in text  # the basis in force
    decision = pdf_text(api, "officer", dossier["documents"][-1]["url"])
    assert "30.000.000 đồng (Bằng chữ: Ba mươi triệu đồng)" in decision
    assert "BAN THƯỜNG VỤ LIÊN ĐOÀN LAO ĐỘNG TỈNH ĐỒNG NAI" in decision


def test_aid_end_to_end(api, in_2026):
    """A Tết aid (1.300.000 đ) is within what the commune union decides itself."""
    dossier = api.post("officer3", "/api/v1/dossiers", {"kind": "accident_aid", "data": aid()}).json
    dossier = api.fire_ok("officer3", dossier, "submit")
    assert "Tết Bính Ngọ 2026" in pdf_text(api, "officer3", dossier["documents"][0]["url"])
    assert [(s["org"]["code"], s["role"]) for s in dossier["route"]] == [("cd-xa-bu-dang", "decide")]
    dossier = api.fire_ok("reviewer2", api.view("reviewer2", dossier), "reject",
                          comment="Đã nhận hỗ trợ từ Quỹ xã hội của doanh nghiệp.")
    assert dossier["state"] == "rejected"
    text = pdf_text(api, "officer3", dossier["documents"][-1]["url"])
    assert "CÔNG ĐOÀN XÃ BÙ ĐĂNG" in text and "Đã nhận hỗ trợ từ Quỹ xã hội của doanh nghiệp." in text


def test_a_larger_aid_goes_up_where_the_province_sets_a_lower_limit(api, app, in_2026):
    """A province's own route for aid (the commune decides up to 1.000.000 đ) wins over the Confederation's."""
    result = app.test_cli_runner().invoke(args=[
        "add-route", "--kind", "accident_aid", "--jurisdiction", "ldld-dong-nai", "--from", "2026-01-01",
        "--basis", "Quy định chi hỗ trợ của LĐLĐ tỉnh Đồng Nai (thử nghiệm)", "--steps",
        '[{"level": "upper_grassroots", "role": "review", "decides_up_to_vnd": 1000000},'
        ' {"level": "province", "role": "decide"}]'])
    assert result.exit_code == 0, result.output
    dossier = api.fire_ok("officer3", api.post("officer3", "/api/v1/dossiers", {"kind": "accident_aid",
                                                                               "data": aid()}).json, "submit")
    assert [(s["org"]["code"], s["role"]) for s in dossier["route"]] == [("cd-xa-bu-dang", "review"),
                                                                          ("ldld-dong-nai", "decide")]
    dossier = api.fire_ok("reviewer2", api.view("reviewer2", dossier), "approve")
    batch = api.forwarded(dossier, reviewer="reviewer2")
    text = pdf_text(api, "reviewer2", batch["documents"][0]["url"])
    assert "Tai nạn lao động" in text and "35%" in text and "CÔNG ĐOÀN XÃ BÙ ĐĂNG" in text
    assert api.view("liaison", dossier)["allowed_events"] == ["accept", "reject", "refer_back"]


def pdf_text(api, user, url):
    response = api.get(user, url)
    assert response.status_code == 200
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).split())


def test_housing_form_on_screen_keeps_input_and_names_errors(browser, api, in_2026):
    page = browser("officer")
    form = {"kind": "union_housing", "full_name": "Lê Thị Mai", "support_type": "new_build",
            "estimated_cost_vnd": "230.000.000", "requested_amount_vnd": "ba mươi triệu", "member_years": "-2",
            "land_undisputed": "on", "house_address": "Thôn Phú Thịnh"}
    response = page.post("/dossiers/new?kind=union_housing", form)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Phải là số nguyên, ví dụ 1.500.000." in body and "Phải lớn hơn hoặc bằng 0." in body
    assert ('value="ba mươi triệu"' in body and 'value="230.000.000"' in body
            and 'name="land_undisputed" id="f-land_undisputed" checked' in body)
    saved = page.post("/dossiers/new?kind=union_housing",
                      {**form, "requested_amount_vnd": "30.000.000", "member_years": "13"})
    assert saved.status_code == 302
    detail = page.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Xây mới" in detail and "230.000.000 đ" in detail


def test_two_unions_submitting_the_same_person_at_once_one_wins(api, app, in_2026):
    import threading

    first = api.post("officer", "/api/v1/dossiers", {"kind": "accident_aid", "data": aid()}).json
    second = api.post("officer3", "/api/v1/dossiers", {"kind": "accident_aid", "data": aid()}).json
    api.attach_required("officer", first["id"])
    api.attach_required("officer3", second["id"])
    headers = {"officer": api.headers("officer"), "officer3": api.headers("officer3")}
    results = []
    barrier = threading.Barrier(2)

    def submit(user, dossier):
        client = app.test_client()
        barrier.wait()
        results.append(client.post(f"/api/v1/dossiers/{dossier['id']}/transitions",
                                   json={"event": "submit", "version": dossier["version"]},
                                   headers=headers[user]).status_code)

    threads = [threading.Thread(target=submit, args=args) for args in (("officer", first), ("officer3", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 422]


def test_forms_show_the_limits_in_force(browser, in_2026):
    page = browser("officer")
    assert "Tết Bính Ngọ 2026 (tối đa 1.300.000 đ)" in page.get(
        "/dossiers/new?kind=accident_aid").get_data(as_text=True)
    assert "Tối đa 30.000.000 đ (xây mới)" in page.get("/dossiers/new?kind=union_housing").get_data(as_text=True)
    assert "Tối đa 50.000.000 đ (tim bẩm sinh)" in page.get("/dossiers/new?kind=child_heart").get_data(as_text=True)
    assert "A: tổng 80.000.000 đồng hoặc 120.000.000 đồng trong ba năm liên tục" in page.get(
        "/dossiers/new?kind=creative_labour").get_data(as_text=True)


def test_membership_years_cannot_exceed_the_time_since_joining(api, in_2026):
    errors = submit_errors(api, "union_housing", housing(member_since="2025-06-01", member_years=1))
    assert "member_years" in errors and "0 năm" in errors["member_years"][0]
    assert submit_errors(api, "union_housing", housing(member_since="2025-01-10", member_years=1)) == {}


def test_a_percentage_with_a_decimal_point_is_refused_on_screen(browser, in_2026):
    response = browser("officer").post("/dossiers/new?kind=accident_aid",
                                       {"full_name": "Lê Thị Mai", "capacity_loss_pct": "3.5"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'value="3.5"' in body and "Phải là số nguyên." in body
