"""The official report (Báo cáo tổng kết): issued by a commune union's staff and by the province, read back from its
PDF as a clerk reads it (number, title, totals in figures and words, the tables' rows recounted from the dossiers),
numbered in the organisation's sequence, signed where the organisation's signer signs, sent to the parent and read
by nobody else; a refused or failed issue leaves nothing behind."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from workflow.dossiers.kinds import KINDS
from workflow.dossiers.models import Dossier
from workflow.extensions import db
from workflow.number_words import amount_in_words
from workflow.orgs.models import Organisation
from workflow.pdf.models import Document
from workflow.reports.figures import OUTCOME_OF_STATE
from workflow.reports.models import CampaignReport

COMMUNE, PROVINCE = "cd-xa-phu-rieng", "ldld-dong-nai"
ISSUED_ON = date(2026, 4, 2)  # after Đợt II's deadline: a report of the whole plan


@pytest.fixture
def plan_work(api, today, current_plan):
    """Dossiers answering plan 120/KH-LĐLĐ, in Đợt I unless said: officer's child granted 45.000.000 of 50.000.000 by
    the Confederation, its house refused by the province, a child returned by the commune, a child submitted after
    Đợt II's deadline (late); officer2's accident aid waiting at the commune; officer3's house waiting at xã Bù Đăng.
    Returns the plan and the dossiers' ids."""
    today(date(2025, 12, 1))
    dossier, staff = api.at_decider(citizen_id="070085000201")
    granted = api.fire_ok(staff, dossier, "accept", granted_amount_vnd=45_000_000)
    dossier, staff = api.at_decider(kind="union_housing", citizen_id="070085000202")
    refused = api.fire_ok(staff, dossier, "reject", comment="Không đủ điều kiện.")
    returned = api.fire_ok("reviewer", api.submitted(citizen_id="070085000203", requested_amount_vnd=20_000_000),
                           "return", comment="Thiếu giấy tờ.")
    aid = api.submitted("officer2", kind="accident_aid", citizen_id="070085000204")
    bu_dang = api.submitted("officer3", kind="union_housing", citizen_id="070085000205")
    late = api.create(citizen_id="070085000206", requested_amount_vnd=10_000_000)
    today(ISSUED_ON)
    late = api.fire_ok("officer", late, "submit")
    return {"plan": current_plan, "ids": [d["id"] for d in (granted, refused, returned, aid, bu_dang, late)],
            "phu_rieng": [d["id"] for d in (granted, refused, returned, aid, late)], "late": late}


# --- helpers -------------------------------------------------------------------------------------------------

def layout_text(data: bytes) -> str:
    """The PDF as pdftotext lays it out: a table's row on one line, its columns apart."""
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode()


def words(text: str) -> str:
    return " ".join(text.split())


def flowing_text(data: bytes) -> str:
    """The PDF's words in reading order, column after column (the "Nơi nhận" before the signing block)."""
    return words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def amount(vnd: int) -> str:
    return f"{vnd:,}".replace(",", ".")


def issue(session, plan, **form):
    return session.post(f"/campaigns/{plan}/report/issue", data=form)


def reports_of(app, code: str) -> list[CampaignReport]:
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
        rows = db.session.scalars(sa.select(CampaignReport).where(CampaignReport.organisation_id == org.id)
                                  .order_by(CampaignReport.id)).all()
        for row in rows:  # loaded before the session closes
            _ = row.document.number, row.recipient, row.figures
        return rows


def pdf_of(session, report: CampaignReport) -> bytes:
    response = session.get(f"/documents/{report.document_id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def recount(app, dossier_ids) -> dict:
    """The figures recounted in Python from the dossiers themselves, per kind and in total: (submitted, on time,
    late, granted, refused, being considered, returned, withdrawn or closed, asked, granted đồng)."""
    with app.app_context():
        dossiers = db.session.scalars(sa.select(Dossier).where(Dossier.id.in_(dossier_ids))).all()
        rows: dict[str | None, list[int]] = {}
        for dossier in dossiers:
            outcome = OUTCOME_OF_STATE[dossier.state]
            values = [1, 0 if dossier.submitted_late else 1, 1 if dossier.submitted_late else 0,
                      outcome == "granted", outcome == "refused", outcome in ("waiting", "approved"),
                      outcome == "returned", outcome in ("withdrawn", "closed"),
                      dossier.requested_amount_vnd or 0, dossier.granted_amount_vnd or 0]
            for key in (dossier.kind, None):
                rows[key] = [a + int(b) for a, b in zip(rows.get(key, [0] * 10), values, strict=True)]
        return rows


def row_pattern(index, name_start: str, figures: list[int]) -> re.Pattern:
    """A row of a figures table as laid out: its number, the start of its name, then its ten figures."""
    cells = r"\s+".join(re.escape(amount(value)) for value in figures)
    return re.compile(rf"^\s*{index}\s+{re.escape(name_start)}.*?\s{cells}\s*$", re.MULTILINE)


def new_province(app, code="ldld-binh-duong", name="Liên đoàn Lao động tỉnh Bình Dương"):
    """Another province under the Confederation, with a staff user `staff-<code>`."""
    from workflow.auth.models import User
    from workflow.orgs.models import OrganisationPlacement

    with app.app_context():
        tld = db.session.scalar(sa.select(Organisation).where(Organisation.code == "tld"))
        org = Organisation(code=code, level="province", name=name, header_name=name.upper(), abbreviation="LĐLĐ",
                           place_name="Bình Dương", signing_body="BAN THƯỜNG VỤ", head_name="Trần Văn Năm")
        db.session.add_all([org, OrganisationPlacement(organisation=org, parent=tld)])
        user = User(username=f"staff-{code}", full_name="Cán bộ tỉnh Bình Dương", role="staff", organisation=org)
        user.set_password("demo")
        db.session.add(user)
        db.session.commit()
    return f"staff-{code}"


# --- tests ---------------------------------------------------------------------------------------------------

def test_a_commune_union_issues_its_report_and_the_pdf_reads_back_its_figures(app, browser, plan_work):
    plan = plan_work["plan"]
    session = browser("reviewer")
    response = issue(session, plan)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/campaigns/{plan}/report")
    [report] = reports_of(app, COMMUNE)
    assert report.document.number == "01/BC-CĐX"  # the commune's first document of 2026
    assert report.document.doc_type == "BC" and report.document.issued_on == ISSUED_ON
    assert report.recipient.code == PROVINCE and report.phase_id is None
    page = session.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã ban hành báo cáo số 01/BC-CĐX và gửi Liên đoàn Lao động tỉnh Đồng Nai." in page

    data = pdf_of(session, report)
    text, flat = layout_text(data), flowing_text(data)
    assert "LĐLĐ TỈNH ĐỒNG NAI" in flat and "CÔNG ĐOÀN XÃ PHÚ RIỀNG" in flat
    assert "Số: 01/BC-CĐX" in flat
    assert "Phú Riềng, ngày 02 tháng 4 năm 2026" in flat
    assert "BÁO CÁO Tổng kết thực hiện Kế hoạch số 120/KH-LĐLĐ ngày 15/09/2025" in flat

    expected = recount(app, plan_work["phu_rieng"])
    total = expected[None]
    assert total[:3] == [5, 4, 1]
    assert (f"Tổng số hồ sơ đã nộp: {total[0]} hồ sơ ({total[1]} hồ sơ nộp đúng hạn, {total[2]} hồ sơ nộp sau "
            "hạn)") in flat
    assert f"- Được chấp thuận: {total[3]} hồ sơ;" in flat
    assert f"- Không được chấp thuận: {total[4]} hồ sơ;" in flat
    assert f"- Đang xem xét, giải quyết: {total[5]} hồ sơ;" in flat
    assert f"- Trả lại để hoàn thiện: {total[6]} hồ sơ." in flat
    assert f"Tổng kinh phí đề nghị hỗ trợ: {amount(total[8])} đồng" in flat
    assert f"Tổng kinh phí được hỗ trợ: {amount(45_000_000)} đồng (Bằng chữ: {amount_in_words(45_000_000)})" in flat

    # Biểu 1: by kind, in the registry's order, then the total
    kinds = {"child_heart": "Trẻ em tim", "union_housing": "Mái ấm", "accident_aid": "TNLĐ, BNN"}
    found = [(kind, expected[kind]) for kind in KINDS if kind in expected]
    by_kind = text.split("Biểu 1.")[1].split("Biểu 2.")[0]
    for index, (kind, figures) in enumerate(found, start=1):
        assert row_pattern(index, kinds[kind], figures).search(by_kind), (kind, figures, by_kind)
    assert row_pattern("", "Tổng cộng", total).search(by_kind), by_kind

    # Biểu 2: by grassroots union
    by_unit = text.split("Biểu 2.")[1].split("Biểu 3.")[0]
    officer_union = recount(app, [i for i in plan_work["phu_rieng"] if i != plan_work["ids"][3]])[None]
    assert row_pattern(1, "Công đoàn cơ sở", officer_union).search(by_unit), by_unit  # the names in order
    assert row_pattern(2, "Công đoàn cơ sở", recount(app, [plan_work["ids"][3]])[None]).search(by_unit)
    assert words(by_unit).index("Công ty TNHH MTV Cao su Phú Riềng") < words(by_unit).index("Trường THCS Phú Trung")
    assert row_pattern("", "Tổng cộng", total).search(by_unit)

    # Biểu 3: the days each level held them, the levels as columns
    days = words(text.split("Biểu 3.")[1])
    assert "Số ngày mỗi cấp giữ hồ sơ (trung vị)" in days and "Tất cả các loại" in days
    assert "Công đoàn cấp trên trực tiếp cơ sở" in days

    assert "Nơi nhận: - Liên đoàn Lao động tỉnh Đồng Nai (để báo cáo); - Lưu: VT, VP." in flat
    assert "TM. BAN THƯỜNG VỤ CHỦ TỊCH" in flat and "Nguyễn Văn Hùng" in flat

    assert session.client.get(f"/verify/{report.document.verify_code}").status_code == 200  # anyone checks it
    # what the report keeps is what it printed
    assert report.figures["total"]["submitted"] == total[0]
    assert report.figures["total"]["granted_vnd"] == 45_000_000


def test_the_province_reports_one_phase_to_the_confederation_which_reads_it(app, browser, plan_work):
    plan = plan_work["plan"]
    session = browser("liaison")
    with app.app_context():
        first_phase = db.session.scalar(sa.select(Dossier.phase_id).where(Dossier.id == plan_work["ids"][0]))
    response = issue(session, plan, phase=str(first_phase))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/campaigns/{plan}/report?phase={first_phase}")
    [report] = reports_of(app, PROVINCE)
    assert report.recipient.code == "tld" and report.phase_id == first_phase
    assert re.fullmatch(r"\d\d/BC-LĐLĐ", report.document.number)

    flat = flowing_text(pdf_of(session, report))
    assert "TỔNG LĐLĐ VIỆT NAM LĐLĐ TỈNH ĐỒNG NAI" in flat  # the parent, then the issuer
    assert f"Số: {report.document.number}" in flat
    assert "Tổng kết thực hiện Kế hoạch số 120/KH-LĐLĐ ngày 15/09/2025 – Đợt I" in flat
    # only what reached the province, in Đợt I: the child decided above it and the house it refused
    assert "Tổng số hồ sơ đã nộp: 2 hồ sơ (2 hồ sơ nộp đúng hạn, 0 hồ sơ nộp sau hạn)" in flat
    assert "Nơi nhận: - Tổng Liên đoàn Lao động Việt Nam (để báo cáo);" in flat
    assert "KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in flat

    # the Confederation reads it, and finds it among the reports sent to it
    tld = browser("tld")
    assert tld.get(f"/documents/{report.document_id}").status_code == 200
    with app.test_request_context():
        from workflow.auth.models import User
        from workflow.campaigns.models import Campaign
        from workflow.reports.official import reports_for_page

        user = db.session.scalar(sa.select(User).where(User.username == "tld"))
        listed = reports_for_page(user, db.session.get(Campaign, plan), None)["official_reports"]
        assert [item.report.document.number for item in listed.received] == [report.document.number]
        assert listed.issued == [] and listed.may_issue
    # ... and hears of it: the item leads to the plan's report page, where it is listed
    from workflow.notifications.models import Notification

    inbox = tld.get("/notifications").get_data(as_text=True)
    assert (f"Liên đoàn Lao động tỉnh Đồng Nai đã gửi báo cáo tổng kết số {report.document.number} về Kế hoạch số "
            "120/KH-LĐLĐ.") in inbox
    with app.app_context():
        item = db.session.scalar(sa.select(Notification).where(Notification.topic == "report_received"))
    opened = tld.post(f"/notifications/{item.id}/open")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/campaigns/{plan}/report")


def test_numbers_follow_the_organisations_sequence_and_a_correction_is_a_new_report(app, api, browser, plan_work):
    plan = plan_work["plan"]
    session = browser("reviewer")
    assert issue(session, plan).status_code == 303
    returned = api.fire_ok("reviewer", api.view("reviewer", plan_work["late"]), "return", comment="Bổ sung.")
    assert returned["documents"][-1]["number"] == "02/TB-CĐX"  # the report took 01 of the commune's sequence
    assert issue(session, plan).status_code == 303
    first, corrected = reports_of(app, COMMUNE)
    assert (first.document.number, corrected.document.number) == ("01/BC-CĐX", "03/BC-CĐX")
    assert first.figures["total"]["returned"] == 1 and corrected.figures["total"]["returned"] == 2
    assert first.figures != corrected.figures  # each keeps what it printed

    page = session.get(f"/campaigns/{plan}/report").get_data(as_text=True)
    issued = page.split('id="official-issued"')[1].split("</table>")[0]
    assert issued.index("03/BC-CĐX") < issued.index("01/BC-CĐX")  # newest first, the older one still listed
    assert issued.count("Đã có bản thay thế") == 1
    # the province sees its commune's reports beside its own figures
    province_page = browser("liaison").get(f"/campaigns/{plan}/report").get_data(as_text=True)
    received = province_page.split('id="official-received"')[1].split("</table>")[0]
    assert "Công đoàn xã Phú Riềng" in received and "03/BC-CĐX" in received and "01/BC-CĐX" in received


def test_a_grassroots_union_reports_on_its_own_dossiers(app, browser, plan_work):
    session = browser("officer")
    assert issue(session, plan_work["plan"]).status_code == 303
    [report] = reports_of(app, "cdcs-cao-su-phu-rieng")
    assert report.document.number.endswith("/BC-CĐCS") and report.recipient.code == COMMUNE
    flat = flowing_text(pdf_of(session, report))
    assert "Tổng số hồ sơ đã nộp: 4 hồ sơ" in flat
    assert "Biểu 2. Kết quả theo đơn vị" not in flat  # a union has no units below it
    assert browser("reviewer").get(f"/documents/{report.document_id}").status_code == 200  # its upper union


def test_only_the_issuer_and_its_parent_read_a_report_and_others_get_404(app, api, browser, plan_work):
    plan = plan_work["plan"]
    other = new_province(app)
    assert issue(browser("reviewer"), plan).status_code == 303
    [report] = reports_of(app, COMMUNE)
    url = f"/documents/{report.document_id}"
    assert browser("reviewer").get(url).status_code == 200
    assert browser("liaison").get(url).status_code == 200
    for user in ("reviewer2", "officer", "tld", other):  # a sibling, a union below, the level above the parent
        assert browser(user).get(url).status_code == 404, user
    assert api.get("liaison", f"/api/v1/documents/{report.document_id}").status_code == 200
    assert api.get("reviewer2", f"/api/v1/documents/{report.document_id}").status_code == 404
    # another province may not report on Đồng Nai's plan: not found, nothing issued
    assert issue(browser(other), plan).status_code == 404
    assert issue(browser("admin"), plan).status_code == 404
    assert issue(browser("reviewer"), plan, phase="999999").status_code == 404
    assert len(reports_of(app, COMMUNE)) == 1


def test_the_form_needs_its_csrf_token(app, browser, plan_work):
    session = browser("reviewer")
    assert session.client.post(f"/campaigns/{plan_work['plan']}/report/issue").status_code == 400
    assert session.client.post(f"/campaigns/{plan_work['plan']}/report/issue",
                               data={"csrf_token": "forged"}).status_code == 400
    assert reports_of(app, COMMUNE) == []


def test_a_failed_issue_leaves_no_row_and_no_stored_file(app, browser, plan_work, monkeypatch):
    """The document is rendered and stored, then the step fails: its row, its number and its file all go."""
    from flask import g

    from workflow import storage
    from workflow.reports import official

    stored = []

    def failing_report(**values):
        if getattr(g, "new_files", None):  # the attempt that stores the file (the last one, on SQLite)
            stored.extend(g.new_files)
            raise RuntimeError("the disk is full")
        return CampaignReport(**values)

    storage_dir = Path(app.config["STORAGE_DIR"])
    before = {p for p in storage_dir.rglob("*") if p.is_file()}
    monkeypatch.setattr(official, "CampaignReport", failing_report)
    with pytest.raises(RuntimeError):
        issue(browser("reviewer"), plan_work["plan"])
    assert stored
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignReport)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)
                                 .where(Document.doc_type == "BC")) == 0
        assert not any(storage.exists(sha256) for sha256 in stored)
    assert {p for p in storage_dir.rglob("*") if p.is_file()} == before
    monkeypatch.undo()
    assert issue(browser("reviewer"), plan_work["plan"]).status_code == 303
    assert reports_of(app, COMMUNE)[0].document.number == "01/BC-CĐX"  # the failed one took no number


def test_a_report_waits_for_the_signer_where_the_organisation_has_its_documents_signed(
        app, browser, plan_work, signing_step):
    plan = plan_work["plan"]
    liaison = browser("liaison")
    response = issue(liaison, plan)
    assert response.status_code == 303
    page = liaison.get(response.headers["Location"]).get_data(as_text=True)
    assert "Báo cáo được ban hành khi lãnh đạo ký" in page
    assert reports_of(app, PROVINCE) == []  # nothing issued, nothing numbered
    waiting = page.split('id="official-heading"')[1]
    request_id = re.search(r'href="/signing/(\d+)"', waiting).group(1)
    # a second one for the same plan and phase waits for the first
    response = issue(liaison, plan)
    assert "đang chờ lãnh đạo ký" in liaison.get(response.headers["Location"]).get_data(as_text=True)

    leader = browser("leader")
    # the signer hears of it; the item leads to the queue (the request concerns no dossier)
    from workflow.notifications.models import Notification

    with app.app_context():
        item = db.session.scalar(sa.select(Notification).where(Notification.topic == "signing_requested"))
    assert leader.post(f"/notifications/{item.id}/open").headers["Location"].endswith("/signing")
    assert leader.post(f"/signing/{request_id}/sign").status_code in (302, 303)
    [report] = reports_of(app, PROVINCE)
    with app.app_context():
        document = db.session.get(Document, report.document_id)
        assert document.signed_by.username == "leader" and document.state == "issued"
        assert str(document.signing_request_id) == request_id
    flat = flowing_text(pdf_of(liaison, report))
    assert f"Số: {report.document.number}" in flat and "Phạm Văn Lực" in flat and "DỰ THẢO" not in flat

