"""A child_heart dossier carried from draft to decision through the API, as the demo users."""
import io

from pypdf import PdfReader


def pdf_text(client_or_api, user, url):
    response = client_or_api.get(user, url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return " ".join(text.split())  # table cells wrap lines


def test_submit_return_resubmit_approve_forward_accept(api):
    dossier = api.create()
    assert dossier["state"] == "draft"
    assert dossier["allowed_events"] == ["submit", "withdraw"]
    assert dossier["org"]["name"] == "Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng"

    dossier = api.fire_ok("officer", dossier, "submit")
    assert dossier["state"] == "submitted"
    assert [d["number"] for d in dossier["documents"]] == ["01/TTr-CĐCS"]

    reviewer_view = api.get("reviewer", f"/api/v1/dossiers/{dossier['id']}").json
    assert reviewer_view["allowed_events"] == ["return", "approve"]
    dossier = api.fire_ok("reviewer", reviewer_view, "return", comment="Thiếu giấy chỉ định phẫu thuật bản gốc.")
    assert dossier["state"] == "returned"
    assert dossier["documents"][-1]["number"] == "01/TB-LĐLĐ"
    assert "Thiếu giấy chỉ định phẫu thuật bản gốc." in pdf_text(api, "officer", dossier["documents"][-1]["url"])

    officer_view = api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json
    patched = api.patch("officer", f"/api/v1/dossiers/{dossier['id']}",
                        {"version": officer_view["version"], "data": {"hospital": "Bệnh viện Tim Tâm Đức"}})
    assert patched.status_code == 200, patched.json
    assert patched.json["data"]["hospital"] == "Bệnh viện Tim Tâm Đức"
    dossier = api.fire_ok("officer", patched.json, "submit")
    assert dossier["round"] == 2
    assert [d["number"] for d in dossier["documents"]] == ["01/TTr-CĐCS", "01/TB-LĐLĐ", "02/TTr-CĐCS"]

    dossier = api.fire_ok("reviewer", dossier, "approve")
    assert dossier["state"] == "approved"
    assert dossier["documents"][-1]["number"] == "02/BB-LĐLĐ"  # one yearly sequence for the district

    batch = api.forwarded(dossier)
    assert batch["number"] == "03/TTr-LĐLĐ"
    assert [d["state"] for d in batch["dossiers"]] == ["forwarded"]
    assert batch["documents"][0]["number"] == "03/TTr-LĐLĐ"

    liaison_view = api.get("liaison", f"/api/v1/dossiers/{dossier['id']}").json
    assert liaison_view["allowed_events"] == ["accept", "reject", "refer_back"]
    dossier = api.fire_ok("liaison", liaison_view, "accept", granted_amount_vnd=45_000_000)
    assert dossier["state"] == "accepted"
    assert dossier["granted_amount_vnd"] == 45_000_000
    decision = dossier["documents"][-1]
    assert decision["number"] == "01/QĐ-LĐLĐ" and decision["doc_type"] == "QĐ"
    text = pdf_text(api, "officer", decision["url"])
    assert "45.000.000 đ" in text and "Nguyễn Thị Bảo Ngọc" in text

    history = [(h["event"], h["from_state"], h["to_state"]) for h in dossier["history"]]
    assert history == [
        ("submit", "draft", "submitted"), ("return", "submitted", "returned"), ("submit", "returned", "submitted"),
        ("approve", "submitted", "approved"), ("forward", "approved", "forwarded"), ("accept", "forwarded", "accepted"),
    ]
    assert dossier["history"][1]["comment"] == "Thiếu giấy chỉ định phẫu thuật bản gốc."
    assert dossier["history"][1]["organisation"]["name"] == "Liên đoàn Lao động huyện Phú Riềng"
    assert dossier["allowed_events"] == []


def test_reject_and_refer_back_need_a_reason_and_issue_a_notice(api):
    first, second = api.approved(), api.approved()
    api.forwarded(first, second)
    first = api.get("liaison", f"/api/v1/dossiers/{first['id']}").json
    missing = api.fire("liaison", first, "reject")
    assert missing.status_code == 422
    assert "comment" in missing.json["errors"]
    rejected = api.fire_ok("liaison", first, "reject", comment="Gia đình đã được hỗ trợ từ nguồn khác.")
    assert rejected["state"] == "rejected"
    assert rejected["documents"][-1]["doc_type"] == "TB"
    assert "Gia đình đã được hỗ trợ từ nguồn khác." in pdf_text(api, "officer", rejected["documents"][-1]["url"])

    second = api.get("liaison", f"/api/v1/dossiers/{second['id']}").json
    referred = api.fire_ok("liaison", second, "refer_back", comment="Đề nghị xác minh lại chi phí.")
    assert referred["state"] == "submitted"
    reviewer_view = api.get("reviewer", f"/api/v1/dossiers/{second['id']}").json
    assert reviewer_view["allowed_events"] == ["return", "approve"]


def test_accept_amount_must_be_within_the_request(api):
    dossier = api.approved()
    api.forwarded(dossier)
    dossier = api.get("liaison", f"/api/v1/dossiers/{dossier['id']}").json
    for amount in (None, 0, 50_000_001, "45000000"):
        response = api.fire("liaison", dossier, "accept", granted_amount_vnd=amount)
        assert response.status_code == 422, amount
        assert "granted_amount_vnd" in response.json["errors"]
    assert api.fire_ok("liaison", dossier, "accept", granted_amount_vnd=50_000_000)["granted_amount_vnd"] == 50_000_000


def test_withdraw(api):
    draft = api.create()
    assert api.fire_ok("officer", draft, "withdraw")["state"] == "withdrawn"
    submitted = api.fire_ok("officer", api.create(), "submit")
    assert api.fire("officer", submitted, "withdraw").status_code == 422
    withdrawn = api.fire_ok("officer", submitted, "withdraw", comment="Gia đình xin rút hồ sơ.")
    assert withdrawn["state"] == "withdrawn"
    assert len(withdrawn["documents"]) == 1  # withdrawing issues nothing


def test_forward_batches_only_one_kind_of_approved_dossiers_of_the_district(api):
    approved = api.approved()
    submitted = api.fire_ok("officer", api.create(), "submit")
    response = api.post("reviewer", "/api/v1/batches", {"dossier_ids": [approved["id"], submitted["id"]]})
    assert response.status_code == 409
    assert api.get("reviewer", f"/api/v1/dossiers/{approved['id']}").json["state"] == "approved"
    other_district = api.approved("officer3")
    assert api.post("reviewer", "/api/v1/batches", {"dossier_ids": [other_district["id"]]}).status_code == 404
    assert api.post("reviewer", "/api/v1/batches", {"dossier_ids": []}).status_code == 422
    assert api.post("officer", "/api/v1/batches", {"dossier_ids": [approved["id"]]}).status_code == 403


def test_forward_through_transitions_is_a_batch_of_one(api):
    dossier = api.approved()
    forwarded = api.fire_ok("reviewer", dossier, "forward")
    assert forwarded["state"] == "forwarded"
    assert forwarded["batch_id"] is not None
    batch = api.get("reviewer", f"/api/v1/batches/{forwarded['batch_id']}").json
    assert [d["id"] for d in batch["dossiers"]] == [dossier["id"]]


def test_batch_of_two_unions_lists_both_in_its_appendix(api):
    first = api.approved("officer")
    second = api.approved("officer2", full_name="Trần Thị Lệ Thủy", child_full_name="Trần Gia Hưng",
                          citizen_id="070190004321")
    batch = api.forwarded(first, second)
    text = pdf_text(api, "reviewer", batch["documents"][0]["url"])
    assert "DANH SÁCH TRÍCH NGANG" in text
    for name in ("Nguyễn Văn Ánh", "Trần Thị Lệ Thủy", "Trần Gia Hưng", "100.000.000 đ"):
        assert name in text
    bundle = api.get("liaison", batch["bundle_url"])
    assert bundle.status_code == 200
    reader = PdfReader(io.BytesIO(bundle.data))
    titles = [item.title if not isinstance(item, list) else None for item in reader.outline]
    assert titles[0].startswith("Tờ trình số 03/TTr-LĐLĐ")
    assert sum(1 for t in titles if t and t.startswith("Hồ sơ số")) == 2
