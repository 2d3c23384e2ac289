"""What keeps the lists and home pages within 100 ms at a million dossiers (bench/list.py) without changing what
they say: counts that stop at a limit and say so ("hơn 1.000"), the unions of the filter found one index probe
each, the officer's unfinished dossiers a page's worth at a time, the batches' progress counted in SQL."""
from datetime import date

import pytest
import sqlalchemy as sa

from workflow.auth.models import User
from workflow.batches.operations import progress_of
from workflow.dossiers.models import Batch
from workflow.dossiers.visibility import entries_of, viewer_of
from workflow.extensions import db
from workflow.lists import home, routes
from workflow.orgs.models import Organisation, OrganisationPlacement

from .conftest import end, new_commune


def page(browser_page, url="/"):
    response = browser_page.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_list_counts_up_to_a_limit_that_grows_with_the_page(api, browser, app, monkeypatch):
    """One row a page and a limit of 2: the first page counts up to ten pages ahead (10 rows), says "more than",
    and offers the next page without a last one; a page further on counts further; the last page counts nothing
    and knows the total; the API counts exactly."""
    for n in range(12):
        api.create(citizen_id=f"0700850001{n:02d}")
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    monkeypatch.setattr(routes, "LIST_COUNT_LIMIT", 2)
    officer = browser("officer")
    first = page(officer, "/dossiers")
    assert "Tìm thấy hơn 10 hồ sơ." in first and "Trang 1 · hơn 10 mục" in first
    pages = first.split('aria-label="Phân trang"')[1]
    assert 'rel="next"' in pages and "page=2" in pages and "page=10" not in pages  # no last page: not known
    fifth = page(officer, "/dossiers?page=5")  # counts up to 14: all 12
    assert "Tìm thấy 12 hồ sơ." in fifth and "Trang 5 / 12 · 12 mục" in fifth
    last = page(officer, "/dossiers?page=12")
    assert "Tìm thấy 12 hồ sơ." in last and "Trang 12 / 12 · 12 mục" in last
    assert "Tìm thấy 0 hồ sơ." in page(officer, "/dossiers?q=khong+ai")
    assert api.get("officer", "/api/v1/dossiers?per_page=1").json["total"] == 12
    english = browser("officer")
    english.post("/language", {"locale": "en"})
    assert "Dossiers found: more than 10." in page(english, "/dossiers")


def test_home_counts_stop_at_the_limit_and_say_so(api, browser, today, current_plan, monkeypatch):
    returned = api.fire_ok("reviewer", api.submitted(citizen_id="070085000090"), "return", comment="Bổ sung.")
    drafts = [api.create(citizen_id=f"0700850001{n:02d}") for n in range(3)]
    api.submitted("officer2", citizen_id="070085000091")
    monkeypatch.setattr(home, "COUNT_LIMIT", 2)
    officer = page(browser("officer"))
    counts = officer.split('class="row row-cols-2')[1].split("</div>\n</div>")[0]
    assert "hơn 2" in counts and ">1<" in counts  # drafts: 3, more than the limit; returned: 1
    assert f"Số {returned['id']}" in officer and f"Số {drafts[0]['id']}" in officer
    today(date(2026, 4, 2))  # the plan's last deadline has passed for all four
    assert "Hơn 2 hồ sơ chưa nộp đã quá hạn của kế hoạch." in page(browser("officer"))
    reviewer = page(browser("reviewer"))
    per_union = reviewer.split('id="per-union"')[1]
    assert "Cao su Phú Riềng" in per_union and "Phú Trung" in per_union
    monkeypatch.setattr(home, "COUNT_LIMIT", 1000)
    assert "4 hồ sơ chưa nộp đã quá hạn của kế hoạch." in page(browser("officer"))


def test_the_officer_home_shows_returned_dossiers_first_then_the_oldest_drafts(api, browser, monkeypatch):
    drafts = [api.create(citizen_id=f"0700850001{n:02d}") for n in range(3)]
    returned = api.fire_ok("reviewer", api.submitted(citizen_id="070085000090"), "return", comment="Bổ sung.")
    monkeypatch.setattr(home, "TO_FINISH_SHOWN", 2)
    to_finish = page(browser("officer")).split('id="to-finish"')[1].split('id="sent"')[0]
    assert to_finish.index(f"Số {returned['id']} ") < to_finish.index(f"Số {drafts[0]['id']} ")
    assert f"Số {drafts[1]['id']} " not in to_finish
    assert "Xem tất cả" in to_finish and "/dossiers?state=draft" in to_finish and "(3)" in to_finish


def test_the_unions_of_the_filter_are_those_of_the_entries(api, app, browser):
    api.submitted(citizen_id="070085000001")
    api.submitted("officer2", citizen_id="070085000002")
    api.submitted("officer3", citizen_id="070085000003")
    with app.app_context():
        for user in db.session.scalars(sa.select(User).where(User.role.in_(("officer", "staff")))):
            entries = entries_of(viewer_of(user))
            distinct = set(db.session.scalars(sa.select(entries.union_id).where(entries.condition).distinct()))
            assert {o.id for o in routes.unions_visible_to(user)} == distinct, user.username
        db.session.remove()
    reviewer = page(browser("reviewer"), "/dossiers")
    assert "Cao su Phú Riềng" in reviewer and "Tuổi Hồng" not in reviewer


def progress_mismatches(app) -> list:
    """For every staff user, the received batches' pending and total as the home page counts them (in SQL)
    against Batch.progress from each dossier's history (batches.operations.progress_of)."""
    found = []
    with app.app_context():
        for user in db.session.scalars(sa.select(User).where(User.role == "staff")):
            viewer = viewer_of(user)
            batches = db.session.scalars(sa.select(Batch).where(Batch.recipient_id.in_(viewer.org_ids))).all()
            ours, theirs = home._received_progress(batches, entries_of(viewer)), progress_of(batches)
            for b in batches:
                counted, read = ours[b.id], theirs[b.id]
                if (counted["pending"], counted["total"]) != (read["pending"], read["total"]):
                    found.append((user.username, b.id, counted, read))
        db.session.remove()
    return found


def test_received_batches_progress_follows_every_step(api, app, today):
    """A batch's dossiers stay pending until the recipient's first step, whatever comes after: approval and
    forwarding, a referral back (the province's entry then waits again with its old batch's snapshot), a return
    to the first level, a decision, a move to the successor of an ended recipient."""
    def check(step):
        assert progress_mismatches(app) == [], step

    child = api.approved()
    house = api.approved(kind="union_housing", citizen_id="070085000002")
    other = api.approved(kind="union_housing", citizen_id="070085000003")
    api.forwarded(child)
    api.forwarded(house, other)
    check("forwarded to the province")
    child = api.fire_ok("liaison", api.view("liaison", child), "approve")
    check("approved by the province")
    api.forwarded(child, reviewer="liaison")
    check("forwarded to the Confederation")
    api.fire_ok("tld", api.view("tld", child), "refer_back", comment="Thiếu chỉ định mổ.")
    check("referred back to the province")
    child = api.fire_ok("liaison", api.view("liaison", child), "approve")
    api.forwarded(child, reviewer="liaison")
    api.fire_ok("tld", api.view("tld", child), "accept", granted_amount_vnd=40_000_000)
    check("accepted")
    api.fire_ok("liaison", api.view("liaison", house), "refer_back", comment="Xác minh.")
    check("referred back to the first level")
    house = api.fire_ok("reviewer", api.view("reviewer", house), "approve")
    api.forwarded(house)
    api.fire_ok("liaison", api.view("liaison", house), "reject", comment="Không đủ điều kiện.")
    check("rejected")
    waiting = api.approved(kind="union_housing", citizen_id="070085000004")
    new_commune(app)
    today(date(2026, 1, 6))
    assert end(app, "--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "cd-xa-phu-trung").exit_code == 0
    api.forwarded(api.view("reviewer", waiting), reviewer="staff-cd-xa-phu-trung")
    check("forwarded by the successor of the sender")
    with app.app_context():
        pending = {b.id: p for b, p in zip(*_province_batches(), strict=True)}
        db.session.remove()
    assert sorted(p["pending"] for p in pending.values()) == [0, 0, 1, 1]  # `other`, then `waiting`


def test_a_batch_stays_pending_at_the_successor_of_its_ended_recipient(api, app, browser, today):
    house = api.approved(kind="union_housing", citizen_id="070085000002")
    decided = api.approved(kind="union_housing", citizen_id="070085000003")
    batch = api.forwarded(house, decided)
    api.fire_ok("liaison", api.view("liaison", decided), "reject", comment="Không đủ điều kiện.")
    with app.app_context():
        tld = db.session.scalar(sa.select(Organisation).where(Organisation.code == "tld"))
        org = Organisation(code="ldld-moi", level="province", name="Liên đoàn Lao động tỉnh Mới",
                           header_name="LĐLĐ TỈNH MỚI", abbreviation="LĐLĐ", place_name="Mới",
                           signing_body="BAN THƯỜNG VỤ", head_name="Lê Văn Năm", valid_from=date(2026, 1, 1))
        db.session.add_all([org, OrganisationPlacement(organisation=org, parent=tld, valid_from=date(2026, 1, 1))])
        user = User(username="staff-ldld-moi", full_name="Cán bộ tỉnh mới", role="staff", organisation=org)
        user.set_password("demo")
        db.session.add(user)
        db.session.commit()
    today(date(2026, 1, 6))
    assert end(app, "--code", "ldld-dong-nai", "--on", "2026-01-05", "--successor", "ldld-moi").exit_code == 0
    assert progress_mismatches(app) == []
    pending = page(browser("staff-ldld-moi")).split('id="pending"')[1].split('id="per-union"')[0]
    assert f"Tờ trình số {batch['number']}" in pending and "1/2 hồ sơ chờ xử lý" in pending


def _province_batches():
    liaison = db.session.scalar(sa.select(User).where(User.username == "liaison"))
    viewer = viewer_of(liaison)
    batches = db.session.scalars(sa.select(Batch).where(Batch.recipient_id.in_(viewer.org_ids))).all()
    progress = home._received_progress(batches, entries_of(viewer))
    return batches, [progress[b.id] for b in batches]


@pytest.mark.parametrize("username", ["reviewer", "liaison"])
def test_the_forward_form_lists_what_the_dossier_pages_show(api, browser, app, username):
    """Its plain rows (no dossier loaded) say what the ORM says: the subject as sent, the union, the next level."""
    child = api.approved(full_name="Phạm Văn Gửi")
    if username == "liaison":
        api.forwarded(child)
        child = api.fire_ok("liaison", api.view("liaison", child), "approve")
    to_forward = page(browser(username)).split('id="to-forward"')[1].split('id="pending"')[0]
    with app.app_context():
        province = db.session.scalar(sa.select(Organisation.name).where(Organisation.code == "ldld-dong-nai"))
    line = to_forward.split(f'for="fw-{child["id"]}">')[1].split("</label>")[0]
    assert "Phạm Văn Gửi" in line and "Cao su Phú Riềng" in line
    assert line.endswith("→ " + (province if username == "reviewer" else "Tổng Liên đoàn Lao động Việt Nam"))
    assert f'name="version-{child["id"]}" value="{child["version"]}"' in to_forward
