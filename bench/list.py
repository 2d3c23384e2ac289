"""Time the dossier list, the home pages and the CSV export over N dossiers (default 100,000), as each role.

    .venv/bin/python bench/list.py [N] [--database-url URL] [--runs R] [--keep] [--reuse]

Builds a database with the migrations' schema and the demo data: an SQLite file in a temporary folder by default,
or the database named by --database-url (postgresql+psycopg://postgres@127.0.0.1:5432/bench_list, created afresh
and dropped at the end; or sqlite:////path/file.sqlite). Then bulk-loads N dossiers (PostgreSQL: COPY, the
tables' indexes other than keys dropped during the load and built once after it, 7 minutes for a million; SQLite:
Core executemany, in chunks) over the demo's grassroots unions of today's tree, four kinds and four and a half
years: Vietnamese names with their diacritics, 12-digit citizen IDs, a plan with two phases (and the dossiers
submitted after its deadline), each dossier's route as the seeded routes give it (the commune union, the
province, the Confederation; a small aid decided by the commune union), a history of events along it (submit,
return, approve, forward, accept/reject, withdraw) cut at the bench's today, 29/06/2026, who each dossier reached
and what it was sent, and weekly batches with their Tờ trình for what was sent up. Then, logged in as officer,
reviewer (a commune union), liaison (the province) and tld (the Confederation), it times GET of each page with the
Flask test client, median and max of R runs after one warm-up, and flags any above the 100 ms target. Beside the
pages asked for, it times a rare name (q=dieu) and the "Ngày nộp" sort, two cases where a query that reads rows
until it has a page reads them all.
"rows" is what the list says it found: ">1000" where it counted up to its limit (lists.query.LIST_COUNT_LIMIT).

--keep leaves the database in place; --reuse loads nothing when the database already holds dossiers (the
migrations still run, so a new revision is applied to the loaded data).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.pdf import prepare  # noqa: E402
from workflow import clock, create_app  # noqa: E402
from workflow.auth.models import User  # noqa: E402
from workflow.campaigns.models import Campaign, CampaignPhase  # noqa: E402
from workflow.dossiers.models import (  # noqa: E402
    Batch,
    Dossier,
    DossierAccess,
    DossierEvent,
    DossierStep,
    Route,
    RuleSet,
    batch_dossier,
)
from workflow.extensions import db  # noqa: E402
from workflow.lists.query import ListFilters, filtered_ids  # noqa: E402
from workflow.lists.search import search_columns  # noqa: E402
from workflow.orgs.models import Organisation  # noqa: E402
from workflow.orgs.tree import chain_on  # noqa: E402
from workflow.pdf.models import Document  # noqa: E402
from workflow.states import WAITING_STATES  # noqa: E402

TODAY = date(2026, 6, 29)  # the bench's calendar: phase II of its plan ended on 31/03/2026
FIRST_DAY = date(2022, 1, 1)
TARGET_MS = 100
ROLES = ("officer", "reviewer", "liaison", "tld")  # a union, a commune union, the province, the Confederation
CHUNK = 5000

# Roughly the shares of Vietnamese family names (the "Điểu" of the S'tiêng people of Bình Phước among them).
FAMILY = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 3), ("Huỳnh", 2.5), ("Phan", 4.5),
          ("Vũ", 2), ("Võ", 2), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1),
          ("Lý", 0.5), ("Đinh", 0.8), ("Trương", 0.8), ("Lương", 0.5), ("Điểu", 0.6), ("Thạch", 0.3), ("Lâm", 0.4),
          ("Mai", 0.4), ("Tô", 0.3), ("Quách", 0.2)]
MIDDLE = {"male": ["Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Hoàng", "Ngọc",
                   "Trọng", "Đình", "Bá", "Anh", "Tiến", "Gia", "Bảo"],
          "female": ["Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Thúy", "Hồng", "Bích",
                     "Phương", "Diệu", "Minh", "Quỳnh", "Bảo", "Khánh"]}
GIVEN = {"male": ["An", "Bình", "Cường", "Dũng", "Đạt", "Đông", "Hải", "Hiếu", "Hòa", "Hùng", "Huy", "Khang",
                  "Khánh", "Khoa", "Kiên", "Lâm", "Long", "Lực", "Mạnh", "Nam", "Nghĩa", "Nhân", "Phong", "Phúc",
                  "Quân", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Thịnh", "Toàn", "Trí", "Trung", "Tuấn", "Tùng",
                  "Việt", "Vinh", "Vũ", "Ẩn", "Đức", "Lộc"],
         "female": ["Anh", "Ánh", "Bích", "Chi", "Diệp", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền",
                    "Hoa", "Hồng", "Huệ", "Hương", "Hường", "Lan", "Liên", "Linh", "Loan", "Lụa", "Mai", "My", "Nga",
                    "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Tâm", "Thảo", "Thoa", "Thủy", "Trang",
                    "Trinh", "Tuyết", "Vân", "Yến", "Đào", "Ngọc Ánh"]}
# Citizen IDs start with the province of birth: mostly Bình Phước (070), then where its workers came from.
PROVINCES = ["070"] * 14 + ["001", "038", "040", "042", "044", "052", "054", "066", "074", "079", "086", "092"]
UNION_SHARES = {"cdcs-cao-su-phu-rieng": 50, "cdcs-thcs-phu-trung": 20, "cdcs-mn-tuoi-hong": 18,
                "cdcs-nong-san-dong-xoai": 12}
KIND_SHARES = {"accident_aid": 50, "creative_labour": 20, "child_heart": 15, "union_housing": 15}
WORKPLACES = {"cdcs-cao-su-phu-rieng": ["Nông trường Phú Riềng Đỏ", "Nông trường Long Hà", "Nông trường Bù Nho",
                                        "Nhà máy chế biến mủ Long Hà", "Nông trường Phú Thuận"],
              "cdcs-thcs-phu-trung": ["Trường THCS Phú Trung"], "cdcs-mn-tuoi-hong": ["Trường Mầm non Tuổi Hồng"],
              "cdcs-nong-san-dong-xoai": ["Phân xưởng chế biến hạt điều", "Tổ bảo trì"]}
POSITIONS = {"cdcs-cao-su-phu-rieng": ["Công nhân cạo mủ", "Công nhân chế biến", "Tổ trưởng sản xuất", "Lái xe"],
             "cdcs-thcs-phu-trung": ["Giáo viên", "Nhân viên văn phòng", "Bảo vệ"],
             "cdcs-mn-tuoi-hong": ["Giáo viên mầm non", "Cấp dưỡng", "Nhân viên y tế"],
             "cdcs-nong-san-dong-xoai": ["Công nhân phân loại", "Thợ điện", "Kế toán"]}
HAMLETS = ["Ấp 1", "Ấp 2", "Ấp 3", "Ấp 4", "Ấp 5", "Thôn Phú Lâm", "Thôn Bình Tân", "Khu phố Tân Hòa"]
COMMUNES = ["xã Phú Riềng", "xã Long Hà", "xã Bù Nho", "xã Phú Trung", "xã Long Bình", "xã Đức Liễu",
            "xã Nghĩa Trung", "phường Đồng Xoài"]
HOSPITALS = ["Bệnh viện Nhi Đồng 1, Thành phố Hồ Chí Minh", "Bệnh viện Nhi Đồng 2, Thành phố Hồ Chí Minh",
             "Viện Tim Thành phố Hồ Chí Minh", "Bệnh viện Đa khoa tỉnh Bình Phước"]
DIAGNOSES = {"congenital_heart": ["Thông liên thất phần quanh màng (VSD)", "Thông liên nhĩ (ASD)",
                                  "Tứ chứng Fallot", "Còn ống động mạch (PDA)"],
             "cleft_lip": ["Khe hở môi một bên"], "cleft_palate": ["Khe hở vòm miệng"],
             "cleft_lip_palate": ["Khe hở môi - vòm miệng toàn bộ"]}
CASES = {"labour_accident": "Bị tai nạn lao động khi đang làm việc tại lô cao su, phải nằm viện điều trị dài ngày.",
         "occupational_disease": "Mắc bệnh nghề nghiệp, sức khỏe giảm sút, thu nhập gia đình bấp bênh.",
         "critical_illness": "Mắc bệnh hiểm nghèo, chi phí điều trị lớn, gia đình thuộc diện khó khăn.",
         "special_hardship": "Hoàn cảnh gia đình đặc biệt khó khăn, nuôi con nhỏ và cha mẹ già yếu."}
OCCASIONS = ["Tết Nguyên đán", "Tháng Công nhân", "Tết Bính Ngọ 2026"]
SOLUTIONS = ["Cải tiến dao cạo mủ giảm hao dăm", "Quy trình chống đông mủ tạp", "Máng hứng mủ chống mưa",
             "Phần mềm quản lý học sinh", "Đồ dùng dạy học tự làm", "Cải tiến lò sấy mủ tờ", "Bếp ăn một chiều"]
REASONS = {"return": "Thiếu xác nhận của địa phương; bổ sung giấy tờ.", "reject": "Không đủ điều kiện theo quy định.",
           "withdraw": "Đoàn viên xin rút hồ sơ."}
PLAN_START, PHASE_I_END, PHASE_II_END = date(2025, 9, 15), date(2025, 12, 31), date(2026, 3, 31)


# --- the database -------------------------------------------------------------------------------------------

def bench_app(database_url: str | None, reuse: bool):
    """An app on a fresh database; returns it with a function that removes the database."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-list-"))
    if database_url is None or database_url.startswith("sqlite"):
        url = database_url or f"sqlite:///{tmp / 'bench.sqlite'}"
        path = Path(sa.make_url(url).database)
        if not reuse:
            path.unlink(missing_ok=True)

        def drop():
            path.unlink(missing_ok=True)
    else:
        target = sa.make_url(database_url)
        name = target.database
        admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if exists and not reuse:
                conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            if not exists or not reuse:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

        def drop():
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        url = target.render_as_string(hide_password=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": str(tmp / "storage"), "SECRET_KEY": "bench",
                      "ENV_NAME": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SERVER_NAME": "localhost",
                      "WTF_CSRF_ENABLED": False})
    clock.today = lambda: TODAY

    def remove():
        with app.app_context():
            db.engine.dispose()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)

    return app, remove, tmp


def weighted(rng: random.Random, shares: dict | list):
    items = list(shares.items()) if isinstance(shares, dict) else shares
    return rng.choices([k for k, _ in items], [w for _, w in items])[0]


def person(rng: random.Random, gender: str | None = None, born=(1962, 1998)) -> tuple[str, str, date]:
    gender = gender or rng.choice(("male", "female"))
    family = weighted(rng, FAMILY)
    name = f"{family} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
    birth = date(rng.randint(*born), rng.randint(1, 12), rng.randint(1, 28))
    return name, gender, birth


def citizen_id(rng: random.Random, gender: str, birth: date) -> str:
    century = 0 if birth.year < 2000 else 2
    return f"{rng.choice(PROVINCES)}{century + (gender == 'female')}{birth.year % 100:02d}{rng.randrange(10 ** 6):06d}"


def dossier_data(rng: random.Random, kind: str, union: str, created: date) -> dict:
    name, gender, birth = person(rng)
    data = {"full_name": name, "gender": gender, "birth_date": birth.isoformat(),
            "citizen_id": citizen_id(rng, gender, birth),
            "member_since": date(max(birth.year + 18, 1990), rng.randint(1, 12), 1).isoformat(),
            "workplace": rng.choice(WORKPLACES[union]), "position": rng.choice(POSITIONS[union]),
            "phone": f"09{rng.randrange(10 ** 8):08d}",
            "address": f"{rng.choice(HAMLETS)}, {rng.choice(COMMUNES)}, tỉnh Đồng Nai"}
    if kind == "accident_aid":
        case = rng.choice(list(CASES))
        data.update(case_type=case, occurred_on=(created - timedelta(days=rng.randint(5, 120))).isoformat(),
                    description=CASES[case], occasion=rng.choice(OCCASIONS),
                    requested_amount_vnd=rng.choice((1_000_000, 1_300_000, 2_000_000, 3_000_000)))
    elif kind == "child_heart":
        group = rng.choice(list(DIAGNOSES))
        child_family = name.split()[0] if rng.random() < 0.7 else weighted(rng, FAMILY)
        child_gender = rng.choice(("male", "female"))
        child = f"{child_family} {rng.choice(MIDDLE[child_gender])} {rng.choice(GIVEN[child_gender])}"
        cost = rng.randrange(20, 150) * 1_000_000
        data.update(child_full_name=child, child_gender=child_gender,
                    child_birth_date=date(created.year - rng.randint(0, 15), rng.randint(1, 12), 1).isoformat(),
                    diagnosis_group=group, diagnosis=rng.choice(DIAGNOSES[group]), hospital=rng.choice(HOSPITALS),
                    surgery_indicated_on=(created - timedelta(days=rng.randint(1, 60))).isoformat(),
                    estimated_cost_vnd=cost,
                    requested_amount_vnd=min(cost, 50_000_000 if group == "congenital_heart" else 10_000_000),
                    hardship_criteria=rng.sample(["parent_lost_job", "single_mother", "parent_critical_illness"],
                                                 rng.randint(1, 2)))
    elif kind == "union_housing":
        cost = rng.randrange(60, 250) * 1_000_000
        data.update(support_type=rng.choice(("new_build", "repair")),
                    house_condition=rng.choice(("temporary", "dilapidated", "severely_damaged")),
                    house_address=data["address"],
                    land_document=f"Giấy chứng nhận QSDĐ số CH{rng.randrange(10 ** 5):05d}",
                    land_undisputed=True, estimated_cost_vnd=cost, own_contribution_vnd=cost - 30_000_000,
                    requested_amount_vnd=30_000_000, member_years=rng.randint(3, 25), household_size=rng.randint(2, 7))
    else:
        year = created.year - 1
        data.update(category=rng.choice("ABC"), solutions=[
            {"title": rng.choice(SOLUTIONS), "solution_type": "technical_improvement", "role": "author",
             "applied_on": f"{year}-03-01", "recognised_by": "Hội đồng sáng kiến cơ sở",
             "recognition_number": f"{rng.randint(1, 99)}/QĐ-HĐSK", "recognition_date": f"{year}-11-20",
             "year": year, "benefit_vnd": rng.randrange(50, 400) * 1_000_000}])
    return data


def history(rng: random.Random, created: date, route: list[str]) -> list[tuple[str, date, int]]:
    """The events a dossier goes through along its route (each step 'review' or 'decide'), with the position on
    the route where each happens, cut at TODAY; sending up happens on Fridays, in batches."""
    fate = rng.random()
    day = created + timedelta(days=rng.randint(0, 20))
    if fate < 0.03:
        return []  # an abandoned draft
    events = [("submit", day, 0)]
    if rng.random() < 0.12:  # returned once, then either withdrawn or submitted again
        day += timedelta(days=rng.randint(2, 10))
        events.append(("return", day, 0))
        if rng.random() < 0.2:
            return events + [("withdraw", day + timedelta(days=rng.randint(3, 30)), 0)]
        day += timedelta(days=rng.randint(3, 20))
        events.append(("submit", day, 0))
    day += timedelta(days=rng.randint(1, 10))
    if fate < 0.05:
        return events + [("return", day, 0)]  # returned and left so
    for position, role in enumerate(route):
        if role == "decide":
            return events + [("reject" if fate < 0.15 else "accept", day + timedelta(days=rng.randint(5, 45)),
                              position)]
        events.append(("approve", day, position))
        day += timedelta(days=4 - day.weekday() if day.weekday() <= 4 else 11 - day.weekday())  # the next Friday
        events.append(("forward", day, position))
        day += timedelta(days=rng.randint(1, 10))
    return events


TO_STATE = {"submit": "submitted", "return": "returned", "approve": "approved", "forward": "forwarded",
            "accept": "accepted", "reject": "rejected", "withdraw": "withdrawn"}


def bench_plan() -> Campaign:
    """The plan the bench's dossiers of 2025–2026 answer (number invented), issued by the province."""
    province = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-dong-nai"))
    plan = Campaign(title="Kế hoạch xét chọn, hỗ trợ đoàn viên năm 2025–2026", plan_number="120/KH-LĐLĐ",
                    plan_date=PLAN_START, issuer=province, kinds=[],
                    phases=[CampaignPhase(name="Đợt I", starts_on=None, ends_on=PHASE_I_END),
                            CampaignPhase(name="Đợt II", starts_on=PHASE_I_END + timedelta(days=1),
                                          ends_on=PHASE_II_END)])
    db.session.add(plan)
    db.session.flush()
    return plan


def load(n: int, seed: int = 2018, *, unions: dict[str, tuple[float, str]] | None = None,
         created_between: tuple[date, date] = (FIRST_DAY, TODAY)) -> dict:
    """Insert n dossiers with their routes, events, access, batches and Tờ trình; returns the load's timings.

    `unions`: each grassroots union's code -> (its share of the dossiers, the demo union whose workplaces and
    positions its members' data take); the demo's four unions by default (UNION_SHARES). `created_between`: the
    first and last day a dossier may be created (those created within the plan's span answer it)."""
    rng = random.Random(seed)
    unions = unions or {code: (share, code) for code, share in UNION_SHARES.items()}
    union_codes = list(unions)
    # rng.choices' cumulative weights, summed once rather than for each dossier (the same draws as weighted()).
    union_weights = list(itertools.accumulate(share for share, _ in unions.values()))
    orgs = {o.code: o for o in db.session.scalars(sa.select(Organisation))}
    level_of = {o.id: o.level for o in orgs.values()}
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    officer_of = {u.organisation_id: u for u in users.values() if u.role == "officer"}
    staff_of = {u.organisation_id: u for u in users.values() if u.role == "staff"}
    rule_sets = {r.kind: r.id for r in db.session.scalars(sa.select(RuleSet).where(
        RuleSet.jurisdiction_id == orgs["tld"].id))}
    rule_sets["union_housing"] = db.session.scalar(sa.select(RuleSet.id).where(
        RuleSet.kind == "union_housing", RuleSet.jurisdiction_id == orgs["ldld-dong-nai"].id))
    routes = {r.kind: r for r in db.session.scalars(sa.select(Route))}
    campaign = bench_plan()
    phase_one, phase_two = campaign.phases
    first_day, last_day = created_between
    span = (last_day - first_day).days
    chains = {code: {o.level: o.id for o in chain_on(orgs[code], TODAY)} for code in unions}

    dossiers, events, batches, links, documents, steps, reached = [], [], {}, [], [], [], []
    event_id = 0
    for dossier_id in range(1, n + 1):
        union = orgs[rng.choices(union_codes, cum_weights=union_weights)[0]]
        kind = weighted(rng, KIND_SHARES)
        created = first_day + timedelta(days=rng.randrange(span))
        data = dossier_data(rng, kind, unions[union.code][1], created)
        amount = data.get("requested_amount_vnd")
        route = []  # (organisation id, role, decides up to), as routing.resolve gives it, then the acting part
        for step in routes[kind].steps:
            if step["level"] in chains[union.code]:  # a level missing from the chain is skipped
                route.append((chains[union.code][step["level"]], step["role"], step.get("decides_up_to_vnd")))
        acting = []
        for _org_id, role, up_to in route:
            decides = role == "decide" or (up_to is not None and amount is not None and amount <= up_to)
            acting.append("decide" if decides else "review")
            if decides:
                break
        path = [(e, d, pos) for e, d, pos in history(rng, created, acting) if d < TODAY]
        state, round_, submitted_on, first_submit, position, moment = "draft", 0, None, None, None, None
        rows, last_sent = [], {}
        for event, day, pos in path:
            from_state, state = state, TO_STATE[event]
            org_id = route[pos][0]
            actor = officer_of[union.id] if event in ("submit", "withdraw") else staff_of[org_id]
            batch_id = None
            if event == "submit":
                round_ += 1
                submitted_on, first_submit = day, first_submit or day
            if event == "forward":
                key = (org_id, route[pos + 1][0], kind, day)
                if key not in batches:
                    batches[key] = len(batches) + 1
                batch_id = batches[key]
                links.append({"batch_id": batch_id, "dossier_id": dossier_id})
            moment = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randint(60, 600))
            event_id += 1
            rows.append({"id": event_id, "dossier_id": dossier_id, "event": event, "from_state": from_state,
                         "to_state": state, "actor_id": actor.id, "organisation_id": actor.organisation_id,
                         "at": moment, "comment": REASONS.get(event), "round": round_, "document_id": None,
                         "batch_id": batch_id, "data_snapshot": data if event in ("submit", "forward") else None})
            if event == "submit":
                last_sent[route[0][0]] = (event_id, day)
            elif event == "forward":
                last_sent[route[pos + 1][0]] = (event_id, day)
            position = pos + 1 if event == "forward" else pos
        before = None
        for row in rows:  # as operations.record writes them: the acting level, the days since the step before
            row["level"] = level_of[row["organisation_id"]]
            row["held_days"] = (row["at"] - before).total_seconds() / 86400 if before is not None else None
            before = row["at"]
        events.extend(rows)
        in_plan = PLAN_START <= created <= PHASE_II_END
        phase = None
        if in_plan and first_submit:
            phase = phase_one if first_submit <= PHASE_I_END else phase_two
        created_at = datetime.combine(created, datetime.min.time()) + timedelta(minutes=rng.randint(60, 600))
        listed = {"kind": kind, "state": state, "updated_at": moment or created_at, "submitted_on": submitted_on,
                  "campaign_id": campaign.id if in_plan else None,
                  "submitted_late": bool(phase and first_submit > PHASE_II_END),
                  # what lists/entries.py would write: a Core insert does not go through it (every level was sent
                  # the same data here)
                  "requested_amount_vnd": amount, "phase_id": phase.id if phase else None,
                  "granted_amount_vnd": amount if state == "accepted" and amount else None,
                  **search_columns(kind, data)}
        if round_:
            steps.extend({"dossier_id": dossier_id, "position": i, "organisation_id": org_id, "role": role,
                          "decides_up_to_vnd": up_to} for i, (org_id, role, up_to) in enumerate(route))
            waits_at = route[position][0] if state in WAITING_STATES else None
            task = "forward" if state == "approved" else acting[position] if waits_at else None
            reached.extend({"organisation_id": org_id, "dossier_id": dossier_id, "sent_event_id": sent,
                            "arrived_on": day, "union_id": union.id, "task": task if org_id == waits_at else None,
                            **listed} for org_id, (sent, day) in last_sent.items())
        dossiers.append({
            "id": dossier_id, "organisation_id": union.id, "version": len(rows) + 2,
            "data": data, "submitted_data": data if round_ else None, "created_by_id": officer_of[union.id].id,
            "created_at": created_at, "round": round_, "rule_set_id": rule_sets[kind] if round_ else None,
            "route_id": routes[kind].id if round_ else None, "position": position, "dedup_key": None, **listed})
    sequences: dict[tuple[int, int], int] = {}
    abbreviations = {o.id: o.abbreviation for o in orgs.values()}
    batch_rows = []
    for (sender, recipient, kind, day), batch_id in batches.items():
        batch_rows.append({"id": batch_id, "kind": kind, "organisation_id": sender, "recipient_id": recipient,
                           "created_by_id": staff_of[sender].id,
                           "created_at": datetime.combine(day, datetime.min.time()) + timedelta(hours=9)})
        sequence = sequences[(sender, day.year)] = sequences.get((sender, day.year), 0) + 1
        documents.append({"id": batch_id, "doc_type": "TTr", "title": "Tờ trình", "organisation_id": sender,
                          "year": day.year, "sequence_scope": "", "sequence": sequence,
                          "number": f"{sequence:02d}/TTr-{abbreviations[sender]}", "issued_on": day,
                          "issued_at": datetime.combine(day, datetime.min.time()) + timedelta(hours=9),
                          "issued_by_id": staff_of[sender].id, "template": "documents/batch.html", "sha256": "0" * 64,
                          "size": 0, "page_count": 2, "batch_id": batch_id})

    timings = {}
    loaded = ((Dossier.__table__, dossiers), (Batch.__table__, batch_rows), (batch_dossier, links),
              (Document.__table__, documents), (DossierEvent.__table__, events),
              (DossierStep.__table__, steps), (DossierAccess.__table__, reached))
    dropped = drop_indexes([table.name for table, _ in loaded])
    for table, rows in loaded:
        started = time.perf_counter()
        insert(table, rows)
        timings[table.name] = (len(rows), time.perf_counter() - started)
    if dropped:
        started = time.perf_counter()
        db.session.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
        for definition in dropped:
            db.session.execute(sa.text(definition))
        timings["indexes"] = (len(dropped), time.perf_counter() - started)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("dossier", "dossier_event", "batch", "document"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
            started = time.perf_counter()
            conn.execute(sa.text("VACUUM ANALYZE"))  # what autovacuum does shortly after a bulk load
            timings["vacuum analyze"] = (0, time.perf_counter() - started)
    return timings


def drop_indexes(tables: list[str]) -> list[str]:
    """On PostgreSQL, drops the tables' indexes other than their keys and unique ones (which the foreign keys and
    the rows' checks use) and returns their definitions, to build each once after the load rather than update it
    row by row (most of a million dossiers' load)."""
    if db.engine.dialect.name != "postgresql":
        return []
    found = db.session.execute(sa.text(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(:tables) "
        "AND t.relnamespace = current_schema()::regnamespace AND NOT i.indisunique AND NOT i.indisprimary"),
        {"tables": tables}).all()
    for name, _ in found:
        db.session.execute(sa.text(f"DROP INDEX {name}"))
    return [definition for _, definition in found]


def insert(table: sa.Table, rows: list[dict]) -> None:
    """The rows into the table: COPY on PostgreSQL (psycopg 3; Core executemany took 20 minutes at a million
    dossiers), Core executemany in chunks elsewhere. The same values either way: a JSON None is written as JSON
    null, as SQLAlchemy's JSON type writes it, and a column the rows leave out takes its scalar default."""
    if not rows:
        return
    if db.engine.dialect.name != "postgresql":
        for start in range(0, len(rows), CHUNK):
            db.session.execute(sa.insert(table), rows[start:start + CHUNK])
        return
    names = list(rows[0])
    json_columns = {name for name in names if isinstance(table.c[name].type, sa.JSON)}
    defaults = {}
    for column in table.columns:
        if column.name not in names and column.default is not None:
            assert column.default.is_scalar, column  # a callable default (a time) would need the rows to give it
            defaults[column.name] = column.default.arg
    extra = list(defaults.values())
    columns = ", ".join(f'"{name}"' for name in names + list(defaults))
    driver = db.session.connection().connection.driver_connection  # in the session's transaction
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([json.dumps(row[name]) if name in json_columns else row[name] for name in names] + extra)


# --- the pages -----------------------------------------------------------------------------------------------

def window_of(user, rows: int = 1000) -> str:
    """`from=01/01/2026&to=…`: the submission window holding about `rows` of the user's dossiers."""
    start, low, high = date(2026, 1, 1), 0, 400
    while low < high:
        middle = (low + high) // 2
        filters = ListFilters(submitted_from=start, submitted_to=start + timedelta(days=middle))
        count = db.session.scalar(sa.select(sa.func.count()).select_from(filtered_ids(user, filters).subquery()))
        low, high = (middle + 1, high) if count < rows else (low, middle)
    return f"from={start:%d/%m/%Y}&to={start + timedelta(days=low):%d/%m/%Y}"


def cases_for(user) -> list[tuple[str, str]]:
    """The pages to time for one user, with their labels."""
    unions = {"officer": "cdcs-cao-su-phu-rieng", "reviewer": "cdcs-thcs-phu-trung", "liaison": "cdcs-mn-tuoi-hong",
              "tld": "cdcs-cao-su-phu-rieng"}
    union = db.session.scalar(sa.select(Organisation.id).where(Organisation.code == unions[user.username]))
    prefix = db.session.scalar(sa.select(Dossier.citizen_id).where(Dossier.organisation_id == union)
                               .order_by(Dossier.id).limit(1))[:6]
    return [
        ("list", "/dossiers"),
        ("page 50", "/dossiers?page=50"),
        ("q=nguyen", "/dossiers?q=nguyen"),
        ("q=dieu (rare)", "/dossiers?q=dieu"),
        (f"q={prefix}", f"/dossiers?q={prefix}"),
        ("submitted, oldest", "/dossiers?state=submitted&sort=oldest"),
        ("sort=name", "/dossiers?sort=name"),
        ("sort=submitted", "/dossiers?sort=submitted"),
        ("kind+union", f"/dossiers?kind=accident_aid&union={union}"),
        ("Q1 2026", "/dossiers?from=01/01/2026&to=31/03/2026"),
        ("waiting here", "/dossiers?waiting=1&sort=oldest"),
        ("late=1", "/dossiers?late=1"),
        ("home", "/"),
        ("CSV ~1000", f"/dossiers/export.csv?{window_of(user)}"),
    ]


FOUND = re.compile(r"Tìm thấy (hơn )?([\d.]+) hồ sơ")  # "hơn 1.000": the list counts up to LIST_COUNT_LIMIT


def time_page(client, url: str, runs: int) -> tuple[float, float, str]:
    """Median and max in ms over `runs` after one warm-up, and how many rows the page reported."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    body = response.get_data(as_text=True)
    if url.startswith("/dossiers/export"):
        rows = str(body.count("\n") - 1)
    else:
        found = FOUND.search(body)
        rows = ((">" if found.group(1) else "") + found.group(2).replace(".", "")) if found else ""
    return statistics.median(times), max(times), rows


def count_queries(engine):
    counter = {"n": 0}

    @sa.event.listens_for(engine, "before_cursor_execute")
    def count(*_):
        counter["n"] += 1

    return counter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="dossiers to load (default 100000)")
    parser.add_argument("--database-url", help="postgresql+psycopg://…/bench_list, or sqlite:///path "
                        "(default: SQLite in a temporary folder)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per page after one warm-up (default 7)")
    parser.add_argument("--keep", action="store_true", help="leave the database in place")
    parser.add_argument("--reuse", action="store_true", help="keep an existing database's dossiers")
    args = parser.parse_args()

    app, remove, tmp = bench_app(args.database_url, args.reuse)
    try:
        with app.app_context():
            dialect = db.engine.dialect.name
            started = time.perf_counter()
            prepare()
            db.session.commit()
            print(f"{dialect}: schema and demo data in {time.perf_counter() - started:.1f} s")
            if db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 0:
                started = time.perf_counter()
                timings = load(args.n)
                total = time.perf_counter() - started
                print(f"loaded in {total:.1f} s (generating the rows included): " + ", ".join(
                    f"{name} {count} rows {seconds:.1f} s" if count else f"{name} {seconds:.1f} s"
                    for name, (count, seconds) in timings.items()))
            counts = dict(db.session.execute(sa.select(Dossier.state, sa.func.count()).group_by(Dossier.state)).all())
            print(f"dossiers: {sum(counts.values())} (" + ", ".join(f"{s} {c}" for s, c in sorted(counts.items()))
                  + f"); batches: {db.session.scalar(sa.select(sa.func.count()).select_from(Batch))}; "
                  f"events: {db.session.scalar(sa.select(sa.func.count()).select_from(DossierEvent))}")
            plans = {u.username: cases_for(u) for u in db.session.scalars(
                sa.select(User).where(User.username.in_(ROLES)))}
            db.session.remove()
            queries = count_queries(db.engine)

        print(f"\nload average before timing: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
        print(f"{'role':9} {'page':19} {'rows':>6} {'median ms':>10} {'max ms':>8} {'queries':>8}")
        slow = []
        for username in ROLES:
            client = app.test_client()
            response = client.post("/login", data={"username": username, "password": "demo"})
            assert response.status_code == 302, response.status_code
            for label, url in plans[username]:
                before = queries["n"]
                median, worst, rows = time_page(client, url, args.runs)
                per_request = (queries["n"] - before) // (args.runs + 1)
                flag = "  > 100 ms" if median > TARGET_MS else "  (max > 100 ms)" if worst > TARGET_MS else ""
                print(f"{username:9} {label:19} {rows:>6} {median:10.1f} {worst:8.1f} {per_request:8d}{flag}")
                if median > TARGET_MS:
                    slow.append(f"{username} {url}")
        print(f"load average after timing: {os.getloadavg()[0]:.2f}")
        print(f"\n{len(slow)} page(s) over {TARGET_MS} ms (median)" + (":\n  " + "\n  ".join(slow) if slow else "."))
    finally:
        if args.keep:
            print(f"kept: {args.database_url or tmp / 'bench.sqlite'}")
        else:
            remove()


if __name__ == "__main__":
    main()
