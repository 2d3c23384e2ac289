"""The deciding level's side (the province, for houses): received batches with their progress, decisions one by
one or several at once, with a confirmation step on screen and a result per item."""
import io
import re

from pypdf import PdfReader


def text_of(data):
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def three_in_a_batch(api):
    a = api.approved(kind="union_housing")
    b = api.approved("officer2", "union_housing", full_name="Trần Thị Lệ Thủy", citizen_id="070190004321")
    c = api.approved(kind="union_housing", full_name="Đỗ Thị Yến", citizen_id="070190007777")
    batch = api.forwarded(a, b, c)
    return batch, [api.get("liaison", f"/api/v1/dossiers/{d['id']}").json for d in (a, b, c)]


def test_bulk_accept_with_a_result_per_item_and_one_decision(api):
    batch, (a, b, c) = three_in_a_batch(api)
    response = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {"event": "accept", "items": [
        {"dossier_id": a["id"], "version": a["version"], "granted_amount_vnd": 25_000_000},
        {"dossier_id": b["id"], "version": b["version"], "granted_amount_vnd": 60_000_000},  # over the request
        {"dossier_id": c["id"], "version": c["version"] - 1, "granted_amount_vnd": 10_000_000},  # stale
    ]})
    assert response.status_code == 200, response.json
    results = response.json["results"]
    assert [r["ok"] for r in results] == [True, False, False]
    assert results[1]["status"] == 422 and "granted_amount_vnd" in results[1]["errors"]
    assert results[2]["status"] == 409
    decision = response.json["decision"]
    assert decision["doc_type"] == "QĐ" and decision["number"] == "01/QĐ-LĐLĐ"
    states = {d["id"]: api.get("liaison", f"/api/v1/dossiers/{d['id']}").json["state"] for d in (a, b, c)}
    assert states == {a["id"]: "accepted", b["id"]: "forwarded", c["id"]: "forwarded"}

    b, c = (api.get("liaison", f"/api/v1/dossiers/{d['id']}").json for d in (b, c))
    second = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {"event": "accept", "items": [
        {"dossier_id": b["id"], "version": b["version"], "granted_amount_vnd": 30_000_000},
        {"dossier_id": c["id"], "version": c["version"], "granted_amount_vnd": 20_000_000}]}).json
    assert all(r["ok"] for r in second["results"])
    text = text_of(api.get("officer2", second["decision"]["url"]).data)  # each union sees the decision naming it
    assert "Trần Thị Lệ Thủy" in text and "Đỗ Thị Yến" in text and "2 đoàn viên" in text
    assert "50.000.000 đồng (Bằng chữ: Năm mươi triệu đồng)" in text
    assert api.get("officer3", second["decision"]["url"]).status_code == 404
    progress = api.get("liaison", f"/api/v1/batches/{batch['id']}").json["counts"]
    assert progress == {"total": 3, "pending": 0, "approved": 0, "accepted": 3, "rejected": 0, "sent_back": 0,
                        "status": "done"}


def test_bulk_reject_needs_a_reason_and_issues_a_notice_each(api):
    batch, (a, b, _) = three_in_a_batch(api)
    items = [{"dossier_id": d["id"], "version": d["version"]} for d in (a, b)]
    no_reason = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions",
                         {"event": "reject", "items": items}).json
    assert [r["ok"] for r in no_reason["results"]] == [False, False] and "comment" in no_reason["results"][0]["errors"]
    done = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions",
                    {"event": "reject", "items": items, "comment": "Đã được địa phương hỗ trợ làm nhà."}).json
    assert all(r["ok"] for r in done["results"]) and done["decision"] is None
    for d in (a, b):
        notice = api.get("liaison", f"/api/v1/dossiers/{d['id']}").json["documents"][-1]
        assert notice["doc_type"] == "TB"
    assert api.get("liaison", "/api/v1/batches").json["batches"][0]["counts"]["status"] == "in_progress"


def test_outsiders_cannot_decide(api):
    batch, (a, _, _) = three_in_a_batch(api)
    body = {"event": "accept", "items": [{"dossier_id": a["id"], "version": a["version"], "granted_amount_vnd": 1}]}
    assert api.post("reviewer2", f"/api/v1/batches/{batch['id']}/decisions", body).status_code == 404
    refused = api.post("reviewer", f"/api/v1/batches/{batch['id']}/decisions", body).json["results"][0]
    assert refused["status"] == 403


def test_decide_on_screen_with_a_confirmation_step(api, browser):
    batch, (a, b, c) = three_in_a_batch(api)
    page = browser("liaison")
    inbox = page.get("/batches").get_data(as_text=True)
    assert batch["number"] in inbox and "Mới nhận" in inbox and "chờ 3" in inbox
    form = {"event": "accept", "dossier_id": [str(a["id"]), str(b["id"])], "comment": "",
            f"version-{a['id']}": str(a["version"]), f"granted-{a['id']}": "25.000.000",
            f"version-{b['id']}": str(b["version"]), f"granted-{b['id']}": "60.000.000"}
    over = page.post(f"/batches/{batch['id']}/decisions", form)  # b's amount is over its request: said first
    assert over.status_code == 422 and "không vượt quá số tiền đề nghị" in over.get_data(as_text=True)
    form[f"granted-{b['id']}"] = "30.000.000"
    review = page.post(f"/batches/{batch['id']}/decisions", form)
    body = review.get_data(as_text=True)
    assert review.status_code == 200 and "Xác nhận" in body and "25.000.000 đ" in body
    assert api.get("liaison", f"/api/v1/dossiers/{a['id']}").json["state"] == "forwarded"  # nothing done yet
    hidden = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', body))
    confirmed = page.post(f"/batches/{batch['id']}/decisions", {**form, "confirm": hidden["confirm"]})
    body = confirmed.get_data(as_text=True)
    assert confirmed.status_code == 200 and "Quyết định số 01/QĐ-LĐLĐ" in body
    assert body.count("Được chấp thuận") >= 2 and "Không thực hiện" not in body
    officer_view = browser("officer").get(f"/dossiers/{a['id']}").get_data(as_text=True)
    assert "Được chấp thuận" in officer_view and "01/QĐ-LĐLĐ" in officer_view


def test_the_province_sees_what_was_forwarded_not_a_later_resubmission(api):
    from .test_attachments import pdf_bytes, upload

    dossier = api.approved(kind="union_housing")
    api.forwarded(dossier)
    dossier = api.fire_ok("liaison", api.get("liaison", f"/api/v1/dossiers/{dossier['id']}").json, "refer_back",
                          comment="Xác minh lại chi phí.")
    dossier = api.fire_ok("reviewer", dossier, "return", comment="Bổ sung dự toán.")
    dossier = api.patch("officer", f"/api/v1/dossiers/{dossier['id']}",
                        {"version": dossier["version"], "data": {"household_size": 6}}).json
    new_file = upload(api, "officer", dossier, pdf_bytes(), attachment_type="cost_estimate").json
    api.fire_ok("officer", dossier, "submit")
    seen = api.get("liaison", f"/api/v1/dossiers/{dossier['id']}").json
    assert seen["data"]["household_size"] == 4
    assert new_file["id"] not in [a["id"] for a in seen["attachments"]]
    assert api.get("liaison", new_file["url"]).status_code == 404
    assert api.get("reviewer", new_file["url"]).status_code == 200


def test_results_page_shows_nothing_of_dossiers_outside_the_batch(api, browser):
    batch, (a, _, _) = three_in_a_batch(api)
    outsider = api.fire_ok("officer3", api.create("officer3", full_name="Trần Bí Mật"), "submit")
    response = browser("liaison").post(f"/batches/{batch['id']}/decisions", {
        "event": "accept", "confirm": "1", "dossier_id": [str(outsider["id"])], f"version-{outsider['id']}": "1"})
    assert response.status_code == 200 and "Trần Bí Mật" not in response.get_data(as_text=True)
