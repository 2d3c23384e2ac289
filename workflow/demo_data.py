"""Sample work for the demo (`flask seed-demo --with-dossiers`): the union's history and a morning's work.

- 2017–2018, on the tree of that time, under the seed plan 45/KH-LĐLĐ: a Lao động sáng tạo nomination and a child's
  heart surgery go from the grassroots unions through the district federations and LĐLĐ tỉnh Bình Phước to the
  Confederation, which decides; in 2023 a house of the union directly under the province is decided there.
- June 2025: a house waits at LĐLĐ huyện Phú Riềng and another at Bình Phước when the restructuring comes; a
  public school's union is dissolved with a dossier open. The restructuring is played through the real operation
  (workflow/seed.py ENDINGS): the school's dossier is closed with its reason; the waiting ones move to Công đoàn
  xã Phú Riềng and to LĐLĐ tỉnh Đồng Nai, which decide them in July 2025.
- The last six weeks, on today's tree, under an invented current plan (112/KH-LĐLĐ of LĐLĐ tỉnh Đồng Nai): about
  twenty dossiers in every stage, so that each role's home page has something to do. Each step falls on a working
  day; an accident aid names the next occasion still open on its day (Tết, or Tháng Công nhân in May), and where the
  rule sets in force do not list that occasion the province's admin adds a demo-only one that does.

Everything goes through the real operations, so that every official document, history row and notification exists
as in real use; nothing is written to the dossier tables directly. Each step runs with the calendar and clock of
its day (`workflow.clock`), in date order, so that each organisation's document numbers follow the dates. Dates of
this year's work are relative to today, so the demo stays sensible whenever it is loaded.

Needs the demo organisations and users (workflow/seed.py); adds nothing once any dossier exists. The history is
played only on a tree not yet restructured (`flask seed-demo --with-dossiers` on an empty database).
"""
from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app

from . import clock
from .auth.models import User
from .batches import operations as batch_ops
from .campaigns.models import Campaign, CampaignPhase
from .campaigns.service import campaigns_for
from .dossiers import operations as ops
from .dossiers.kinds.accident_aid import normalise_occasion
from .dossiers.kinds.base import full_years
from .dossiers.models import Batch, Dossier
from .dossiers.rules import add_rule_set, rule_set_for
from .errors import OperationError
from .extensions import db
from .formatting import format_amount
from .orgs.models import Organisation
from .seed import ENDINGS, end

OLDEST_STEP_DAYS = 42  # this year's first sample dossier is drafted this many days ago (or the working day before)

# Mùng 1 Tết Nguyên đán, the first day of the lunar year in Việt Nam, by Gregorian year.
TET = {2017: date(2017, 1, 28), 2018: date(2018, 2, 16), 2019: date(2019, 2, 5), 2020: date(2020, 1, 25),
       2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22), 2024: date(2024, 2, 10),
       2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
       2029: date(2029, 2, 13), 2030: date(2030, 2, 3), 2031: date(2031, 1, 23), 2032: date(2032, 2, 11),
       2033: date(2033, 1, 31), 2034: date(2034, 2, 19), 2035: date(2035, 2, 8)}
STEMS = ("Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý")
BRANCHES = ("Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi")
# Public holidays on a fixed day (Tết Dương lịch, 30/4, 1/5, Quốc khánh 1–2/9); Tết around its first day.
FIXED_HOLIDAYS = {(1, 1), (4, 30), (5, 1), (9, 1), (9, 2)}
TET_HOLIDAY = (timedelta(days=-3), timedelta(days=5))  # from 27 tháng Chạp to mùng 6, as the recent years' breaks

# What an aid for an occasion may be asked until: Tết's lists close two weeks before it; Tháng Công nhân (May) takes
# them until the 15th. The caps a demo-only rule set gives (DEMO_AID_CAPS; the Confederation's Tết Bính Ngọ 2026
# level for Tết, an assumed one for May).
TET_LIST_CLOSES = timedelta(days=14)
DEMO_AID_CAPS = {"tet": 1_300_000, "workers_month": 1_000_000}


def lunar_year_name(year: int) -> str:
    """'Bính Ngọ' for 2026: the stem and branch of the lunar year that begins in `year` (1984 was Giáp Tý)."""
    return f"{STEMS[(year - 4) % 10]} {BRANCHES[(year - 4) % 12]}"


def working_day(day: date) -> date:
    """`day`, or the last working day before it: not a Saturday or Sunday, a fixed holiday or the Tết break."""
    while True:
        tet = TET.get(day.year)
        if not (day.weekday() >= 5 or (day.month, day.day) in FIXED_HOLIDAYS
                or (tet is not None and tet + TET_HOLIDAY[0] <= day <= tet + TET_HOLIDAY[1])):
            return day
        day -= timedelta(days=1)


class AidOccasion(NamedTuple):
    name: str  # "Tết Đinh Mùi 2027"
    kind: str  # a key of DEMO_AID_CAPS
    closes: date  # the last day an aid for it may be asked
    day: date  # mùng 1 Tết; the last day of Tháng Công nhân
    starts: date  # the day its plan takes effect


def aid_occasions(since: date) -> Iterator[AidOccasion]:
    """The occasions of hardship aid in date order from the year of `since`: Tết (its plan from 1 October before)
    and Tháng Công nhân in May (its plan from 1 March)."""
    for year in itertools.count(since.year):
        if year not in TET:
            raise LookupError(f"The demo does not know the day of Tết {year}: add it to TET in workflow/demo_data.py.")
        yield AidOccasion(f"Tết {lunar_year_name(year)} {year}", "tet", TET[year] - TET_LIST_CLOSES, TET[year],
                          date(year - 1, 10, 1))
        yield AidOccasion(f"Tháng Công nhân năm {year}", "workers_month", date(year, 5, 15), date(year, 5, 31),
                          date(year, 3, 1))


def next_aid_occasion(day: date) -> AidOccasion:
    """The first occasion an aid asked on `day` can still be for."""
    return next(occasion for occasion in aid_occasions(day) if occasion.closes >= day)


def seed_sample_dossiers() -> int:
    """Create the sample dossiers once; returns how many (0 when the database already has a dossier).
    The caller commits (or rolls back, which also removes the files stored)."""
    if db.session.scalar(sa.select(Dossier.id).limit(1)) is not None:
        return 0
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    missing = [name for name in ("officer", "officer2", "officer3", "officer4", "reviewer", "liaison", "tld")
               if name not in users]
    if missing:
        raise LookupError(f"Demo users missing ({', '.join(missing)}): run `flask seed-demo` first.")
    today = clock.today()
    script = _Script(today, users)
    restructured = db.session.scalar(sa.select(Organisation.valid_to).where(Organisation.code == ENDINGS[-1][0]))
    if restructured is None:
        _history(script)
        for code, successor, last_day in ENDINGS:
            # A dissolved union closes its open dossiers on its last day, while it still exists; an organisation
            # with a successor is ended on the successor's first day, which takes over what it held.
            when = last_day if successor is None else last_day + timedelta(days=1)
            script.on(when, f"end {code}", lambda c=code, s=successor, d=last_day: end(c, s, d))
    script.plan = lambda: _current_plan(today, users["officer"].organisation)
    _sample_work(script, today)
    mail_enabled = current_app.config.get("MAIL_ENABLED")
    current_app.config["MAIL_ENABLED"] = False  # the demo users' addresses are made up: no mail for the samples
    try:
        script.run()
    finally:
        current_app.config["MAIL_ENABLED"] = mail_enabled
    return len(script.dossiers)


# --- the plan ---------------------------------------------------------------------------------------------

def _current_plan(today: date, union: Organisation) -> Campaign:
    """The plan this year's samples answer: one with a phase open today if there is one, else a demo plan of the
    union's province for this year and the next, with today inside one of its phases."""
    for campaign in campaigns_for(union):
        if not campaign.kinds and campaign.open_phase(today):
            return campaign
    province = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-dong-nai"))
    # Demo only: the plan's number and date are invented. Its year is the one that began at least 90 days ago,
    # so that today is at most 31/03 of the next year: inside phase I (until 31/12) or phase II (01/01–31/03).
    year = (today - timedelta(days=90)).year
    plan_date = min(date(year, 9, 15), today - timedelta(days=OLDEST_STEP_DAYS + 14))  # before the first sample
    plan = Campaign(
        title=f"Kế hoạch xét chọn, đề nghị khen thưởng và hỗ trợ đoàn viên, người lao động năm {year}–{year + 1}",
        plan_number="112/KH-LĐLĐ", plan_date=plan_date, issuer=province, kinds=[],
        phases=[CampaignPhase(name="Đợt I", starts_on=None, ends_on=date(year, 12, 31)),
                CampaignPhase(name="Đợt II", starts_on=date(year + 1, 1, 1), ends_on=date(year + 1, 3, 31))])
    db.session.add(plan)
    db.session.flush()
    return plan


# --- files ------------------------------------------------------------------------------------------------

def sample_pdf(title: str, pages: int = 1) -> bytes:
    """Blank A4 pages standing for a scanned paper; the title (in the PDF's properties) tells them apart."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"{title} (tệp mẫu của bản demo)"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sample_photo(shade: int = 0) -> bytes:
    """A small drawing of a house, standing for a photograph of it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (200 - shade, 225, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 185, 320, 240), fill=(120, 160, 90))
    draw.rectangle((90, 115, 230, 195), fill=(190, 170, 140), outline=(90, 70, 50))
    draw.polygon([(75, 120), (160, 60), (245, 120)], fill=(150, 80, 60 + shade))
    draw.rectangle((145, 150, 175, 195), fill=(100, 70, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# --- playing the work back --------------------------------------------------------------------------------

class _Script:
    """Steps on given days, run in date order (as they happened, so that each organisation's document numbers
    follow the dates), each with the calendar and clock of its day. Whoever acts is found when the step runs: the
    union's officer, or the staff of the organisation the dossier waits at then (the tree changes in between)."""

    def __init__(self, today: date, users: dict[str, User]):
        self.today, self.users = today, users
        self.plan: Callable[[], Campaign] | None = None
        self.steps: list[tuple[date, int, int, str, Callable[[], None]]] = []
        self.dossiers: dict[str, Dossier] = {}
        self.batches: dict[str, Batch] = {}

    def on(self, day: date, label: str, action: Callable[[], None], *, first: bool = False) -> None:
        """Play `action` on `day`: after the steps of that day added before it, or before them all (`first`)."""
        self.steps.append((day, 0 if first else 1, len(self.steps), label, action))

    def day(self, days_ago: int) -> date:
        """The working day `days_ago` days before today, or the last one before that."""
        return working_day(self.today - timedelta(days=days_ago))

    def at(self, days_ago: int, label: str, action: Callable[[], None]) -> None:
        self.on(self.day(days_ago), label, action)

    def run(self) -> None:
        per_day: dict[date, int] = {}
        for day, _, _, label, action in sorted(self.steps, key=lambda s: s[:3]):
            index = per_day[day] = per_day.get(day, -1) + 1
            # Office hours in Việt Nam: from 08:10, twenty minutes between steps of the same day.
            with _on(datetime.combine(day, time(8, 10)) + timedelta(minutes=20 * index)):
                try:
                    action()
                except OperationError as exc:
                    raise RuntimeError(f"Sample dossier step {label!r} refused: {exc.message} {exc.errors}") from exc

    # The steps a dossier goes through; `key` names it within the script. `when` is a date, or days ago.
    def _when(self, when, label, action):
        (self.on if isinstance(when, date) else self.at)(when, label, action)

    def draft(self, when, key: str, owner: str, kind: str, data: dict, files: list[tuple], plan=True) -> None:
        def create():
            actor = self.users[owner]
            campaign = {"campaign_id": self.plan().id} if plan else {}  # else the plan open that day, if any
            dossier = self.dossiers[key] = ops.create_dossier(actor, kind, data, **campaign)
            for attachment_type, filename, content in files:
                ops.add_attachment(actor, dossier, attachment_type, filename, content)
        self._when(when, f"{key}: create", create)

    def submit(self, when, key: str) -> None:
        self._when(when, f"{key}: submit", lambda: self._fire(key, "submit"))

    def send_back(self, when, key: str, reason: str) -> None:
        self._when(when, f"{key}: return", lambda: self._fire(key, "return", comment=reason))

    def approve(self, when, key: str) -> None:
        self._when(when, f"{key}: approve", lambda: self._fire(key, "approve"))

    def accept(self, when, key: str, amount: int | None) -> None:
        self._when(when, f"{key}: accept", lambda: self._fire(key, "accept", granted_amount_vnd=amount))

    def reject(self, when, key: str, reason: str) -> None:
        self._when(when, f"{key}: reject", lambda: self._fire(key, "reject", comment=reason))

    def revise(self, when, key: str, changes: dict, files: list[tuple]) -> None:
        def edit():
            dossier = self.dossiers[key]
            actor = self._owner(dossier)
            ops.update_dossier(actor, dossier, dossier.version, changes)
            for attachment_type, filename, content in files:
                ops.add_attachment(actor, dossier, attachment_type, filename, content)
        self._when(when, f"{key}: revise", edit)

    def forward(self, when, batch_key: str, keys: list[str]) -> None:
        def send():
            dossiers = [self.dossiers[k] for k in keys]
            self.batches[batch_key] = batch_ops.forward_dossiers(
                self._staff(dossiers[0].current_org_id), [d.id for d in dossiers],
                versions={d.id: d.version for d in dossiers})
        self._when(when, f"{batch_key}: forward", send)

    def decide(self, when, batch_key: str, accept: dict[str, int], reject: dict[str, str]) -> None:
        """Several dossiers of a received batch at once: one Quyết định for those accepted."""
        def decide_all():
            batch = self.batches[batch_key]
            staff = self._staff(batch.recipient_id)
            outcomes = []
            if accept:
                items = [{"dossier_id": self.dossiers[k].id, "version": self.dossiers[k].version,
                          "granted_amount_vnd": amount} for k, amount in accept.items()]
                outcomes += batch_ops.decide_in_batch(staff, batch, "accept", items)[0]
            for k, reason in reject.items():
                item = {"dossier_id": self.dossiers[k].id, "version": self.dossiers[k].version}
                outcomes += batch_ops.decide_in_batch(staff, batch, "reject", [item], comment=reason)[0]
            refused = [o for o in outcomes if not o["ok"]]
            if refused:
                raise RuntimeError(f"Sample decision on {batch_key!r} refused: {refused}")
        self._when(when, f"{batch_key}: decide", decide_all)

    def _owner(self, dossier: Dossier) -> User:
        return next(u for u in self.users.values()
                    if u.role == "officer" and u.organisation_id == dossier.organisation_id)

    def _staff(self, organisation_id: int) -> User:
        return next(u for u in self.users.values() if u.role == "staff" and u.organisation_id == organisation_id)

    def _fire(self, key: str, event: str, comment: str | None = None, granted_amount_vnd=None) -> None:
        dossier = self.dossiers[key]
        actor = self._owner(dossier) if event == "submit" else self._staff(dossier.current_org_id)
        ops.fire(actor, dossier, event, version=dossier.version, comment=comment, granted_amount_vnd=granted_amount_vnd)


class _ShiftedDateTime(datetime):
    """`datetime` as workflow.clock sees it while a step is played back."""

    moment_utc: datetime  # aware, set by _on()

    @classmethod
    def now(cls, tz=None):
        if tz is not None:
            return cls.moment_utc.astimezone(tz)
        return cls.moment_utc.astimezone(clock.ZONE).replace(tzinfo=None)


@contextmanager
def _on(local: datetime):
    """Run as if it were `local` (naive, Việt Nam time): clock.today() gives its date, clock.utcnow() its time."""
    saved_today, saved_datetime = clock.today, clock.datetime
    _ShiftedDateTime.moment_utc = local.replace(tzinfo=clock.ZONE).astimezone(UTC)
    clock.today = lambda: local.date()
    clock.datetime = _ShiftedDateTime
    try:
        yield
    finally:
        clock.today, clock.datetime = saved_today, saved_datetime


# --- the sample work --------------------------------------------------------------------------------------

def _cccd(gender: str, birth: date, serial: int) -> str:
    """A made-up 12-digit citizen ID in the real layout: province 070 (Bình Phước), century and gender, year."""
    century_gender = (0 if birth.year < 2000 else 2) + (1 if gender == "female" else 0)
    return f"070{century_gender}{birth.year % 100:02d}{serial:06d}"


def _person(full_name, gender, birth, serial, member_since, workplace, position, phone, address) -> dict:
    return {"full_name": full_name, "gender": gender, "birth_date": birth.isoformat(),
            "citizen_id": _cccd(gender, birth, serial), "member_since": member_since.isoformat(),
            "workplace": workplace, "position": position, "phone": phone, "address": address}


RUBBER = "Công ty TNHH MTV Cao su Phú Riềng"
NONG_SAN = "Công ty Cổ phần Chế biến Nông sản Đồng Xoài"
SCHOOL = "Trường THCS Phú Trung"
KINDERGARTEN = "Trường Mầm non Tuổi Hồng"


class _AidOccasions:
    """Which occasion each sample aid names and its cap: the next occasion still open on the day it is submitted
    (a draft: today), with the cap of the province's rule set in force that day where it lists the occasion. Where
    none does (the national set in seed.py knows only Tết Bính Ngọ 2026), the province's admin adds, through the
    app's own operation, a demo-only rule set listing every occasion the samples name, from the day its plan would
    take effect (before the first of these aids is drafted) to the last occasion's day."""

    def __init__(self, script: _Script, province: Organisation):
        self.script, self.province = script, province
        self.used: dict[str, AidOccasion] = {}
        self.caps: dict[str, int] = {}
        self.unlisted = False
        self.first_drafted: date | None = None

    def __call__(self, drafted_days_ago: int, submitted_days_ago: int | None) -> dict:
        """The sample's `occasion` and `requested_amount_vnd` (the cap)."""
        drafted = self.script.day(drafted_days_ago)
        asked = self.script.today if submitted_days_ago is None else self.script.day(submitted_days_ago)
        occasion = next_aid_occasion(asked)
        if occasion.name not in self.caps:
            in_force = rule_set_for("accident_aid", self.province, asked)
            listed = {normalise_occasion(name): cap for name, cap in (in_force.params["occasions"].items()
                                                                      if in_force else ())}
            cap = listed.get(normalise_occasion(occasion.name))
            if cap is None:
                self.unlisted, cap = True, DEMO_AID_CAPS[occasion.kind]
            self.used[occasion.name], self.caps[occasion.name] = occasion, cap
        self.first_drafted = min(self.first_drafted or drafted, drafted)
        return {"occasion": occasion.name, "requested_amount_vnd": self.caps[occasion.name]}

    def add_rule_set_if_needed(self) -> None:
        if not self.unlisted:
            return
        occasions = sorted(self.used.values(), key=lambda o: o.day)
        valid_from = min(occasions[0].starts, self.first_drafted.replace(day=1))
        names = " và ".join(o.name for o in occasions)
        caps = ("; ".join(f"{o.name}: {format_amount(self.caps[o.name])} đồng" for o in occasions)
                if len(occasions) > 1 else f"{format_amount(self.caps[occasions[0].name])} đồng")
        basis = (f"Kế hoạch chăm lo cho đoàn viên, người lao động dịp {names} của {self.province.name} ({caps} mỗi "
                 "suất; giả định của bản demo, không phải văn bản thật)")
        # As documents cite it: like the Confederation's Tết plan in seed.py, no number or date is invented. The
        # fund is left to the documents' default: the union finances of the body that decides.
        citation = {"type": "Kế hoạch", "issuer": self.province.name,
                    "subject": f"tổ chức chăm lo {names} cho đoàn viên, người lao động"}

        def add():
            admin = self.script.users.get("admin")
            actor = admin if admin is not None and admin.organisation_id == self.province.id else None
            add_rule_set(actor, kind="accident_aid", jurisdiction_id=self.province.id, valid_from=valid_from,
                         valid_to=occasions[-1].day, basis=basis, params={"occasions": self.caps}, citation=citation)
        # Entered by the admin on the working day it takes effect (or the one before), before anything else that day.
        self.script.on(working_day(valid_from), "the demo's accident aid rule set", add, first=True)


def _sample_work(s: _Script, today: date) -> None:
    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    def years_ago(years: int, month: int, day: int) -> str:
        return date(today.year - years, month, day).isoformat()

    def member_years(person: dict) -> int:  # as counted two months ago: never more than at submission
        return full_years(date.fromisoformat(person["member_since"]), today - timedelta(days=60))

    aid = _AidOccasions(s, db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-dong-nai")))

    def pdf(attachment_type: str, filename: str, pages: int = 1) -> tuple:
        return attachment_type, filename, sample_pdf(filename.rsplit(".", 1)[0], pages)

    def photo(shade: int = 0) -> tuple:
        return "house_photo", "Ảnh hiện trạng nhà ở.png", sample_photo(shade)

    def child_heart_files(extra: bool = True) -> list[tuple]:
        files = [pdf("surgery_indication", "Giấy chỉ định phẫu thuật.pdf"),
                 pdf("birth_certificate", "Giấy khai sinh của trẻ.pdf")]
        if extra:
            files.append(pdf("cost_estimate", "Dự toán chi phí phẫu thuật.pdf", 2))
        return files

    # ---- Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng (officer) ----

    # A batch of two houses, decided by the province: one accepted, one rejected.
    phuc = _person("Đinh Văn Phúc", "male", date(1979, 8, 14), 4213, date(2001, 3, 1),
                   f"Nông trường Long Hà, {RUBBER}", "Công nhân cạo mủ", "0974 215 386",
                   "Thôn 5, xã Long Hà, tỉnh Đồng Nai")
    s.draft(42, "house-accepted", "officer", "union_housing", {
        **phuc, "support_type": "new_build", "house_condition": "dilapidated",
        "house_address": "Thôn 5, xã Long Hà, tỉnh Đồng Nai",
        "land_document": "Giấy chứng nhận quyền sử dụng đất số CS 04517", "land_undisputed": True,
        "estimated_cost_vnd": 185_000_000, "own_contribution_vnd": 155_000_000, "requested_amount_vnd": 30_000_000,
        "member_years": member_years(phuc), "household_size": 5,
    }, [photo(), pdf("application", "Đơn đề nghị có xác nhận của UBND xã.pdf"),
        pdf("land_document", "Giấy chứng nhận QSDĐ.pdf", 2), pdf("cost_estimate", "Dự toán xây dựng.pdf", 3)])
    tuyet = _person("Mai Thị Tuyết", "female", date(1983, 2, 9), 7725, date(2006, 7, 1),
                    f"Nông trường Phú Riềng Đỏ, {RUBBER}", "Công nhân chăm sóc vườn cây", "0387 602 119",
                    "Thôn Phú Lâm, xã Phú Riềng, tỉnh Đồng Nai")
    s.draft(41, "house-rejected", "officer", "union_housing", {
        **tuyet, "support_type": "repair", "house_condition": "severely_damaged",
        "house_address": "Thôn Phú Lâm, xã Phú Riềng, tỉnh Đồng Nai",
        "land_document": "Giấy chứng nhận quyền sử dụng đất số CH 01872", "land_undisputed": True,
        "estimated_cost_vnd": 48_000_000, "own_contribution_vnd": 20_000_000, "requested_amount_vnd": 28_000_000,
        "member_years": member_years(tuyet), "household_size": 4,
    }, [photo(40), pdf("application", "Đơn đề nghị hỗ trợ sửa nhà.pdf")])
    s.submit(40, "house-accepted")
    s.submit(39, "house-rejected")
    s.approve(35, "house-accepted")
    s.approve(34, "house-rejected")
    s.forward(32, "houses", ["house-accepted", "house-rejected"])
    s.decide(20, "houses", accept={"house-accepted": 30_000_000}, reject={"house-rejected": (
        f"Qua kiểm tra, căn nhà đã được Ủy ban nhân dân xã hỗ trợ sửa chữa năm {today.year - 1} từ chương trình "
        "xóa nhà tạm, nhà dột nát của địa phương; không hỗ trợ trùng.")})

    # Two aids within what the commune union decides itself (up to 2.000.000 đ): one decided, one still waiting there
    # (over its 10 days).
    hieu = _person("Đoàn Văn Hiếu", "male", date(1990, 11, 3), 1568, date(2012, 5, 1),
                   f"Nhà máy chế biến mủ Long Hà, {RUBBER}", "Công nhân vận hành máy cán", "0915 338 702",
                   "Ấp 2, xã Long Hà, tỉnh Đồng Nai")
    hieu_aid = aid(30, 29)
    s.draft(30, "aid-hieu", "officer", "accident_aid", {
        **hieu, "case_type": "labour_accident", "occurred_on": ago(95), "capacity_loss_pct": 35,
        "description": "Bị máy cán kéo mủ kẹp dập ba ngón tay phải khi đang vệ sinh máy trong ca làm việc; "
                       "phải phẫu thuật và điều trị dài ngày, hiện chưa trở lại làm việc.",
        **hieu_aid,
    }, [pdf("application", "Đơn đề nghị hỗ trợ.pdf"), pdf("capacity_assessment", "Biên bản giám định y khoa.pdf"),
        pdf("accident_report", "Biên bản điều tra tai nạn lao động.pdf", 3)])
    bich = _person("Lương Thị Bích", "female", date(1986, 6, 21), 3391, date(2009, 10, 1),
                   f"Nhà máy chế biến mủ Long Hà, {RUBBER}", "Công nhân đánh đông mủ", "0869 441 025",
                   "Ấp 4, xã Long Hà, tỉnh Đồng Nai")
    s.draft(28, "aid-bich", "officer", "accident_aid", {
        **bich, "case_type": "occupational_disease", "occurred_on": ago(120),
        "description": "Bị viêm da tiếp xúc nghề nghiệp do hóa chất dùng trong chế biến mủ, tái phát nhiều lần, "
                       "phải nghỉ việc điều trị; chồng làm thuê, hai con đang đi học.",
        **aid(28, 27),
    }, [pdf("application", "Đơn đề nghị hỗ trợ.pdf"), pdf("discharge_paper", "Giấy ra viện.pdf")])
    s.submit(29, "aid-hieu")
    s.submit(27, "aid-bich")
    s.accept(22, "aid-hieu", hieu_aid["requested_amount_vnd"])

    # Three children approved by the commune union: one sent on up to the province, which reviewed it and sent it
    # to the Confederation (the Fund decides it there); two waiting to be sent up.
    children = [
        ("heart-loc", 25, 24, 12, _person("Trần Văn Lộc", "male", date(1987, 4, 17), 2846, date(2010, 6, 1),
                                           f"Nông trường Bù Nho, {RUBBER}", "Công nhân cạo mủ", "0972 114 583",
                                           "Thôn Bù Nho, xã Bù Nho, tỉnh Đồng Nai"),
         {"child_full_name": "Trần Gia Huy", "child_birth_date": years_ago(4, 9, 2), "child_gender": "male",
          "diagnosis_group": "congenital_heart", "diagnosis": "Tứ chứng Fallot", "hospital": "Bệnh viện Tim Tâm Đức",
          "estimated_cost_vnd": 120_000_000, "requested_amount_vnd": 50_000_000,
          "hardship_criteria": ["parent_lost_job"]}),
        ("heart-thanh", 22, 21, 9, _person("Điểu Thị Thanh", "female", date(1992, 1, 28), 5107, date(2014, 8, 1),
                                            f"Nông trường Phú Riềng Đỏ, {RUBBER}", "Công nhân cạo mủ", "0338 927 440",
                                            "Sóc Bù Ka, xã Long Hưng, tỉnh Đồng Nai"),
         {"child_full_name": "Điểu Bảo Anh", "child_birth_date": years_ago(1, 3, 11), "child_gender": "female",
          "diagnosis_group": "cleft_lip_palate", "diagnosis": "Khe hở môi và vòm miệng toàn bộ một bên trái",
          "hospital": "Bệnh viện Răng Hàm Mặt Thành phố Hồ Chí Minh", "estimated_cost_vnd": 18_000_000,
          "requested_amount_vnd": 10_000_000, "hardship_criteria": ["single_mother"]}),
        ("heart-khoa", 19, 17, 4, _person("Vũ Đình Khoa", "male", date(1984, 12, 5), 6032, date(2007, 1, 1),
                                           f"Xí nghiệp cơ khí, {RUBBER}", "Thợ hàn", "0903 652 178",
                                           "Khu phố 1, xã Phú Riềng, tỉnh Đồng Nai"),
         {"child_full_name": "Vũ Ngọc Hân", "child_birth_date": years_ago(7, 6, 20), "child_gender": "female",
          "diagnosis_group": "congenital_heart", "diagnosis": "Còn ống động mạch (PDA)",
          "hospital": "Bệnh viện Nhi Đồng 1", "estimated_cost_vnd": 65_000_000, "requested_amount_vnd": 45_000_000,
          "hardship_criteria": ["parent_critical_illness"]}),
    ]
    for key, drafted, submitted, approved, parent, child in children:
        s.draft(drafted, key, "officer", "child_heart", {**parent, **child, "surgery_indicated_on": ago(drafted + 12)},
                child_heart_files())
        s.submit(submitted, key)
        s.approve(approved, key)
    s.forward(11, "heart-to-province", ["heart-loc"])
    s.approve(8, "heart-loc")
    s.forward(6, "heart-to-tld", ["heart-loc"])

    # Returned, corrected (a solution now recognised, the benefit calculation added) and submitted again:
    # the commune union sees what changed between the two rounds.
    tung = _person("Phan Thanh Tùng", "male", date(1981, 9, 30), 8154, date(2003, 4, 1),
                   f"Nhà máy chế biến mủ Long Hà, {RUBBER}", "Tổ trưởng tổ cơ điện", "0918 470 236",
                   "Ấp 1, xã Long Hà, tỉnh Đồng Nai")
    council = f"Hội đồng sáng kiến {RUBBER}"
    conveyor = {"title": "Cải tiến hệ thống băng tải cấp mủ đông cho dây chuyền cán kéo", "role": "author",
                "solution_type": "technical_improvement", "applied_on": years_ago(3, 4, 1), "year": today.year - 3,
                "benefit_vnd": 86_000_000, "recognised_by": council, "recognition_number": "15/QĐ-HĐSK",
                "recognition_date": years_ago(3, 12, 18)}
    water = {"title": "Giải pháp thu hồi, tái sử dụng nước rửa mủ trong khâu đánh đông", "role": "co_author",
             "solution_type": "useful_solution", "applied_on": years_ago(2, 3, 15), "year": today.year - 2,
             "benefit_vnd": 41_000_000}
    s.draft(27, "creative-tung", "officer", "creative_labour",
            {**tung, "category": "A", "solutions": [conveyor, water]},
            [pdf("meeting_minutes", "Biên bản họp Ban Chấp hành CĐCS.pdf", 2),
             pdf("recognition_decision", "Quyết định công nhận sáng kiến 15-QĐ-HĐSK.pdf"),
             pdf("achievement_report", "Báo cáo thành tích.pdf", 3)])
    s.submit(26, "creative-tung")
    s.send_back(21, "creative-tung", "Giải pháp thứ hai chưa ghi cơ quan, số và ngày quyết định công nhận. Đề nghị "
                                     "bổ sung quyết định công nhận và bảng tính giá trị làm lợi có xác nhận của "
                                     "Công ty.")
    s.revise(8, "creative-tung", {"solutions": [conveyor, {
        **water, "recognised_by": council, "recognition_number": "22/QĐ-HĐSK",
        "recognition_date": years_ago(2, 12, 20)}]},
        [pdf("recognition_decision", "Quyết định công nhận sáng kiến 22-QĐ-HĐSK.pdf"),
         pdf("benefit_calculation", "Bảng tính giá trị làm lợi.pdf", 2)])
    s.submit(5, "creative-tung")

    # Returned to the union, waiting for it to fix and submit again.
    hang = _person("Nguyễn Thị Thu Hằng", "female", date(1991, 5, 12), 2290, date(2013, 9, 1),
                   f"Nông trường Long Hà, {RUBBER}", "Công nhân cạo mủ", "0356 118 904",
                   "Ấp 6, xã Long Hà, tỉnh Đồng Nai")
    s.draft(15, "heart-returned", "officer", "child_heart", {
        **hang, "child_full_name": "Lê Minh Khang", "child_birth_date": years_ago(3, 11, 8), "child_gender": "male",
        "diagnosis_group": "congenital_heart", "diagnosis": "Thông liên nhĩ (ASD) lỗ lớn",
        "hospital": "Bệnh viện Nhi Đồng 2", "surgery_indicated_on": ago(40), "estimated_cost_vnd": 90_000_000,
        "requested_amount_vnd": 50_000_000, "hardship_criteria": ["parent_lost_job", "parent_critical_illness"],
    }, child_heart_files(extra=False))
    s.submit(13, "heart-returned")
    s.send_back(9, "heart-returned", "Giấy khai sinh của trẻ là bản chụp không rõ chữ; đề nghị bổ sung bản sao có "
                                     "chứng thực và dự toán chi phí phẫu thuật của Bệnh viện Nhi Đồng 2.")

    # Three submitted dossiers of three kinds, waiting at the commune union (the oldest past its 10 days).
    lan = _person("Ngô Thị Lan", "female", date(1977, 3, 25), 9047, date(1999, 5, 1),
                  f"Nông trường Phú Riềng Đỏ, {RUBBER}", "Công nhân cạo mủ", "0977 503 661",
                  "Thôn Phú Thịnh, xã Phú Riềng, tỉnh Đồng Nai")
    s.draft(18, "house-submitted", "officer", "union_housing", {
        **lan, "support_type": "new_build", "house_condition": "temporary",
        "house_address": "Thôn Phú Thịnh, xã Phú Riềng, tỉnh Đồng Nai",
        "land_document": "Giấy chứng nhận quyền sử dụng đất số CS 07731", "land_undisputed": True,
        "estimated_cost_vnd": 210_000_000, "own_contribution_vnd": 180_000_000, "requested_amount_vnd": 30_000_000,
        "member_years": member_years(lan), "household_size": 3,
    }, [photo(20), pdf("application", "Đơn đề nghị có xác nhận của UBND xã.pdf"),
        pdf("land_document", "Giấy chứng nhận QSDĐ.pdf", 2)])
    s.submit(16, "house-submitted")
    thang = _person("Phạm Văn Thắng", "male", date(1993, 7, 8), 4480, date(2015, 2, 1),
                    f"Nông trường Bù Nho, {RUBBER}", "Công nhân vận chuyển mủ", "0945 827 310",
                    "Thôn Bù Nho, xã Bù Nho, tỉnh Đồng Nai")
    s.draft(7, "aid-submitted", "officer", "accident_aid", {
        **thang, "case_type": "labour_accident", "occurred_on": ago(50), "capacity_loss_pct": 41,
        "description": "Bị ngã từ xe chở mủ nước trên đường lô về nhà máy, gãy xương đùi trái; đã phẫu thuật, "
                       "đang điều trị phục hồi chức năng.",
        **aid(7, 6),
    }, [pdf("application", "Đơn đề nghị hỗ trợ.pdf"), pdf("capacity_assessment", "Biên bản giám định y khoa.pdf"),
        pdf("accident_report", "Biên bản điều tra tai nạn lao động.pdf", 2),
        pdf("discharge_paper", "Giấy ra viện.pdf")])
    s.submit(6, "aid-submitted")
    oanh = _person("Hà Thị Kim Oanh", "female", date(1995, 10, 19), 1723, date(2017, 6, 1),
                   f"Nông trường Long Hà, {RUBBER}", "Công nhân cạo mủ", "0397 265 813",
                   "Ấp 3, xã Long Hà, tỉnh Đồng Nai")
    s.draft(3, "heart-submitted", "officer", "child_heart", {
        **oanh, "child_full_name": "Nguyễn Hà Phương Vy", "child_birth_date": years_ago(1, 1, 15),
        "child_gender": "female", "diagnosis_group": "cleft_lip", "diagnosis": "Khe hở môi một bên phải",
        "hospital": "Bệnh viện Răng Hàm Mặt Trung ương Thành phố Hồ Chí Minh", "surgery_indicated_on": ago(20),
        "estimated_cost_vnd": 12_000_000, "requested_amount_vnd": 10_000_000, "hardship_criteria": ["parent_lost_job"],
    }, child_heart_files())
    s.submit(2, "heart-submitted")

    # Two drafts: one still without the required photograph of the house, one ready to submit.
    sang = _person("Lò Văn Sáng", "male", date(1988, 12, 1), 6619, date(2011, 3, 1),
                   f"Nông trường Bù Nho, {RUBBER}", "Công nhân cạo mủ", "0868 339 517",
                   "Thôn Bù Nho, xã Bù Nho, tỉnh Đồng Nai")
    s.draft(4, "house-draft", "officer", "union_housing", {
        **sang, "support_type": "new_build", "house_condition": "no_house",
        "house_address": "Lô 12, thôn Bù Nho, xã Bù Nho, tỉnh Đồng Nai",
        "land_document": "Giấy chứng nhận quyền sử dụng đất số CS 11208", "land_undisputed": True,
        "estimated_cost_vnd": 160_000_000, "own_contribution_vnd": 130_000_000, "requested_amount_vnd": 30_000_000,
        "member_years": member_years(sang), "household_size": 4,
    }, [pdf("application", "Đơn đề nghị hỗ trợ làm nhà.pdf"), pdf("cost_estimate", "Dự toán xây dựng.pdf", 2)])
    nam = _person("Kiều Văn Nam", "male", date(1985, 4, 2), 3057, date(2008, 11, 1),
                  f"Nông trường Phú Riềng Đỏ, {RUBBER}", "Công nhân bảo vệ vườn cây", "0913 604 872",
                  "Thôn Phú Lâm, xã Phú Riềng, tỉnh Đồng Nai")
    s.draft(1, "aid-draft", "officer", "accident_aid", {
        **nam, "case_type": "special_hardship", "occurred_on": ago(65),
        "description": "Vợ mất do tai nạn giao thông, một mình nuôi ba con nhỏ đang đi học; gia đình ở nhà thuê.",
        **aid(1, None),
    }, [pdf("application", "Đơn đề nghị hỗ trợ.pdf")])

    # ---- Công đoàn cơ sở Trường THCS Phú Trung (officer2) ----
    lan2 = _person("Đặng Thị Ngọc Lan", "female", date(1982, 8, 23), 5564, date(2005, 9, 1),
                   SCHOOL, "Giáo viên Toán", "0976 180 245", "Thôn Phú Trung, xã Phú Trung, tỉnh Đồng Nai")
    s.draft(20, "school-house", "officer2", "union_housing", {
        **lan2, "support_type": "repair", "house_condition": "disaster",
        "house_address": "Thôn Phú Trung, xã Phú Trung, tỉnh Đồng Nai",
        "land_document": "Giấy chứng nhận quyền sử dụng đất số CH 03364", "land_undisputed": True,
        "estimated_cost_vnd": 45_000_000, "own_contribution_vnd": 20_000_000, "requested_amount_vnd": 25_000_000,
        "member_years": member_years(lan2), "household_size": 4,
    }, [photo(60), pdf("application", "Đơn đề nghị có xác nhận của UBND xã.pdf"),
        pdf("cost_estimate", "Dự toán sửa chữa mái nhà.pdf")])
    s.submit(19, "school-house")
    s.approve(10, "school-house")
    thuong = _person("Lê Thị Hoài Thương", "female", date(1989, 2, 14), 8812, date(2012, 9, 1),
                     SCHOOL, "Giáo viên Ngữ văn", "0359 742 618", "Thôn Phú Bình, xã Phú Trung, tỉnh Đồng Nai")
    s.draft(14, "school-heart", "officer2", "child_heart", {
        **thuong, "child_full_name": "Trịnh Bảo Ngọc", "child_birth_date": years_ago(2, 5, 30),
        "child_gender": "female",
        "diagnosis_group": "cleft_palate", "diagnosis": "Khe hở vòm miệng không hoàn toàn",
        "hospital": "Bệnh viện Răng Hàm Mặt Thành phố Hồ Chí Minh", "surgery_indicated_on": ago(30),
        "estimated_cost_vnd": 15_000_000, "requested_amount_vnd": 10_000_000,
        "hardship_criteria": ["parent_critical_illness"],
    }, child_heart_files())
    s.submit(12, "school-heart")
    tam = _person("Nguyễn Văn Tâm", "male", date(1978, 10, 10), 2175, date(2000, 9, 1),
                  SCHOOL, "Giáo viên Vật lý", "0912 556 093", "Thôn Phú Thuận, xã Phú Trung, tỉnh Đồng Nai")
    s.draft(4, "school-aid", "officer2", "accident_aid", {
        **tam, "case_type": "critical_illness", "occurred_on": ago(80),
        "description": "Phát hiện ung thư đại tràng giai đoạn II, đã phẫu thuật và đang điều trị hóa chất tại "
                       "Bệnh viện Chợ Rẫy; vợ làm nông, hai con đang học đại học.",
        **aid(4, 3),
    }, [pdf("application", "Đơn đề nghị hỗ trợ.pdf"), pdf("discharge_paper", "Giấy ra viện.pdf", 2)])
    s.submit(3, "school-aid")

    # ---- Công đoàn cơ sở Trường Mầm non Tuổi Hồng, Bù Đăng (officer3) ----
    hoa = _person("Điểu Thị Hoa", "female", date(1987, 7, 4), 4906, date(2016, 8, 1),
                  KINDERGARTEN, "Nhân viên cấp dưỡng", "0384 915 207", "Thôn 4, xã Đăk Nhau, tỉnh Đồng Nai")
    s.draft(6, "kindergarten-house", "officer3", "union_housing", {
        **hoa, "support_type": "new_build", "house_condition": "temporary",
        "house_address": "Thôn 4, xã Đăk Nhau, tỉnh Đồng Nai",
        "land_document": "Giấy chứng nhận quyền sử dụng đất số CT 20581", "land_undisputed": True,
        "estimated_cost_vnd": 150_000_000, "own_contribution_vnd": 120_000_000, "requested_amount_vnd": 30_000_000,
        "member_years": member_years(hoa), "household_size": 6,
    }, [photo(80), pdf("application", "Đơn đề nghị có xác nhận của UBND xã.pdf"),
        pdf("land_document", "Giấy chứng nhận QSDĐ.pdf")])
    s.submit(4, "kindergarten-house")

    # ---- Công đoàn cơ sở Công ty Cổ phần Chế biến Nông sản Đồng Xoài, directly under the province (officer4) ----
    # The province is its first level: it reviews and decides a house itself, and reviews a child's surgery for the
    # Confederation.
    kim = _person("Thạch Thị Kim", "female", date(1984, 6, 2), 6351, date(2008, 3, 1),
                  f"Phân xưởng chế biến hạt điều, {NONG_SAN}", "Công nhân phân loại", "0965 220 418",
                  "Khu phố Tân Đồng, phường Đồng Xoài, tỉnh Đồng Nai")
    s.draft(16, "direct-house", "officer4", "union_housing", {
        **kim, "support_type": "new_build", "house_condition": "dilapidated",
        "house_address": "Khu phố Tân Đồng, phường Đồng Xoài, tỉnh Đồng Nai",
        "land_document": "Giấy chứng nhận quyền sử dụng đất số DC 02915", "land_undisputed": True,
        "estimated_cost_vnd": 175_000_000, "own_contribution_vnd": 145_000_000, "requested_amount_vnd": 30_000_000,
        "member_years": member_years(kim), "household_size": 5,
    }, [photo(30), pdf("application", "Đơn đề nghị có xác nhận của UBND phường.pdf")])
    s.submit(14, "direct-house")
    quang = _person("Lý Văn Quang", "male", date(1990, 9, 9), 3870, date(2013, 5, 1),
                    f"Tổ bảo trì, {NONG_SAN}", "Thợ điện", "0937 614 052",
                    "Khu phố Xuân Bình, phường Đồng Xoài, tỉnh Đồng Nai")
    s.draft(12, "direct-heart", "officer4", "child_heart", {
        **quang, "child_full_name": "Lý Minh Khôi", "child_birth_date": years_ago(5, 2, 17), "child_gender": "male",
        "diagnosis_group": "congenital_heart", "diagnosis": "Thông liên thất phần quanh màng (VSD)",
        "hospital": "Bệnh viện Nhi Đồng 1", "surgery_indicated_on": ago(25), "estimated_cost_vnd": 95_000_000,
        "requested_amount_vnd": 50_000_000, "hardship_criteria": ["parent_critical_illness"],
    }, child_heart_files())
    s.submit(11, "direct-heart")
    s.approve(7, "direct-heart")

    aid.add_rule_set_if_needed()


def _history(s: _Script) -> None:
    """What the old tree did (2017–2018 under the seed plan; 2023; June 2025 until the restructuring), and what the
    successors did with what was waiting (July 2025). Names and numbers are invented."""
    def pdf(attachment_type: str, filename: str, pages: int = 1) -> tuple:
        return attachment_type, filename, sample_pdf(filename.rsplit(".", 1)[0], pages)

    # A Lao động sáng tạo nomination of 2017: the district and the province review, the Confederation awards.
    thai = _person("Hoàng Văn Thái", "male", date(1980, 7, 19), 2345, date(2002, 9, 1),
                   f"Xí nghiệp cơ khí, {RUBBER}", "Tổ trưởng tổ sửa chữa", "0913 448 270",
                   "Khu phố 1, thị trấn Phú Riềng, huyện Phú Riềng, tỉnh Bình Phước")
    cutter = {"title": "Cải tiến máy cạo mủ bán tự động", "solution_type": "technical_improvement", "role": "author",
              "applied_on": "2016-03-01", "year": 2016, "benefit_vnd": 96_000_000,
              "recognised_by": f"Hội đồng sáng kiến {RUBBER}", "recognition_number": "08/QĐ-HĐSK",
              "recognition_date": "2016-12-20"}
    s.draft(date(2017, 11, 13), "lds-2017", "officer", "creative_labour", {**thai, "category": "A",
                                                                           "solutions": [cutter]},
            [pdf("meeting_minutes", "Biên bản họp Ban Chấp hành CĐCS.pdf", 2),
             pdf("recognition_decision", "Quyết định công nhận sáng kiến 08-QĐ-HĐSK.pdf"),
             pdf("achievement_report", "Báo cáo thành tích.pdf", 3)], plan=False)
    s.submit(date(2017, 11, 20), "lds-2017")
    s.approve(date(2017, 11, 28), "lds-2017")
    s.forward(date(2017, 12, 5), "lds-2017-to-province", ["lds-2017"])
    s.approve(date(2017, 12, 12), "lds-2017")
    s.forward(date(2017, 12, 15), "lds-2017-to-tld", ["lds-2017"])
    s.accept(date(2018, 1, 25), "lds-2017", None)

    # A child's heart surgery of 2018 from Bù Đăng: the same three levels; the Fund grants 45.000.000 đ.
    hong = _person("Điểu Thị Hồng", "female", date(1989, 4, 3), 5120, date(2011, 8, 1), KINDERGARTEN,
                   "Giáo viên", "0384 207 655", "Thôn 3, xã Đăk Nhau, huyện Bù Đăng, tỉnh Bình Phước")
    s.draft(date(2018, 1, 4), "heart-2018", "officer3", "child_heart", {
        **hong, "child_full_name": "Điểu Gia Bảo", "child_birth_date": "2014-10-21", "child_gender": "male",
        "diagnosis_group": "congenital_heart", "diagnosis": "Thông liên thất (VSD)", "hospital": "Bệnh viện Nhi Đồng 1",
        "surgery_indicated_on": "2017-12-18", "estimated_cost_vnd": 80_000_000, "requested_amount_vnd": 50_000_000,
        "hardship_criteria": ["parent_lost_job"],
    }, [pdf("surgery_indication", "Giấy chỉ định phẫu thuật.pdf"),
        pdf("birth_certificate", "Giấy khai sinh của trẻ.pdf")],
        plan=False)
    s.submit(date(2018, 1, 8), "heart-2018")
    s.approve(date(2018, 1, 12), "heart-2018")
    s.forward(date(2018, 1, 19), "heart-2018-to-province", ["heart-2018"])
    s.approve(date(2018, 1, 26), "heart-2018")
    s.forward(date(2018, 2, 2), "heart-2018-to-tld", ["heart-2018"])
    s.accept(date(2018, 3, 9), "heart-2018", 45_000_000)

    # A house of 2023 from the union directly under Bình Phước: the province reviews and decides.
    duyen = _person("Trương Thị Duyên", "female", date(1979, 1, 26), 4418, date(2004, 6, 1),
                    f"Phân xưởng chế biến hạt điều, {NONG_SAN}", "Công nhân", "0971 305 266",
                    "Khu phố Phú Thanh, phường Tân Phú, thành phố Đồng Xoài, tỉnh Bình Phước")
    s.draft(date(2023, 3, 1), "house-2023", "officer4", "union_housing", {
        **duyen, "support_type": "new_build", "house_condition": "temporary",
        "house_address": "Khu phố Phú Thanh, phường Tân Phú, thành phố Đồng Xoài, tỉnh Bình Phước",
        "land_document": "Giấy chứng nhận quyền sử dụng đất số CS 00871", "land_undisputed": True,
        "estimated_cost_vnd": 150_000_000, "own_contribution_vnd": 120_000_000, "requested_amount_vnd": 30_000_000,
        "member_years": 18, "household_size": 4,
    }, [pdf("house_photo", "Ảnh hiện trạng nhà ở.pdf"), pdf("application", "Đơn đề nghị.pdf")], plan=False)
    s.submit(date(2023, 3, 6), "house-2023")
    s.accept(date(2023, 3, 20), "house-2023", 30_000_000)

    # June 2025: a house waits at LĐLĐ huyện Phú Riềng, another (approved there) at Bình Phước, when they end; the
    # successors take them over on 01/07/2025 and decide them. A public school's union is dissolved on 15/06/2025
    # with a dossier open: it is closed, with the reason.
    for key, owner, when, person, serial in [
            ("house-moved-commune", "officer2", date(2025, 6, 16),
             ("Phạm Thị Hồng Vân", "female", date(1983, 5, 8), 7013, date(2006, 9, 1), SCHOOL, "Giáo viên Sinh học",
              "0968 402 115", "Thôn Phú Trung, xã Phú Trung, huyện Phú Riềng, tỉnh Bình Phước"), 1),
            ("house-moved-province", "officer", date(2025, 6, 2),
             ("Trịnh Văn Lâm", "male", date(1980, 2, 11), 5532, date(2003, 4, 1), f"Nông trường Long Hà, {RUBBER}",
              "Công nhân cạo mủ", "0917 550 281", "Ấp 7, xã Long Hà, huyện Phú Riềng, tỉnh Bình Phước"), 2),
            ("house-dissolved", "officer5", date(2025, 6, 9),
             ("Nguyễn Thị Thu Trang", "female", date(1986, 12, 2), 8620, date(2009, 9, 1), "Trường Tiểu học Long Hà",
              "Giáo viên", "0975 118 034", "Ấp 2, xã Long Hà, huyện Phú Riềng, tỉnh Bình Phước"), 3)]:
        data = _person(*person)
        s.draft(when, key, owner, "union_housing", {
            **data, "support_type": "repair", "house_condition": "severely_damaged", "house_address": data["address"],
            "land_document": f"Giấy chứng nhận quyền sử dụng đất số CH 0{serial}552", "land_undisputed": True,
            "estimated_cost_vnd": 60_000_000, "own_contribution_vnd": 30_000_000, "requested_amount_vnd": 30_000_000,
            "member_years": full_years(date.fromisoformat(data["member_since"]), when), "household_size": 4,
        }, [pdf("house_photo", "Ảnh hiện trạng nhà ở.pdf")], plan=False)
        s.submit(when + timedelta(days=2), key)
    s.approve(date(2025, 6, 10), "house-moved-province")
    s.forward(date(2025, 6, 13), "june-2025", ["house-moved-province"])
    s.approve(date(2025, 7, 8), "house-moved-commune")  # by Công đoàn xã Phú Riềng, which took it over
    s.forward(date(2025, 7, 10), "july-2025", ["house-moved-commune"])
    s.decide(date(2025, 7, 22), "july-2025", accept={"house-moved-commune": 30_000_000}, reject={})
    s.accept(date(2025, 7, 15), "house-moved-province", 30_000_000)  # by LĐLĐ tỉnh Đồng Nai

