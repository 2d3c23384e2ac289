"""The child_heart rules at their boundaries (QĐ 378/QĐ-TLĐ 2014), judged on the submission date."""
from datetime import date

import pytest

from workflow.dossiers.kinds.base import add_years
from workflow.dossiers.kinds.child_heart import ChildHeart, age_limit_reached

from ..conftest import valid_child_heart

SUBMISSION = date(2018, 1, 5)


@pytest.mark.parametrize("born,on,reached", [
    (date(2002, 1, 6), date(2018, 1, 5), False),   # the day before the 16th birthday
    (date(2002, 1, 5), date(2018, 1, 5), True),    # the 16th birthday itself is too late
    (date(2002, 1, 4), date(2018, 1, 5), True),
    (date(2004, 2, 29), date(2020, 2, 28), False),  # leap-day child, leap 16th year: birthday is 29/02
    (date(2004, 2, 29), date(2020, 2, 29), True),
    (date(2000, 2, 29), date(2016, 2, 29), True),
    (date(2008, 2, 29), date(2024, 2, 28), False),
    (date(2001, 2, 28), date(2017, 2, 28), True),
    (date(2000, 2, 29), date(2016, 2, 28), False),
])
def test_age_limit(born, on, reached):
    assert age_limit_reached(born, on, 16) is reached


def test_leap_day_birth_turns_16_on_1_march_when_the_16th_year_is_common():
    # 16 years after a leap year is a leap year, except across a century: 2100 is a common year.
    assert add_years(date(2084, 2, 29), 16) == date(2100, 3, 1)
    assert age_limit_reached(date(2084, 2, 29), date(2100, 2, 28), 16) is False
    assert age_limit_reached(date(2084, 2, 29), date(2100, 3, 1), 16) is True


def submit_errors(api, today, on=SUBMISSION, **changes):
    today(on)
    dossier = api.create(**changes)
    response = api.fire("officer", dossier, "submit")
    if response.status_code == 200:
        return {}
    assert response.status_code == 422, response.json
    state = api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json
    assert state["state"] == "draft" and state["documents"] == []  # a refused submit changes nothing
    return response.json["errors"]


@pytest.mark.parametrize("birth,ok", [
    ("2002-01-06", True),   # 16 tomorrow
    ("2002-01-05", False),  # 16 today
    ("2018-01-05", True),   # born today
    ("2018-01-06", False),  # born tomorrow
])
def test_child_age_on_submission_date(api, today, birth, ok):
    errors = submit_errors(api, today, child_birth_date=birth, surgery_indicated_on="2018-01-05")
    assert ("child_birth_date" not in errors) is ok
    if not ok:
        assert errors["child_birth_date"][0].startswith("Trẻ") or "Ngày sinh" in errors["child_birth_date"][0]


def test_leap_day_child_through_the_api(api, today):
    # born 29/02/2000: the 16th birthday falls on 29/02/2016 (a leap year) -> refused from that day
    assert "child_birth_date" not in submit_errors(api, today, on=date(2016, 2, 28), child_birth_date="2000-02-29",
                                                   surgery_indicated_on="2016-01-02", member_since="2008-05-01")
    assert "child_birth_date" in submit_errors(api, today, on=date(2016, 2, 29), child_birth_date="2000-02-29",
                                               surgery_indicated_on="2016-01-02")


@pytest.mark.parametrize("group,amount,special,ok", [
    ("congenital_heart", 49_999_999, False, True),
    ("congenital_heart", 50_000_000, False, True),
    ("congenital_heart", 50_000_001, False, False),
    ("congenital_heart", 50_000_001, True, True),
    ("cleft_lip", 10_000_000, False, True),
    ("cleft_lip", 10_000_001, False, False),
    ("cleft_palate", 10_000_001, False, False),
    ("cleft_lip_palate", 10_000_001, False, False),
    ("cleft_lip_palate", 9_999_999, False, True),
    ("cleft_lip_palate", 30_000_000, True, True),
])
def test_caps(api, today, group, amount, special, ok):
    errors = submit_errors(api, today, diagnosis_group=group, requested_amount_vnd=amount,
                           estimated_cost_vnd=90_000_000, special_case=special)
    assert ("requested_amount_vnd" not in errors) is ok, errors
    if not ok:
        assert "tối đa" in errors["requested_amount_vnd"][0]


def test_at_least_one_hardship_criterion(api, today):
    assert submit_errors(api, today, hardship_criteria=[])["hardship_criteria"] == [
        "Chọn ít nhất một hoàn cảnh theo QĐ 378/QĐ-TLĐ."]


def test_request_cannot_exceed_the_cost(api, today):
    assert "requested_amount_vnd" in submit_errors(api, today, estimated_cost_vnd=40_000_000,
                                                   requested_amount_vnd=40_000_001)
    assert "requested_amount_vnd" not in submit_errors(api, today, estimated_cost_vnd=40_000_000,
                                                       requested_amount_vnd=40_000_000)


def test_surgery_indication_not_after_submission(api, today):
    assert "surgery_indicated_on" in submit_errors(api, today, surgery_indicated_on="2018-01-06")
    assert "surgery_indicated_on" not in submit_errors(api, today, surgery_indicated_on="2018-01-05")


def test_missing_fields_are_named_at_submit_but_a_draft_may_be_incomplete(api, today):
    dossier = api.post("officer", "/api/v1/dossiers", {"kind": "child_heart", "data": {"full_name": "Lò Văn Páo"}})
    assert dossier.status_code == 201
    response = api.fire("officer", dossier.json, "submit")
    assert response.status_code == 422
    errors = response.json["errors"]
    for name in ("citizen_id", "child_full_name", "child_birth_date", "diagnosis_group", "requested_amount_vnd"):
        assert errors[name] == ["Vui lòng nhập thông tin này."]
    assert errors["hardship_criteria"] == ["Chọn ít nhất một hoàn cảnh theo QĐ 378/QĐ-TLĐ."]
    assert "position" not in errors and "phone" not in errors  # optional fields


@pytest.mark.parametrize("field,value,message", [
    ("citizen_id", "07008500123", "Số CCCD phải gồm đúng 12 chữ số."),
    ("citizen_id", "07008500123a", "Số CCCD phải gồm đúng 12 chữ số."),
    ("child_birth_date", "31/02/2015", "Ngày không hợp lệ."),
    ("requested_amount_vnd", -5, "Phải lớn hơn 0."),
    ("requested_amount_vnd", 1.5, "Phải là số nguyên."),
    ("diagnosis_group", "asthma", "Giá trị không nằm trong danh sách cho phép."),
    ("hardship_criteria", ["rich"], "Giá trị không nằm trong danh sách cho phép."),
    ("nickname", "Bé Na", "Trường này không có trong loại hồ sơ."),
])
def test_shape_errors_are_per_field_in_vietnamese(api, field, value, message):
    response = api.post("officer", "/api/v1/dossiers",
                        {"kind": "child_heart", "data": valid_child_heart(**{field: value})})
    assert response.status_code == 422
    assert response.json["errors"][field] == [message]
    assert api.get("officer", "/api/v1/dossiers").json["dossiers"] == []  # nothing saved half-way


def test_the_rule_set_in_force_on_the_submission_date_applies(api, today, ctx):
    import sqlalchemy as sa

    from workflow.dossiers.models import RuleSet
    from workflow.extensions import db
    from workflow.orgs.models import Organisation

    province = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-binh-phuoc"))
    db.session.add(RuleSet(kind="child_heart", jurisdiction=province, valid_from=date(2018, 1, 6),
                           basis="Quy định thử nghiệm của LĐLĐ tỉnh", params={
                               "max_age_years": 16, "caps_vnd": {"congenital_heart": 60_000_000, "cleft": 10_000_000}}))
    db.session.commit()
    assert "requested_amount_vnd" in submit_errors(api, today, on=date(2018, 1, 5), requested_amount_vnd=55_000_000)
    assert submit_errors(api, today, on=date(2018, 1, 6), requested_amount_vnd=55_000_000) == {}
    submitted = api.get("officer", "/api/v1/dossiers?state=submitted").json["dossiers"][0]
    full = api.get("officer", f"/api/v1/dossiers/{submitted['id']}").json
    assert full["rule_basis"] == "Quy định thử nghiệm của LĐLĐ tỉnh"


def test_kind_schema_lists_fields_and_what_submit_requires(client):
    kinds = client.get("/api/v1/kinds").json["kinds"]
    schema = next(k for k in kinds if k["code"] == "child_heart")["schema"]
    assert {"child_birth_date", "hardship_criteria", "special_case"} <= set(schema["properties"])
    assert "citizen_id" in schema["x-required-at-submit"] and "special_case" not in schema["x-required-at-submit"]
    assert ChildHeart.code == "child_heart"
