"""The demo (`flask seed-demo --with-dossiers` on a new database, as scripts/demo runs it): the history of 2017–2018
on the tree of that time, the 2025 restructuring through the real operation, and this year's work on today's
tree, so that every role finds something to do on the first morning."""
import io
import re
from datetime import date

import sqlalchemy as sa
from pypdf import PdfReader

from workflow.demo_data import _current_plan
from workflow.dossiers.models import Attachment, Batch, Dossier, DossierEvent
from workflow.extensions import db
from workflow.orgs.models import Organisation
from workflow.pdf.models import Document

from .conftest import Browser


def page(session, url="/"):
    response = session.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def section(html, start, end=None):
    part = html.split(f'id="{start}"')[1]
    return part.split(f'id="{end}"')[0] if end else part


def counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Dossier, DossierEvent, Attachment, Document, Batch)}


def dossier_of(app, full_name):
    with app.app_context():
        dossier = db.session.scalar(sa.select(Dossier).where(Dossier.subject.contains(full_name)))
        return dossier.id, dossier.state


def pdf_text(session, url):
    response = session.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf", url
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).split())


def documents_of(html):
    """The documents linked from a page, in order, once each."""
    return list(dict.fromkeys(re.findall(r'href="(/documents/\d+)"', html)))


def test_the_demo_tells_the_history_and_gives_every_role_work(app, empty_database, today):
    today(date(2026, 11, 23))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--with-dossiers"])
    assert result.exit_code == 0, result.output
    assert "26 sample dossiers created." in result.output
    seeded = counts(app)
    assert seeded["Dossier"] == 26 and seeded["Batch"] >= 8 and seeded["Document"] > 40
    browser = lambda user: Browser(app, user)  # noqa: E731

    with app.app_context():  # this year's work answers the current plan; the 2017–2018 work the seed plan
        plans = {d.campaign.plan_number if d.campaign else None for d in db.session.scalars(sa.select(Dossier))}
        assert plans == {"112/KH-LĐLĐ", "45/KH-LĐLĐ", None}
        ended = {o.code: (o.valid_to, o.successor and o.successor.code)
                 for o in db.session.scalars(sa.select(Organisation).where(Organisation.valid_to.is_not(None)))}
        assert ended == {"ldld-phu-rieng": (date(2025, 6, 30), "cd-xa-phu-rieng"),
                         "ldld-bu-dang": (date(2025, 6, 30), "cd-xa-bu-dang"),
                         "ldld-binh-phuoc": (date(2025, 6, 30), "ldld-dong-nai"),
                         "cdcs-th-long-ha": (date(2025, 6, 14), None)}

    # 2017: a Lao động sáng tạo nomination decided by the Confederation; its papers keep the names of that time.
    award, state = dossier_of(app, "Hoàng Văn Thái")
    assert state == "accepted"
    officer = browser("officer")
    detail = page(officer, f"/dossiers/{award}")
    for name in ("Liên đoàn Lao động huyện Phú Riềng", "Liên đoàn Lao động tỉnh Bình Phước",
                 "Tổng Liên đoàn Lao động Việt Nam"):
        assert name in detail.split('class="route-steps"')[1].split("</ol>")[0]
    texts = [pdf_text(officer, link) for link in documents_of(detail)]
    union_request, district_minutes = texts[0], texts[1]
    assert "LIÊN ĐOÀN LAO ĐỘNG HUYỆN PHÚ RIỀNG CÔNG ĐOÀN CÔNG TY TNHH MTV CAO SU PHÚ RIỀNG" in union_request
    assert ("Kính gửi: Liên đoàn Lao động huyện Phú Riềng" in union_request
            and "ngày 20 tháng 11 năm 2017" in union_request)
    assert "LIÊN ĐOÀN LAO ĐỘNG TỈNH BÌNH PHƯỚC LIÊN ĐOÀN LAO ĐỘNG HUYỆN PHÚ RIỀNG" in district_minutes
    assert "Hà Nội, ngày 25 tháng 01 năm 2018" in texts[-1] and "TM. ĐOÀN CHỦ TỊCH" in texts[-1]
    assert "Tặng Bằng “Lao động sáng tạo”" in texts[-1]
    # The commune union took the district's place: it sees what the district saw.
    assert page(browser("reviewer"), f"/dossiers/{award}")

    # June 2025: a house waiting at the district moved to the commune union, which sent it on; nothing re-issued.
    moved, state = dossier_of(app, "Phạm Thị Hồng Vân")
    assert state == "accepted"
    history = page(browser("officer2"), f"/dossiers/{moved}").split('id="history-heading"')[1]
    assert ("Liên đoàn Lao động huyện Phú Riềng kết thúc hoạt động từ ngày 01/07/2025; Công đoàn xã Phú Riềng "
            "tiếp nhận.") in history
    links = documents_of(history)
    assert "Kính gửi: Liên đoàn Lao động huyện Phú Riềng" in pdf_text(browser("officer2"), links[0])
    assert "LIÊN ĐOÀN LAO ĐỘNG TỈNH ĐỒNG NAI" in pdf_text(browser("officer2"), links[-1])
    # A house the district had sent to Bình Phước, decided by Đồng Nai in July 2025: the decision cites the
    # district's Tờ trình as it was, and hands the money to the commune union that took the district's place.
    waited, state = dossier_of(app, "Trịnh Văn Lâm")
    assert state == "accepted"
    decision = " ".join(pdf_text(browser("officer"), documents_of(page(browser("officer"), f"/dossiers/{waited}"))[-1])
                        .split())
    assert "ngày 13/06/2025 của Liên đoàn Lao động huyện Phú Riềng" in decision
    assert "Kinh phí hỗ trợ được chuyển về Công đoàn xã Phú Riềng" in decision
    assert "Điều 3. Công đoàn xã Phú Riềng" in decision

    # The dissolved school union's dossier is closed with the reason, which the union can still read.
    closed, state = dossier_of(app, "Nguyễn Thị Thu Trang")
    assert state == "closed"
    school = browser("officer5")
    assert "Công đoàn cơ sở Trường Tiểu học Long Hà kết thúc hoạt động từ ngày 15/06/2025, không có đơn vị kế " \
           "thừa." in page(school, f"/dossiers/{closed}")
    assert school.get("/dossiers/new").status_code == 403  # the union acts no more

    # This year: each role's home page has work.
    reviewer = page(browser("reviewer"))
    queue = section(reviewer, "queue", "to-forward")
    assert "nộp lại lần 2" in queue and queue.count('href="/dossiers/') >= 6
    to_forward = section(reviewer, "to-forward", "pending")
    assert 'data-kind="child_heart"' in to_forward and 'data-kind="union_housing"' in to_forward
    resubmitted, state = dossier_of(app, "Phan Thanh Tùng")
    assert state == "submitted"
    changes = section(page(browser("reviewer"), f"/dossiers/{resubmitted}"), "changes-heading", "facts-heading")
    assert "Lần nộp 2 so với lần 1" in changes and 'data-field="solutions"' in changes and "22/QĐ-HĐSK" in changes

    liaison = page(browser("liaison"))
    assert "Thạch Thị Kim" in section(liaison, "queue", "to-forward")  # the union directly under the province
    assert 'data-kind="child_heart"' in section(liaison, "to-forward", "pending")  # reviewed, to send to the TLĐ
    tld = page(browser("tld"))
    assert "Trần Gia Huy" in section(tld, "queue", "to-forward") and "Quyết định" in section(tld, "queue", "to-forward")

    officer_home = page(officer)
    to_finish = section(officer_home, "to-finish", "sent")
    assert "Lý do trả lại" in to_finish and "Giấy khai sinh của trẻ là bản chụp không rõ chữ" in to_finish
    house_draft, _ = dossier_of(app, "Lò Văn Sáng")
    assert "Còn thiếu tệp bắt buộc: Ảnh hiện trạng nhà ở." in page(officer, f"/dossiers/{house_draft}")
    assert "Kế hoạch 112/KH-LĐLĐ" in officer_home and "31/12/2026" in officer_home and "31/03/2027" in officer_home

    # Twice adds nothing; production still refuses.
    again = runner.invoke(args=["seed-demo", "--with-dossiers"])
    assert again.exit_code == 0 and "no sample added" in again.output
    assert counts(app) == seeded
    app.config["ENV_NAME"] = "production"
    try:
        refused = runner.invoke(args=["seed-demo", "--with-dossiers"])
    finally:
        app.config["ENV_NAME"] = "testing"
    assert refused.exit_code != 0 and "refused in production" in refused.output


def test_the_demo_plan_keeps_today_inside_a_phase(ctx):
    union = db.session.scalar(sa.select(Organisation).where(Organisation.code == "cdcs-cao-su-phu-rieng"))
    for day, title_years, phase in [(date(2026, 11, 23), "2026–2027", "Đợt I"),
                                    (date(2027, 1, 6), "2026–2027", "Đợt II"),
                                    (date(2027, 3, 31), "2026–2027", "Đợt II"),
                                    (date(2027, 4, 2), "2027–2028", "Đợt I")]:
        plan = _current_plan(day, union)
        assert plan.title.endswith(title_years) and plan.open_phase(day).name == phase
        assert plan.issuer.code == "ldld-dong-nai"
        assert plan.plan_date <= date.fromordinal(day.toordinal() - 56)  # before the oldest sample step
        db.session.rollback()
    # While a plan has a phase open (the 2017–2018 seed plan on 05/01/2018), the samples answer that one.
    assert _current_plan(date(2018, 1, 5), union).plan_number == "45/KH-LĐLĐ"
