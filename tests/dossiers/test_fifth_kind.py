"""A fifth kind, declared here in one module with one template folder (tests/dossiers/retirement_gift/),
goes from draft to decision with nothing else changed: no migration, no page, no template elsewhere. Its rules
and its route are data, added with the commands an operator uses."""
from datetime import date
from pathlib import Path

import pytest

from workflow.dossiers.kinds import KINDS
from workflow.dossiers.kinds.base import MAX_VND, DossierKind, ParamsModel, PersonData, RuleContext, field
from workflow.extensions import db


class RetirementGiftData(PersonData):
    retired_on: date | None = field("Ngày nghỉ hưu")
    requested_amount_vnd: int | None = field("Giá trị quà (đồng)", gt=0, le=MAX_VND)


class RetirementGiftParams(ParamsModel):
    cap_vnd: int


class RetirementGift(DossierKind):
    code = "retirement_gift"
    title = "Tặng quà đoàn viên nghỉ hưu"
    short_title = "Quà nghỉ hưu"
    request_phrase = "tặng quà đoàn viên nghỉ hưu"
    Data = RetirementGiftData
    Params = RetirementGiftParams
    template_dir = str(Path(__file__).parent / "retirement_gift")
    list_columns = [("Ngày nghỉ hưu", lambda shown: shown["retired_on"])]

    @classmethod
    def rules(cls, values, ctx: RuleContext):
        yield from super().rules(values, ctx)
        if values.retired_on and values.retired_on > ctx.on:
            yield "retired_on", "Chưa đến ngày nghỉ hưu."
        if values.requested_amount_vnd and values.requested_amount_vnd > ctx.params.cap_vnd:
            yield "requested_amount_vnd", "Vượt mức quà tối đa."


@pytest.fixture
def fifth_kind(app, demo_data):
    KINDS.register(RetirementGift)
    yield RetirementGift
    KINDS.unregister(RetirementGift.code)


def test_a_fifth_kind_from_draft_to_decision(fifth_kind, api, browser, app):
    result = app.test_cli_runner().invoke(args=[
        "add-rule-set", "--kind", "retirement_gift", "--jurisdiction", "ldld-dong-nai", "--from", "2025-07-01",
        "--basis", "Quy định tặng quà đoàn viên nghỉ hưu của LĐLĐ tỉnh", "--params", '{"cap_vnd": 2000000}'])
    assert result.exit_code == 0, result.output
    result = app.test_cli_runner().invoke(args=[
        "add-route", "--kind", "retirement_gift", "--jurisdiction", "ldld-dong-nai", "--from", "2025-07-01",
        "--basis", "Quy định tặng quà đoàn viên nghỉ hưu của LĐLĐ tỉnh", "--steps",
        '[{"level": "upper_grassroots", "role": "review"}, {"level": "province", "role": "decide"}]'])
    assert result.exit_code == 0, result.output
    assert "upper_grassroots (review) → province (decide)" in result.output

    kinds = api.client.get("/api/v1/kinds").json["kinds"]
    assert "retired_on" in next(k for k in kinds if k["code"] == "retirement_gift")["schema"]["properties"]
    data = {"full_name": "Bùi Văn Lộc", "gender": "male", "birth_date": "1965-11-02", "citizen_id": "070065001111",
            "member_since": "1988-01-01", "workplace": "Trường THCS Phú Trung", "address": "Phú Trung, Phú Riềng",
            "retired_on": "2025-12-01", "requested_amount_vnd": 2_000_001}
    dossier = api.post("officer", "/api/v1/dossiers", {"kind": "retirement_gift", "data": data}).json
    refused = api.fire("officer", dossier, "submit")
    assert refused.status_code == 422 and refused.json["errors"] == {"requested_amount_vnd": ["Vượt mức quà tối đa."]}
    dossier = api.patch("officer", f"/api/v1/dossiers/{dossier['id']}",
                        {"version": dossier["version"], "data": {"requested_amount_vnd": 2_000_000}}).json
    dossier = api.fire_ok("officer", dossier, "submit")
    dossier = api.fire_ok("reviewer", dossier, "approve")
    batch = api.forwarded(dossier)
    assert batch["number"].endswith("/TTr-CĐX")
    decided = api.fire_ok("liaison", api.get("liaison", f"/api/v1/dossiers/{dossier['id']}").json, "accept",
                          granted_amount_vnd=2_000_000)
    assert decided["state"] == "accepted"
    assert [d["doc_type"] for d in decided["documents"]] == ["TTr", "BB", "QĐ"]

    page = browser("officer")
    assert "Tặng quà đoàn viên nghỉ hưu" in page.get("/dossiers/new").get_data(as_text=True)
    form = page.get("/dossiers/new?kind=retirement_gift").get_data(as_text=True)
    assert 'name="retired_on"' in form


def test_the_tờ_trình_uses_the_kinds_own_template(fifth_kind, api, app):
    import io

    from pypdf import PdfReader

    with app.app_context():
        from workflow.dossiers.routing import add_route
        from workflow.dossiers.rules import add_rule_set
        add_rule_set(None, kind="retirement_gift", jurisdiction_id=1, valid_from=date(2017, 1, 1), valid_to=None,
                     basis="Quy định thử nghiệm", params={"cap_vnd": 5_000_000})
        add_route(None, kind="retirement_gift", jurisdiction_id=1, valid_from=date(2017, 1, 1), valid_to=None,
                  basis="Quy định thử nghiệm", steps=[{"level": "province", "role": "decide"}])
        db.session.commit()
    data = {"full_name": "Bùi Văn Lộc", "gender": "male", "birth_date": "1957-11-02", "citizen_id": "070057001111",
            "member_since": "1980-01-01", "workplace": "Trường THCS Phú Trung", "address": "Phú Trung",
            "retired_on": "2017-12-01", "requested_amount_vnd": 1_500_000}
    dossier = api.fire_ok("officer",
                          api.post("officer", "/api/v1/dossiers", {"kind": "retirement_gift", "data": data}).json,
                          "submit")
    pdf = api.get("officer", dossier["documents"][0]["url"]).data
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "nghỉ hưu từ ngày 01/12/2017" in text and "1.500.000 đ" in text
