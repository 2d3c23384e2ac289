"""Plans with phases and deadlines; the home page of each role answers "what do I have to do now"."""
from datetime import date


def page(browser_page, url="/"):
    response = browser_page.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_submission_falls_in_its_phase_and_after_the_last_deadline_is_flagged(api, browser, today, current_plan):
    today(date(2025, 12, 20))
    early = api.fire_ok("officer", api.create(surgery_indicated_on="2025-11-01"), "submit")
    today(date(2026, 1, 5))
    in_time = api.fire_ok("officer", api.create(citizen_id="070085000002"), "submit")
    draft = api.create(citizen_id="070085000003")
    today(date(2026, 4, 2))
    late = api.fire_ok("officer", draft, "submit")

    reviewer = browser("reviewer")
    late_only = page(reviewer, "/dossiers?late=1")
    assert f'href="/dossiers/{late["id"]}"' in late_only
    assert f'href="/dossiers/{in_time["id"]}"' not in late_only and f'href="/dossiers/{early["id"]}"' not in late_only
    listing = page(reviewer, "/dossiers")
    assert "120/KH-LĐLĐ · Đợt I" in listing and "120/KH-LĐLĐ · Đợt II" in listing
    detail = page(reviewer, f"/dossiers/{late['id']}")
    assert "Nộp sau hạn" in detail and "Đợt II, hạn nộp 31/03/2026" in detail
    assert "Nộp sau hạn" not in page(reviewer, f"/dossiers/{in_time['id']}").split("Thông tin hồ sơ")[0]
    plans = page(reviewer, "/campaigns")
    assert "Kế hoạch số 120/KH-LĐLĐ ngày 15/09/2025 của" in plans and "31/12/2025" in plans and "31/03/2026" in plans
    assert "Hồ sơ thuộc kế hoạch mà bạn xem được: 3, trong đó nộp sau hạn: 1." in plans


def test_a_merged_provinces_plan_runs_on_under_its_successor(browser, today):
    """The 2017 plan of LĐLĐ tỉnh Bình Phước is listed for the unions of Đồng Nai, which took Bình Phước over, and
    for no one above them."""
    for user in ("officer", "officer3", "officer4", "liaison"):
        assert "Kế hoạch số 45/KH-LĐLĐ ngày 15/09/2017" in page(browser(user), "/campaigns"), user
    answered, below = page(browser("tld"), "/campaigns").split("Kế hoạch của các đơn vị cấp dưới")
    assert "45/KH-LĐLĐ" not in answered and "45/KH-LĐLĐ" in below  # reported on, not answered


def test_the_union_may_change_the_plan_until_the_first_submission(api, browser, current_plan):
    dossier = api.create()
    officer = browser("officer")
    assert 'name="campaign_id"' in page(officer, f"/dossiers/{dossier['id']}")
    assert officer.post(f"/dossiers/{dossier['id']}/campaign", {"campaign_id": ""}).status_code == 302
    assert "(không thuộc kế hoạch nào)" in page(officer, f"/dossiers/{dossier['id']}")
    assert officer.post(f"/dossiers/{dossier['id']}/campaign", {"campaign_id": "999"}).status_code == 303  # refused
    assert "Kế hoạch không hợp lệ." in page(officer, f"/dossiers/{dossier['id']}")
    assert browser("officer2").post(f"/dossiers/{dossier['id']}/campaign", {"campaign_id": "1"}).status_code == 404
    api.fire_ok("officer", api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json, "submit")
    assert 'name="campaign_id"' not in page(officer, f"/dossiers/{dossier['id']}")


def test_officer_home_shows_work_to_finish_with_reasons_deadlines_and_outcomes(api, browser, today, current_plan):
    returned = api.fire_ok("reviewer", api.fire_ok("officer", api.create(), "submit"), "return",
                           comment="Thiếu bản sao giấy khai sinh.")
    draft = api.create(citizen_id="070085000002", full_name="Lê Văn Bình")
    accepted = api.approved(kind="union_housing", citizen_id="070085000003")
    batch = api.forwarded(accepted)
    api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {"event": "accept", "items": [
        {"dossier_id": accepted["id"], "version": batch["dossiers"][0]["version"], "granted_amount_vnd": 30_000_000}]})
    other_union = api.create("officer2", citizen_id="070085000004")

    home = page(browser("officer"))
    to_finish = home.split('id="to-finish"')[1].split('id="sent"')[0]
    assert f"Số {returned['id']}" in to_finish and "Thiếu bản sao giấy khai sinh." in to_finish
    assert f"Số {draft['id']}" in to_finish
    assert f"Số {accepted['id']}" in home.split('id="sent"')[1] and "30.000.000 đ" in home
    assert f"Số {other_union['id']} " not in home
    assert "hạn nộp 31/03/2026" in home and "Quá hạn" not in home

    today(date(2026, 4, 2))
    overdue = page(browser("officer"))
    assert "2 hồ sơ chưa nộp đã quá hạn của kế hoạch." in overdue


def test_commune_home_queue_oldest_first_with_age_and_overdue(api, browser, today):
    today(date(2025, 12, 1))
    oldest = api.fire_ok("officer", api.create(surgery_indicated_on="2025-11-01"), "submit")
    today(date(2026, 1, 2))
    newer = api.fire_ok("officer2", api.create("officer2", citizen_id="070085000002"), "submit")
    api.approved(citizen_id="070085000003")
    today(date(2026, 1, 5))
    home = page(browser("reviewer"))
    queue = home.split('id="queue"')[1].split('id="to-forward"')[0]
    assert queue.index(f"Số {oldest['id']}") < queue.index(f"Số {newer['id']}")
    assert "35 ngày" in queue and "3 ngày" in queue and "Thẩm định" in queue
    assert "1 hồ sơ đã chờ đơn vị xử lý quá hạn (thẩm định 10 ngày, quyết định 15 ngày)." in home
    assert 'class="card mb-3 forward-kind" data-kind="child_heart"' in home
    assert "→ Liên đoàn Lao động tỉnh Đồng Nai" in home  # where the ticked ones go
    per_union = home.split('id="per-union"')[1]
    assert "Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng" in per_union
    assert "Bù Đăng" not in home  # another commune's unions are not counted here
    assert page(browser("reviewer2")).count("forward-kind") == 0


def test_province_home_lists_what_waits_there_and_batches_with_pending_dossiers(api, browser, today):
    batch = api.forwarded(api.approved(kind="union_housing"),
                          api.approved(kind="union_housing", citizen_id="070085000002"))
    direct = api.submitted("officer4", kind="union_housing", citizen_id="070085000009")  # its first level
    today(date(2026, 1, 25))
    home = page(browser("liaison"))
    pending = home.split('id="pending"')[1].split('id="per-union"')[0]
    assert f"Tờ trình số {batch['number']}" in pending and "2/2 hồ sơ chờ xử lý" in pending
    assert "đã chờ 20 ngày" in pending
    queue = home.split('id="queue"')[1].split('id="to-forward"')[0]
    assert queue.count("Quyết định") == 3 and f"Số {direct['id']}" in queue
    assert "3 hồ sơ đã chờ đơn vị xử lý quá hạn" in home
