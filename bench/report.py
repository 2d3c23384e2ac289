"""Time a plan's report (workflow/reports/figures.report) over N dossiers answering the plan (default 100,000), as
the province, a commune union, a grassroots union and the Confederation see it, and its XLSX and CSV exports.

    .venv/bin/python bench/report.py [N] [--database-url URL] [--runs R] [--explain] [--keep] [--reuse]

The target (issue 15): a province's report over a plan with 100,000 dossiers in under a second, on PostgreSQL and
on SQLite, counted in SQL.

Builds the database as bench/list.py does (the migrations' schema and the demo data: SQLite in a temporary folder
by default, or the database named by --database-url, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/bench_report,
created afresh and dropped at the end). Grows the demo's province, LĐLĐ tỉnh Đồng Nai, to the size of a real one
after the 2025 merger: 95 commune and ward unions (the demo's two among them) with 5 to 30 grassroots unions each
(companies, rubber plantations, schools, health stations, cooperatives; the bigger the employer, the more
dossiers), about 1,700 unions, each with its officer, each commune with its staff. Then loads N dossiers with
bench/list.py's loader, created within the span of its plan (15/09/2025 to 31/03/2026: phase I until 31/12/2025,
phase II after; those submitted after the last deadline are late): four kinds with their amounts, each along its
route (commune, province, Confederation; a small aid decided by the commune) with its history of events cut at
the bench's today, 29/06/2026 (returned, resubmitted, withdrawn, rejected, accepted, still waiting), and an access
row for every level it reached. Then times report(scope), median and max of R runs after one warm-up, each split
into its parts (the groups, the cells, the days at each level, the submissions per day), and the exports.

An organisation's report counts what reached it: of 100,000 dossiers the province's counts 58,000 (over a third are
small aids that the communes decide), the Confederation's 32,000; 175,000 give the province 100,000. The loader
stores each dossier's events one after the other, where a real history interleaves them over months: reading
a dossier's events from the table costs more in real life than here.

--explain prints the query plan of every statement of the province's whole-plan report (EXPLAIN (ANALYZE,
BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite). --keep leaves the database in place; --reuse loads nothing
when it already holds dossiers (give --database-url).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from bench.list import PHASE_II_END, PLAN_START, bench_app, load  # noqa: E402
from bench.pdf import prepare  # noqa: E402
from workflow.auth.models import User  # noqa: E402
from workflow.campaigns.models import Campaign  # noqa: E402
from workflow.dossiers.models import Dossier, DossierAccess, DossierEvent  # noqa: E402
from workflow.dossiers.visibility import viewer_of  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.orgs.models import Organisation, OrganisationPlacement  # noqa: E402
from workflow.reports import export, figures  # noqa: E402
from workflow.reports.figures import Scope, report  # noqa: E402

TARGET_S = 1.0
PROVINCE = "ldld-dong-nai"
PLAN_NUMBER = "120/KH-LĐLĐ"  # bench.list.bench_plan's
RESTRUCTURED = date(2025, 7, 1)  # the communes' unions began then, as the demo's two did

# The commune and ward unions the bench adds to the demo's two (Phú Riềng, Bù Đăng): places of Đồng Nai and of
# the Bình Phước it took over, 95 in all as after the 2025 merger. Every fourth one a ward (phường).
PLACES = [
    "Trấn Biên", "Tam Hiệp", "Long Bình", "Trảng Dài", "Hố Nai", "Long Hưng", "Bình Lộc", "Bảo Vinh", "Xuân Lập",
    "Long Khánh", "Hàng Gòn", "Tân Triều", "Phước Tân", "Tam Phước", "Phú Lý", "Trị An", "Tân An", "Nhơn Trạch",
    "Đại Phước", "Phước An", "Phước Thái", "Long Phước", "Bình An", "Long Thành", "An Phước", "An Viễn",
    "Bình Minh", "Trảng Bom", "Bàu Hàm", "Hưng Thịnh", "Dầu Giây", "Gia Kiệm", "Thống Nhất", "Xuân Đường",
    "Xuân Đông", "Xuân Định", "Xuân Phú", "Xuân Lộc", "Xuân Hòa", "Xuân Thành", "Xuân Bắc", "La Ngà", "Định Quán",
    "Phú Vinh", "Phú Hòa", "Tà Lài", "Nam Cát Tiên", "Tân Phú", "Phú Lâm", "Cẩm Mỹ", "Sông Ray", "Xuân Quế",
    "Xuân Đà", "Đồng Xoài", "Bình Phước", "Đồng Phú", "Thuận Lợi", "Tân Lợi", "Chơn Thành", "Minh Hưng",
    "Nha Bích", "Bình Long", "An Lộc", "Lộc Ninh", "Lộc Thạnh", "Lộc Quang", "Bù Đốp", "Thiện Hưng", "Hưng Phước",
    "Phước Long", "Phước Bình", "Bù Gia Mập", "Đa Kia", "Đắk Ơ", "Bình Tân", "Long Hà", "Phú Trung", "Đức Liễu",
    "Nghĩa Trung", "Thọ Sơn", "Đăk Nhau", "Bom Bo", "Tân Khai", "Tân Hưng", "Tân Quan", "Minh Đức", "Phú Nghĩa",
    "Lộc Tấn", "Lộc Hưng", "Tân Tiến", "Thanh Sơn", "Tân Khánh", "Phước Sơn",
]
# A grassroots union's kind of employer: its name, its share of dossiers (a plantation of thousands of workers
# sends more than a health station of ten), and the demo union whose workplaces and positions its members take.
EMPLOYERS = [
    ("Công đoàn cơ sở Công ty TNHH {place} {n}", 4.0, "cdcs-nong-san-dong-xoai"),
    ("Công đoàn cơ sở Công ty Cổ phần {place} {n}", 4.0, "cdcs-nong-san-dong-xoai"),
    ("Công đoàn cơ sở Nông trường cao su {place} {n}", 8.0, "cdcs-cao-su-phu-rieng"),
    ("Công đoàn cơ sở Trường Mầm non {place} {n}", 1.0, "cdcs-mn-tuoi-hong"),
    ("Công đoàn cơ sở Trường Tiểu học {place} {n}", 1.0, "cdcs-thcs-phu-trung"),
    ("Công đoàn cơ sở Trường THCS {place} {n}", 1.0, "cdcs-thcs-phu-trung"),
    ("Công đoàn cơ sở Trạm Y tế {place} {n}", 0.7, "cdcs-mn-tuoi-hong"),
    ("Công đoàn cơ sở Hợp tác xã {place} {n}", 0.5, "cdcs-nong-san-dong-xoai"),
]
# The demo's unions, each its own profile: the rubber company (the officer's) among the province's biggest.
DEMO_UNIONS = {code: (share, code) for code, share in (("cdcs-cao-su-phu-rieng", 40.0), ("cdcs-thcs-phu-trung", 1.0),
                                                       ("cdcs-mn-tuoi-hong", 1.0), ("cdcs-nong-san-dong-xoai", 4.0))}


# --- the province's tree --------------------------------------------------------------------------------------

def grow_province(seed: int = 2025) -> dict[str, tuple[float, str]]:
    """Add the communes and their grassroots unions under the demo's province, with an officer for each union
    and a staff member for each commune; returns every union's (share, profile) for bench.list.load."""
    rng = random.Random(seed)
    province = db.session.scalar(sa.select(Organisation).where(Organisation.code == PROVINCE))
    password_hash = generate_password_hash("demo", method="pbkdf2:sha256:1000")  # once: 1,800 users
    unions = dict(DEMO_UNIONS)
    # The demo's communes get more unions of their own, so that their staff's report is a commune's size too.
    communes = [db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
                for code in ("cd-xa-phu-rieng", "cd-xa-bu-dang")]
    for number, place in enumerate(PLACES, start=1):
        ward = number % 4 == 0
        commune = Organisation(
            code=f"cd-{'phuong' if ward else 'xa'}-{number:03d}", level="upper_grassroots",
            name=f"Công đoàn {'phường' if ward else 'xã'} {place}",
            header_name=f"CÔNG ĐOÀN {'PHƯỜNG' if ward else 'XÃ'} {place.upper()}",
            abbreviation="CĐP" if ward else "CĐX", place_name=place, signing_body="BAN THƯỜNG VỤ",
            valid_from=RESTRUCTURED)
        db.session.add_all([commune, OrganisationPlacement(organisation=commune, parent=province,
                                                           valid_from=RESTRUCTURED)])
        communes.append(commune)
    db.session.flush()
    users = []
    for commune in communes:
        users.append(User(username=f"staff-{commune.code}", full_name="Cán bộ công đoàn", role="staff",
                          organisation=commune, password_hash=password_hash))
        for n in range(1, rng.randint(5, 30) + 1):
            template, share, profile = rng.choice(EMPLOYERS)
            name = template.format(place=commune.place_name, n=n)
            union = Organisation(
                code=f"cdcs-{commune.code}-{n:02d}", level="grassroots", name=name,
                header_name=name.replace("Công đoàn cơ sở", "Công đoàn").upper(), abbreviation="CĐCS",
                place_name=commune.place_name, signing_body="BAN CHẤP HÀNH", valid_from=RESTRUCTURED)
            db.session.add_all([union, OrganisationPlacement(organisation=union, parent=commune,
                                                             valid_from=RESTRUCTURED)])
            users.append(User(username=f"officer-{union.code}", full_name="Cán bộ công đoàn cơ sở",
                              role="officer", organisation=union, password_hash=password_hash))
            unions[union.code] = (share * rng.uniform(0.5, 1.5), profile)
    db.session.add_all(users)
    db.session.flush()
    return unions


# --- the timings ------------------------------------------------------------------------------------------------

# The parts of report(), figures' own functions, which it calls through the module (those that exist: the module
# may be reorganised), with their headings.
PARTS = {"_groups": "groups", "_cells": "cells", "_days_at_level": "days", "_submissions_by_day": "by day"}


@contextmanager
def timed_parts():
    """Time each part of report() in s, summed over the calls made inside the block."""
    originals = {name: getattr(figures, name) for name in PARTS if hasattr(figures, name)}
    spent = dict.fromkeys(originals, 0.0)

    def timing(name, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started
        return timed

    for name, function in originals.items():
        setattr(figures, name, timing(name, function))
    try:
        yield spent
    finally:
        for name, function in originals.items():
            setattr(figures, name, function)


def statements_of(run) -> list[tuple[str, object]]:
    """The SQL statements (with their parameters) that run() executes."""
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    return seen


def explain(run) -> None:
    """Print the plan of every statement run() executes, as the database ran it."""
    postgres = db.engine.dialect.name == "postgresql"
    for statement, parameters in statements_of(run):
        print("\n" + statement)
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
        print("\n".join(" | ".join(str(value) for value in row) for row in rows))


def cases() -> list[tuple[str, Scope]]:
    users = {u.username: u for u in db.session.scalars(sa.select(User).where(
        User.username.in_(("liaison", "reviewer", "officer", "tld"))))}
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.plan_number == PLAN_NUMBER))
    province, commune, union, confederation = (viewer_of(users[name]) for name in ("liaison", "reviewer", "officer",
                                                                                     "tld"))
    biggest_commune = db.session.scalar(
        sa.select(Organisation).join(OrganisationPlacement, OrganisationPlacement.organisation_id == Organisation.id)
        .join(DossierAccess, DossierAccess.organisation_id == Organisation.id)
        .where(OrganisationPlacement.parent_id == province.org_id)
        .group_by(Organisation.id).order_by(sa.func.count().desc()).limit(1))
    return [
        ("province, whole plan", Scope(province, campaign)),
        ("province, phase I", Scope(province, campaign, phase=campaign.phases[0])),
        ("province, one kind", Scope(province, campaign, kind="accident_aid")),
        ("province, one quarter", Scope(province, campaign, submitted_from=date(2026, 1, 1),
                                        submitted_to=date(2026, 3, 31))),
        ("province, a commune's", Scope(province, campaign, under=biggest_commune)),
        ("commune (reviewer)", Scope(commune, campaign)),
        ("union (officer)", Scope(union, campaign)),
        ("Confederation (tld)", Scope(confederation, campaign)),
    ]


def time_runs(run, runs: int) -> tuple[float, float, float, object]:
    """Median and max in s of `runs` runs after one warm-up, the median CPU time this process spent, and the last
    result. On a shared machine the CPU time is what the work itself took (all of it on SQLite, which runs in this
    process; only the client's share on PostgreSQL)."""
    result = run()
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(times), max(times), statistics.median(cpu), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="dossiers to load (default 100000)")
    parser.add_argument("--database-url", help="postgresql+psycopg://…/bench_report, or sqlite:///path "
                        "(default: SQLite in a temporary folder)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case after one warm-up (default 5)")
    parser.add_argument("--explain", action="store_true", help="print the plans of the province's report")
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
                unions = grow_province()
                timings = load(args.n, unions=unions, created_between=(PLAN_START, PHASE_II_END))
                print(f"tree and {args.n} dossiers loaded in {time.perf_counter() - started:.1f} s: " + ", ".join(
                    f"{name} {count} rows {seconds:.1f} s" if count else f"{name} {seconds:.1f} s"
                    for name, (count, seconds) in timings.items()))
            describe()
            timed = cases()
            print(f"\nload average before timing: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs, shared)")
            slow, province = time_reports(timed, args.runs)
            time_exports(province, args.runs)
            print(f"load average after timing: {os.getloadavg()[0]:.2f}")
            print("cpu s: this process's CPU time, what the work itself took on a shared machine (on SQLite all of "
                  "it; on PostgreSQL only the client's share)")
            if slow:
                print(f"\nTARGET MISSED on {dialect}: {len(slow)} report(s) over {TARGET_S:g} s (median): "
                      + ", ".join(slow))
            else:
                print(f"\nTarget met on {dialect}: every report under {TARGET_S:g} s (median).")
            if args.explain:
                explain(lambda: report(timed[0][1]))
    finally:
        if args.keep:
            print(f"kept: {args.database_url or tmp / 'bench.sqlite'}")
        else:
            remove()


def time_reports(timed: list[tuple[str, Scope]], runs: int):
    """Print each case's timings; return the cases over the target and the first case's report (the province's
    whole plan)."""
    names = [name for name in PARTS if hasattr(figures, name)]
    print(f"{'report of':24} {'dossiers':>8} {'groups':>6} {'median s':>9} {'max s':>7} {'cpu s':>6}   "
          + " ".join(f"{PARTS[name]:>6}" for name in names) + "  (a run's parts, s)")
    slow, first = [], None
    for label, scope in timed:
        with timed_parts() as spent:
            median, worst, cpu, result = time_runs(lambda scope=scope: report(scope), runs)
        parts = " ".join(f"{spent[name] / (runs + 1):6.3f}" for name in names)  # the warm-up included
        flag = f"  > {TARGET_S:g} s" if median > TARGET_S else ""
        print(f"{label:24} {result.total.counts['submitted']:8d} {len(result.groups):6d} {median:9.3f} "
              f"{worst:7.3f} {cpu:6.3f}   {parts}{flag}")
        if median > TARGET_S:
            slow.append(label)
        if first is None:
            first = result
    return slow, first


def time_exports(province, runs: int) -> None:
    for label, write in (("XLSX export", export.to_xlsx), ("CSV export", export.to_csv)):
        median, worst, cpu, body = time_runs(lambda write=write: write(province), runs)
        size = f"{len(body) // 1024}kB"
        print(f"{label + ' (province)':24} {size:>8} {'':6} {median:9.3f} {worst:7.3f} {cpu:6.3f}")


def describe() -> None:
    """What was loaded: the tree's size, the dossiers of the plan by state, the events and access rows."""
    def count(table) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(table))

    levels = dict(db.session.execute(sa.select(Organisation.level, sa.func.count()).group_by(Organisation.level)).all())
    states = dict(db.session.execute(sa.select(Dossier.state, sa.func.count()).where(Dossier.campaign_id.is_not(None))
                                     .group_by(Dossier.state)).all())
    late = db.session.scalar(sa.select(sa.func.count()).where(Dossier.submitted_late))
    print(f"organisations: {levels.get('upper_grassroots', 0)} upper grassroots, {levels.get('grassroots', 0)} "
          f"grassroots; dossiers of the plan: {sum(states.values())} ("
          + ", ".join(f"{state} {n}" for state, n in sorted(states.items())) + f"), late {late}; "
          f"events {count(DossierEvent)}, access rows {count(DossierAccess)}")


if __name__ == "__main__":
    main()
