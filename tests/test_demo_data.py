"""The demo (`flask seed-demo --with-dossiers` on a new database, as scripts/demo runs it): the history of 2017–2018
on the tree of that time, the 2025 restructuring through the real operation, and this year's work on today's
tree, so that every role finds something to do on the first morning; and all of it dated sensibly, whatever day the
demo is loaded on."""
import io
import itertools
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from workflow.campaigns.models import Campaign
from workflow.demo_data import _current_plan
from workflow.dossiers.models import Attachment, Batch, Dossier, DossierEvent
from workflow.extensions import db
from workflow.notifications.models import Notification
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
    heading = abbreviated(union_request).split("CỘNG HÒA")[0]  # however much of the names the heading abbreviates
    assert heading.startswith("LĐLĐ HUYỆN PHÚ RIỀNG ") and "CAO SU PHÚ RIỀNG" in heading
    assert ("Kính gửi: Liên đoàn Lao động huyện Phú Riềng" in union_request
            and "ngày 20 tháng 11 năm 2017" in union_request)
    assert abbreviated(district_minutes).startswith("LĐLĐ TỈNH BÌNH PHƯỚC LĐLĐ HUYỆN PHÚ RIỀNG ")
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
    assert re.search(r"chuyển (kinh phí )?về Công đoàn xã Phú Riềng", decision, re.IGNORECASE)
    assert "Công đoàn xã Phú Riềng" in decision.split("Điều 3.")[1]  # among those who carry it out

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


# --- the demo is dated sensibly ---------------------------------------------------------------------------------
# Rules checked over every row the demo makes, on several calendars (the demo's own work is dated relative to today):
# - an organisation issues documents and acts (history rows, batches, new dossiers, uploads, plans) only on the days
#   it is in force (Organisation.valid_from..valid_to);
# - nothing is dated after the clock's today;
# - a document carries the header of its day: its parent of that day, then itself, by the names of that day, and
#   its place and date; the seed plan's 2017–2018 papers come from the bodies of that time, those from 01/07/2025
#   from today's;
# - a document is dated on a working day: not a Saturday or Sunday, 1/1, 30/4, 1/5, 2/9 or mùng 1–3 Tết;
# - an accident aid names an occasion that has not passed: the occasion's day (mùng 1 Tết for "Tết <năm âm lịch>
#   <year>", 31/5 for "Tháng Công nhân năm <year>") is at most 14 days before the day the dossier is submitted
#   (an unsubmitted draft: today), and at most 270 days after it (no occasion beyond the next one);
# - a dossier answering a plan is submitted within its phase, or marked late;
# - a child is under the rule set's age on each submission, born before it, with the surgery indicated in between;
# - a member joined the union after turning 15 and before the dossier was made.

AID_OCCASION_BEFORE_DAYS, AID_OCCASION_AFTER_DAYS = 14, 270
DAYS_OFF = {(1, 1), (4, 30), (5, 1), (9, 2)}
STEMS = ("Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý")
BRANCHES = ("Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi")
HEADING_ABBREVIATIONS = [("TỔNG LIÊN ĐOÀN LAO ĐỘNG", "TỔNG LĐLĐ"), ("LIÊN ĐOÀN LAO ĐỘNG", "LĐLĐ"),
                         ("CÔNG ĐOÀN CƠ SỞ", "CĐCS"), ("THÀNH PHỐ", "TP."),
                         ("TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN", "TNHH MTV"), ("TRÁCH NHIỆM HỮU HẠN", "TNHH"),
                         ("CỔ PHẦN", "CP"), ("CÔNG ĐOÀN", "CĐ"), ("CÔNG TY", "CTY")]
OLD_TREE = {"ldld-phu-rieng", "ldld-bu-dang", "ldld-binh-phuoc", "cdcs-th-long-ha"}


def lunar_year_name(year: int) -> str:
    """'Bính Ngọ' for 2026: the sexagenary name of the lunar year that begins in `year` (1984 was Giáp Tý)."""
    return f"{STEMS[(year - 4) % 10]} {BRANCHES[(year - 4) % 12]}"


def abbreviated(text: str) -> str:
    """Upper case, with every abbreviation the union's headings use ("LIÊN ĐOÀN LAO ĐỘNG" -> "LĐLĐ"), so that a
    name compares equal however much of it a heading abbreviates."""
    text = text.upper()
    for phrase, short in HEADING_ABBREVIATIONS:
        text = text.replace(phrase, short)
    return text


def occasion_day(occasion: str) -> date | None:
    from workflow.demo_data import TET

    if match := re.fullmatch(r"Tết (\S+ \S+) (\d{4})", occasion):
        year = int(match[2])
        return TET.get(year) if match[1] == lunar_year_name(year) else None
    if match := re.fullmatch(r"Tháng Công nhân năm (\d{4})", occasion):
        return date(int(match[1]), 5, 31)
    return None


def day_off(day: date) -> bool:
    from workflow.demo_data import TET

    tet = TET.get(day.year)
    return (day.weekday() >= 5 or (day.month, day.day) in DAYS_OFF
            or (tet is not None and tet <= day <= tet + timedelta(days=2)))


def local_day(moment: datetime) -> date:
    from workflow import clock

    return moment.replace(tzinfo=UTC).astimezone(clock.ZONE).date()


def first_page(document) -> str:
    from workflow import storage

    reader = PdfReader(io.BytesIO(storage.read(document.sha256)))
    return " ".join(reader.pages[0].extract_text().split())


def submissions(dossier):
    """(day, data as submitted) of each submission of the dossier."""
    return [(local_day(e.at), e.data_snapshot or dossier.data) for e in dossier.events if e.event == "submit"]


def _in_force(org, day, what):
    if not org.in_force(day):
        yield f"{what}: {org.code} acts on {day} outside {org.valid_from}..{org.valid_to}"


def organisations_in_force():
    for d in db.session.scalars(sa.select(Document)):
        yield from _in_force(d.organisation, d.issued_on, f"document {d.id} {d.number}")
        if local_day(d.issued_at) != d.issued_on:
            yield f"document {d.id} {d.number}: issued at {d.issued_at} UTC, dated {d.issued_on}"
    for e in db.session.scalars(sa.select(DossierEvent)):
        yield from _in_force(e.organisation, local_day(e.at), f"event {e.id} {e.event} of dossier {e.dossier_id}")
    for b in db.session.scalars(sa.select(Batch)):
        yield from _in_force(b.organisation, local_day(b.created_at), f"batch {b.id} (sender)")
        yield from _in_force(b.recipient, local_day(b.created_at), f"batch {b.id} (recipient)")
    for d in db.session.scalars(sa.select(Dossier)):
        yield from _in_force(d.organisation, local_day(d.created_at), f"dossier {d.id} created")
    for a in db.session.scalars(sa.select(Attachment)):
        yield from _in_force(a.dossier.organisation, local_day(a.uploaded_at), f"attachment {a.id} uploaded")
    for c in db.session.scalars(sa.select(Campaign)):
        yield from _in_force(c.issuer, c.plan_date, f"plan {c.plan_number}")


def nothing_after(today):
    stamps = [(f"document {d.id} {d.number}", d.issued_on) for d in db.session.scalars(sa.select(Document))]
    stamps += [(f"event {e.id}", local_day(e.at)) for e in db.session.scalars(sa.select(DossierEvent))]
    stamps += [(f"batch {b.id}", local_day(b.created_at)) for b in db.session.scalars(sa.select(Batch))]
    stamps += [(f"attachment {a.id}", local_day(a.uploaded_at)) for a in db.session.scalars(sa.select(Attachment))]
    stamps += [(f"notification {n.id}", local_day(n.created_at)) for n in db.session.scalars(sa.select(Notification))]
    stamps += [(f"plan {c.plan_number}", c.plan_date) for c in db.session.scalars(sa.select(Campaign))]
    for d in db.session.scalars(sa.select(Dossier)):
        stamps += [(f"dossier {d.id} created", local_day(d.created_at)), (f"dossier {d.id} updated",
                                                                          local_day(d.updated_at))]
        if d.submitted_on:
            stamps.append((f"dossier {d.id} submitted", d.submitted_on))
    for what, day in stamps:
        if day > today:
            yield f"{what}: dated {day}, after today {today}"


def headers_of_their_day():
    from workflow.formatting import official_date_line

    for d in db.session.scalars(sa.select(Document)):
        day, org = d.issued_on, d.organisation
        lines = [org] if (parent := org.parent_on(day)) is None else [parent, org]
        # each line by its header name of that day or its short one, maybe with the union's usual abbreviations
        names = [[n.header_name, *filter(None, [n.short_header_name])] for n in (o.names_on(day) for o in lines)]
        heads = {abbreviated(" ".join(combination)) for combination in itertools.product(*names)}
        text = first_page(d)
        if not any(abbreviated(text).startswith(head + " ") for head in heads):
            yield f"document {d.id} {d.number} of {day}: header {text[:90]!r}, expected one of {sorted(heads)}"
        if official_date_line(org.place_name, day) not in text:
            yield f"document {d.id} {d.number}: no {official_date_line(org.place_name, day)!r}"
        if day >= date(2025, 7, 1) and org.code in OLD_TREE:
            yield f"document {d.id} {d.number} of {day} issued by {org.code}, ended on 30/06/2025"
    for d in db.session.scalars(sa.select(Dossier).join(Campaign).where(Campaign.plan_number == "45/KH-LĐLĐ")):
        issuers = [e.document.organisation.code for e in d.events if e.document]
        union = d.organisation.code
        district = {"cdcs-cao-su-phu-rieng": "ldld-phu-rieng", "cdcs-mn-tuoi-hong": "ldld-bu-dang"}.get(union)
        expected = [union, district, district, "ldld-binh-phuoc", "ldld-binh-phuoc", "tld"]
        if issuers != expected:
            yield f"dossier {d.id} of the seed plan: documents by {issuers}, expected {expected}"


def working_days():
    for d in db.session.scalars(sa.select(Document)):
        if day_off(d.issued_on):
            yield f"document {d.id} {d.number} dated {d.issued_on:%a %d/%m/%Y}, a day off"


def aid_occasions(today):
    for d in db.session.scalars(sa.select(Dossier).where(Dossier.kind == "accident_aid")):
        for day, data in submissions(d) or [(today, d.data)]:
            occasion = data.get("occasion") or ""
            when = occasion_day(occasion)
            if when is None:
                yield f"aid dossier {d.id} ({d.subject}): occasion {occasion!r} unknown"
            elif not (day - timedelta(days=AID_OCCASION_BEFORE_DAYS) <= when
                      <= day + timedelta(days=AID_OCCASION_AFTER_DAYS)):
                yield f"aid dossier {d.id} ({d.subject}) on {day} asks for {occasion!r} ({when})"


def within_phases():
    for d in db.session.scalars(sa.select(Dossier).where(Dossier.campaign_id.is_not(None))):
        days = [day for day, _ in submissions(d)]
        if local_day(d.created_at) < d.campaign.plan_date:
            yield f"dossier {d.id} made on {local_day(d.created_at)}, before its plan of {d.campaign.plan_date}"
        if not days:
            continue
        phase, first = d.phase, days[0]
        if phase is None or phase.campaign_id != d.campaign_id:
            yield f"dossier {d.id}: no phase of its plan"
        elif phase.starts_on and first < phase.starts_on:
            yield f"dossier {d.id} submitted {first}, before its phase {phase.name} opens ({phase.starts_on})"
        elif (first > phase.ends_on) != d.submitted_late:
            yield (f"dossier {d.id} submitted {first}, phase {phase.name} until {phase.ends_on}, "
                   f"marked late: {d.submitted_late}")


def children_and_members():
    from workflow.dossiers.kinds.base import add_years

    for d in db.session.scalars(sa.select(Dossier)):
        made = local_day(d.created_at)
        for day, data in submissions(d) or [(made, d.data)]:
            birth, joined = date.fromisoformat(data["birth_date"]), date.fromisoformat(data["member_since"])
            if not add_years(birth, 15) <= joined <= made:
                yield f"dossier {d.id}: member born {birth} joined on {joined}, dossier made on {made}"
            if d.kind == "accident_aid" and date.fromisoformat(data["occurred_on"]) > day:
                yield f"aid dossier {d.id}: occurred on {data['occurred_on']}, after its submission {day}"
            if d.kind != "child_heart" or not d.rule_set:
                continue
            child = date.fromisoformat(data["child_birth_date"])
            indicated = date.fromisoformat(data["surgery_indicated_on"])
            limit = add_years(child, d.rule_set.params["max_age_years"])
            if not child < day < limit:
                yield f"child dossier {d.id}: born {child}, submitted {day}, too old from {limit}"
            if not child <= indicated <= day:
                yield f"child dossier {d.id}: born {child}, surgery indicated {indicated}, submitted {day}"


@pytest.mark.parametrize("day", [date(2026, 11, 23), date(2026, 1, 5), date(2026, 3, 16), date(2027, 5, 20),
                                 datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()],
                         ids=["23-11-2026", "05-01-2026", "16-03-2026", "20-05-2027", "real-today"])
def test_the_demo_is_dated_sensibly(app, empty_database, today, day):
    today(day)
    result = app.test_cli_runner().invoke(args=["seed-demo", "--with-dossiers"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        problems = [*organisations_in_force(), *nothing_after(day), *headers_of_their_day(), *working_days(),
                    *aid_occasions(day), *within_phases(), *children_and_members()]
    assert not problems, f"{len(problems)} problems in the demo of {day}:\n" + "\n".join(problems)


def test_the_lunar_calendar_of_the_demo():
    from workflow.demo_data import TET

    assert lunar_year_name(2026) == "Bính Ngọ" and lunar_year_name(2027) == "Đinh Mùi"
    assert lunar_year_name(2018) == "Mậu Tuất" and lunar_year_name(2025) == "Ất Tỵ"
    assert (TET[2018], TET[2025], TET[2026], TET[2027]) == (date(2018, 2, 16), date(2025, 1, 29), date(2026, 2, 17),
                                                           date(2027, 2, 6))
    assert all(date(year, 1, 21) <= day <= date(year, 2, 20) for year, day in TET.items())  # a new moon in between
    assert occasion_day("Tết Bính Ngọ 2026") == date(2026, 2, 17) and occasion_day("Tết Đinh Mùi 2026") is None
    assert occasion_day("Tháng Công nhân năm 2027") == date(2027, 5, 31)
