"""Dossiers carried along their routes through the API, as the demo users: a child's heart surgery from the
grassroots union through the commune union and the province to the Confederation; a house decided by the
province; a small aid decided by the commune union; a union directly under the province."""
import io
import re

from pypdf import PdfReader


def pdf_text(client_or_api, user, url):
    response = client_or_api.get(user, url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return " ".join(text.split())  # table cells wrap lines


def route_of(dossier):
    return [(step["org"]["code"], step["role"]) for step in dossier["route"]]


def test_child_heart_goes_up_three_levels_to_the_confederation(api):
    dossier = api.create()
    assert dossier["state"] == "draft"
    assert dossier["allowed_events"] == ["submit", "withdraw"]
    assert dossier["org"]["name"] == "Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng"
    assert dossier["route"] == [] and dossier["current_org"]["code"] == "cdcs-cao-su-phu-rieng"

    dossier = api.fire_ok("officer", dossier, "submit")
    assert dossier["state"] == "submitted"
    assert route_of(dossier) == [("cd-xa-phu-rieng", "review"), ("ldld-dong-nai", "review"), ("tld", "decide")]
    assert dossier["current_org"]["code"] == "cd-xa-phu-rieng"
    assert [d["number"] for d in dossier["documents"]] == ["01/TTr-CĐCS"]
    assert "Kính gửi: Công đoàn xã Phú Riềng" in pdf_text(api, "officer", dossier["documents"][0]["url"])

    reviewer_view = api.view("reviewer", dossier)
    assert reviewer_view["allowed_events"] == ["return", "approve"]
    dossier = api.fire_ok("reviewer", reviewer_view, "return", comment="Thiếu giấy chỉ định phẫu thuật bản gốc.")
    assert dossier["state"] == "returned"
    assert dossier["documents"][-1]["number"] == "01/TB-CĐX"
    assert "Thiếu giấy chỉ định phẫu thuật bản gốc." in pdf_text(api, "officer", dossier["documents"][-1]["url"])

    officer_view = api.view("officer", dossier)
    patched = api.patch("officer", f"/api/v1/dossiers/{dossier['id']}",
                        {"version": officer_view["version"], "data": {"hospital": "Bệnh viện Tim Tâm Đức"}})
    assert patched.status_code == 200, patched.json
    dossier = api.fire_ok("officer", patched.json, "submit")
    assert dossier["round"] == 2
    assert [d["number"] for d in dossier["documents"]] == ["01/TTr-CĐCS", "01/TB-CĐX", "02/TTr-CĐCS"]

    dossier = api.fire_ok("reviewer", dossier, "approve")
    assert dossier["state"] == "approved" and dossier["documents"][-1]["number"] == "02/BB-CĐX"
    batch = api.forwarded(dossier)
    assert batch["number"] == "03/TTr-CĐX" and batch["recipient"]["code"] == "ldld-dong-nai"
    assert "Kính gửi: Liên đoàn Lao động tỉnh Đồng Nai" in pdf_text(api, "reviewer", batch["documents"][0]["url"])

    province_view = api.view("liaison", dossier)
    assert province_view["state"] == "forwarded" and province_view["current_org"]["code"] == "ldld-dong-nai"
    assert province_view["allowed_events"] == ["return", "approve"]  # the province reviews child heart support
    assert api.fire("liaison", province_view, "accept", granted_amount_vnd=1).status_code == 403
    assert api.get("tld", f"/api/v1/dossiers/{dossier['id']}").status_code == 404  # not reached the Confederation yet
    province_view = api.fire_ok("liaison", province_view, "approve")
    up = api.forwarded(province_view, reviewer="liaison")
    assert up["number"] == "02/TTr-LĐLĐ"  # after its Biên bản 01/BB-LĐLĐ
    assert up["recipient"]["code"] == "tld"

    tld_view = api.view("tld", dossier)
    assert tld_view["allowed_events"] == ["accept", "reject", "refer_back"]
    dossier = api.fire_ok("tld", tld_view, "accept", granted_amount_vnd=45_000_000)
    assert dossier["state"] == "accepted" and dossier["current_org"] is None
    assert dossier["granted_amount_vnd"] == 45_000_000
    decision = dossier["documents"][-1]
    assert decision["number"] == "01/QĐ-TLĐ" and decision["doc_type"] == "QĐ" and decision["issuer"]["code"] == "tld"
    text = pdf_text(api, "officer", decision["url"])
    assert ("TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM" in text and "TM. ĐOÀN CHỦ TỊCH" in text
            and "Hà Nội, ngày 05 tháng 01" in text)
    assert "45.000.000 đ" in text and "Nguyễn Thị Bảo Ngọc" in text
    assert "Tờ trình số 02/TTr-LĐLĐ" in text  # what brought it to the Confederation

    history = [(h["event"], h["from_state"], h["to_state"], h["organisation"]["code"]) for h in dossier["history"]]
    assert history == [
        ("submit", "draft", "submitted", "cdcs-cao-su-phu-rieng"),
        ("return", "submitted", "returned", "cd-xa-phu-rieng"),
        ("submit", "returned", "submitted", "cdcs-cao-su-phu-rieng"),
        ("approve", "submitted", "approved", "cd-xa-phu-rieng"),
        ("forward", "approved", "forwarded", "cd-xa-phu-rieng"),
        ("approve", "forwarded", "approved", "ldld-dong-nai"),
        ("forward", "approved", "forwarded", "ldld-dong-nai"),
        ("accept", "forwarded", "accepted", "tld"),
    ]
    assert dossier["allowed_events"] == []
    for user in ("reviewer", "liaison", "tld"):  # each level keeps seeing what reached it
        assert api.get(user, f"/api/v1/dossiers/{dossier['id']}").status_code == 200


def test_the_confederation_refers_back_to_the_province_which_may_send_it_up_again(api):
    dossier, staff = api.at_decider()
    assert staff == "tld"
    missing = api.fire("tld", dossier, "refer_back")
    assert missing.status_code == 422 and "comment" in missing.json["errors"]
    referred = api.fire_ok("tld", dossier, "refer_back", comment="Đề nghị bổ sung xác nhận hoàn cảnh.")
    assert referred["state"] == "forwarded" and referred["current_org"]["code"] == "ldld-dong-nai"
    assert referred["documents"][-1]["doc_type"] == "TB" and referred["documents"][-1]["issuer"]["code"] == "tld"
    province = api.view("liaison", dossier)
    assert province["allowed_events"] == ["return", "approve"]
    again = api.forwarded(api.fire_ok("liaison", province, "approve"), reviewer="liaison")
    assert again["recipient"]["code"] == "tld"


def test_housing_is_decided_by_the_province_which_rejects_or_refers_back_with_a_reason(api):
    first = api.approved(kind="union_housing")
    second = api.approved(kind="union_housing", citizen_id="070085009999", full_name="Trần Văn Bình")
    assert route_of(first) == [("cd-xa-phu-rieng", "review"), ("ldld-dong-nai", "decide")]
    api.forwarded(first, second)
    first = api.view("liaison", first)
    assert first["allowed_events"] == ["accept", "reject", "refer_back"]
    missing = api.fire("liaison", first, "reject")
    assert missing.status_code == 422 and "comment" in missing.json["errors"]
    rejected = api.fire_ok("liaison", first, "reject", comment="Gia đình đã được hỗ trợ từ nguồn khác.")
    assert rejected["state"] == "rejected"
    assert rejected["documents"][-1]["doc_type"] == "TB"
    assert "Gia đình đã được hỗ trợ từ nguồn khác." in pdf_text(api, "officer", rejected["documents"][-1]["url"])

    referred = api.fire_ok("liaison", api.view("liaison", second), "refer_back",
                           comment="Đề nghị xác minh lại chi phí.")
    assert referred["state"] == "submitted" and referred["current_org"]["code"] == "cd-xa-phu-rieng"
    assert api.view("reviewer", second)["allowed_events"] == ["return", "approve"]


def test_accept_amount_must_be_within_the_request(api):
    dossier = api.approved(kind="union_housing")
    api.forwarded(dossier)
    dossier = api.view("liaison", dossier)
    for amount in (None, 0, 30_000_001, "30000000"):
        response = api.fire("liaison", dossier, "accept", granted_amount_vnd=amount)
        assert response.status_code == 422, amount
        assert "granted_amount_vnd" in response.json["errors"]
    assert api.fire_ok("liaison", dossier, "accept", granted_amount_vnd=30_000_000)["granted_amount_vnd"] == 30_000_000


def test_a_union_directly_under_the_province_has_the_province_review_and_decide(api):
    dossier = api.submitted("officer4", kind="union_housing")
    assert route_of(dossier) == [("ldld-dong-nai", "decide")]
    assert dossier["current_org"]["code"] == "ldld-dong-nai"
    assert "Kính gửi: Liên đoàn Lao động tỉnh Đồng Nai" in pdf_text(api, "officer4", dossier["documents"][0]["url"])
    for user in ("reviewer", "reviewer2", "tld"):
        assert api.get(user, f"/api/v1/dossiers/{dossier['id']}").status_code == 404
    province = api.view("liaison", dossier)
    assert province["allowed_events"] == ["return", "accept", "reject"]  # first level and deciding level at once
    returned = api.fire_ok("liaison", province, "return", comment="Bổ sung ảnh hiện trạng nhà.")
    assert returned["state"] == "returned" and returned["documents"][-1]["number"] == "01/TB-LĐLĐ"
    again = api.fire_ok("officer4", api.view("officer4", dossier), "submit")
    accepted = api.fire_ok("liaison", api.view("liaison", again), "accept", granted_amount_vnd=30_000_000)
    assert accepted["state"] == "accepted"
    text = pdf_text(api, "officer4", accepted["documents"][-1]["url"])
    assert "LIÊN ĐOÀN LAO ĐỘNG TỈNH ĐỒNG NAI" in text and "TM. BAN THƯỜNG VỤ" in text
    assert "Tờ trình số 02/TTr-CĐCS" in text  # the union's own, the one that brought it to the province

    child = api.submitted("officer4")  # a child's heart: the province reviews, the Confederation decides
    assert route_of(child) == [("ldld-dong-nai", "review"), ("tld", "decide")]


def test_a_small_aid_is_decided_by_the_commune_union_and_a_larger_one_goes_up(api):
    small = api.submitted(kind="accident_aid")
    assert route_of(small) == [("cd-xa-phu-rieng", "decide")]
    commune = api.view("reviewer", small)
    assert commune["allowed_events"] == ["return", "accept", "reject"]
    accepted = api.fire_ok("reviewer", commune, "accept", granted_amount_vnd=1_300_000)
    assert accepted["documents"][-1]["number"] == "01/QĐ-CĐX"
    assert api.get("liaison", f"/api/v1/dossiers/{small['id']}").status_code == 404  # never went up


def test_withdraw(api):
    draft = api.create()
    assert api.fire_ok("officer", draft, "withdraw")["state"] == "withdrawn"
    submitted = api.fire_ok("officer", api.create(), "submit")
    assert api.fire("officer", submitted, "withdraw").status_code == 422
    withdrawn = api.fire_ok("officer", submitted, "withdraw", comment="Gia đình xin rút hồ sơ.")
    assert withdrawn["state"] == "withdrawn" and withdrawn["current_org"] is None
    assert len(withdrawn["documents"]) == 1  # withdrawing issues nothing


def test_forward_batches_only_one_kind_of_approved_dossiers_waiting_here(api):
    approved = api.approved()
    submitted = api.fire_ok("officer", api.create(citizen_id="070085005555"), "submit")
    response = api.post("reviewer", "/api/v1/batches", {"dossier_ids": [approved["id"], submitted["id"]]})
    assert response.status_code == 409
    assert api.view("reviewer", approved)["state"] == "approved"
    other_commune = api.approved("officer3")
    assert api.post("reviewer", "/api/v1/batches", {"dossier_ids": [other_commune["id"]]}).status_code == 404
    assert api.post("reviewer", "/api/v1/batches", {"dossier_ids": []}).status_code == 422
    assert api.post("officer", "/api/v1/batches", {"dossier_ids": [approved["id"]]}).status_code == 403
    housing = api.approved(kind="union_housing")
    mixed = api.post("reviewer", "/api/v1/batches", {"dossier_ids": [approved["id"], housing["id"]]})
    assert mixed.status_code == 422


def test_forward_through_transitions_is_a_batch_of_one(api):
    dossier = api.approved()
    forwarded = api.fire_ok("reviewer", dossier, "forward")
    assert forwarded["state"] == "forwarded"
    assert forwarded["batch_id"] is not None
    batch = api.get("reviewer", f"/api/v1/batches/{forwarded['batch_id']}").json
    assert [d["id"] for d in batch["dossiers"]] == [dossier["id"]]
    assert api.fire("reviewer", api.view("reviewer", dossier), "close", comment="x").status_code == 422


def test_batch_of_two_unions_lists_both_in_its_appendix(api):
    first = api.approved("officer")
    second = api.approved("officer2", full_name="Trần Thị Lệ Thủy", child_full_name="Trần Gia Hưng",
                          citizen_id="070190004321")
    batch = api.forwarded(first, second)
    text = pdf_text(api, "reviewer", batch["documents"][0]["url"])
    assert "DANH SÁCH TRÍCH NGANG" in text
    for name in ("Nguyễn Văn Ánh", "Trần Thị Lệ Thủy", "Trần Gia Hưng", "100.000.000", "Số 01/TTr-CĐCS",
                 "Bằng chữ: Một trăm triệu đồng"):
        assert name in text
    bundle = api.get("liaison", batch["bundle_url"])
    assert bundle.status_code == 200
    reader = PdfReader(io.BytesIO(bundle.data))
    titles = [item.title if not isinstance(item, list) else None for item in reader.outline]
    assert titles[0].startswith("1. Tờ trình số 03/TTr-CĐX")  # bookmarks numbered like the contents
    assert sum(1 for t in titles if t and re.match(r"\d+\. Hồ sơ của ", t)) == 2  # named by person, not by id
