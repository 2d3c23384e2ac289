"""The demo's sample work (workflow/demo_data.py, `flask seed-demo --with-dossiers`): what each role finds on
the first morning, made through the real operations, once."""
from datetime import date

import sqlalchemy as sa

from workflow.demo_data import _current_plan
from workflow.dossiers.models import Attachment, Batch, Dossier, DossierEvent
from workflow.extensions import db
from workflow.orgs.models import Organisation
from workflow.pdf.models import Document


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


def test_sample_dossiers_give_every_role_work_to_do(app, browser, today):
    today(date(2026, 11, 23))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--with-dossiers"])
    assert result.exit_code == 0, result.output
    assert "18 sample dossiers created." in result.output
    seeded = counts(app)
    assert seeded["Dossier"] == 18 and seeded["Batch"] == 2 and seeded["Document"] > 25

    with app.app_context():  # every dossier answers the current plan, in time; the reviewer's queue has ages
        dossiers = db.session.scalars(sa.select(Dossier)).all()
        assert {d.campaign.plan_number for d in dossiers} == {"112/KH-LĐLĐ"}
        assert not any(d.submitted_late for d in dossiers)
        assert {d.kind for d in dossiers} == {"child_heart", "creative_labour", "union_housing", "accident_aid"}
        states = sorted(d.state for d in dossiers)
        assert states.count("draft") == 2 and states.count("returned") == 1 and states.count("approved") == 4
        assert states.count("forwarded") == 2 and states.count("accepted") == 1 and states.count("rejected") == 1
        assert len({d.citizen_id for d in dossiers}) == 18

    reviewer = page(browser("reviewer"))
    queue = section(reviewer, "queue", "to-forward")
    assert "2 hồ sơ đã chờ thẩm định quá 10 ngày." in reviewer
    assert '<span class="badge text-bg-danger">16 ngày</span>' in queue and "nộp lại lần 2" in queue
    assert queue.count('href="/dossiers/') == 6
    to_forward = section(reviewer, "to-forward", "per-union")
    assert 'data-kind="child_heart"' in to_forward and 'data-kind="union_housing"' in to_forward
    assert to_forward.count('name="dossier_id"') == 4

    resubmitted, state = dossier_of(app, "Phan Thanh Tùng")
    assert state == "submitted"
    changes = section(page(browser("reviewer"), f"/dossiers/{resubmitted}"), "changes-heading", "facts-heading")
    assert "Lần nộp 2 so với lần 1" in changes and 'data-field="solutions"' in changes and "22/QĐ-HĐSK" in changes
    assert "Bảng tính giá trị làm lợi.pdf" in changes.split("files-added")[1]

    liaison = page(browser("liaison"))
    pending = section(liaison, "pending", "received")
    assert "2/2 hồ sơ chờ quyết định" in pending and "đã chờ 17 ngày" in pending
    assert "2/2 đã quyết định" in section(liaison, "received")

    officer = page(browser("officer"))
    to_finish = section(officer, "to-finish", "sent")
    assert "Lý do trả lại" in to_finish and "Giấy khai sinh của trẻ là bản chụp không rõ chữ" in to_finish
    assert to_finish.count('href="/dossiers/') == 3  # the returned dossier and two drafts
    house_draft, _ = dossier_of(app, "Lò Văn Sáng")
    assert "Còn thiếu tệp bắt buộc: Ảnh hiện trạng nhà ở." in page(browser("officer"), f"/dossiers/{house_draft}")
    sent = section(officer, "sent")
    assert "30.000.000 đ" in sent and "không hỗ trợ trùng" in sent
    assert "Kế hoạch 112/KH-LĐLĐ" in officer and "31/12/2026" in officer and "31/03/2027" in officer

    assert section(page(browser("officer2")), "sent").count('href="/dossiers/') == 3  # two submitted, one approved
    assert section(page(browser("reviewer2")), "queue", "to-forward").count('href="/dossiers/') == 1

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
    for day, title_years, phase in [(date(2026, 11, 23), "2026–2027", "Đợt I"), (date(2027, 1, 6), "2026–2027", "Đợt II"),
                                    (date(2027, 3, 31), "2026–2027", "Đợt II"), (date(2027, 4, 2), "2027–2028", "Đợt I")]:
        plan = _current_plan(day, union)
        assert plan.title.endswith(title_years) and plan.open_phase(day).name == phase
        assert plan.plan_date <= date.fromordinal(day.toordinal() - 56)  # before the oldest sample step
        db.session.rollback()
    # While a plan has a phase open (the 2017–2018 seed plan on 05/01/2018), the samples answer that one.
    assert _current_plan(date(2018, 1, 5), union).plan_number == "45/KH-LĐLĐ"
