"""A plan's report: its figures against the dossiers behind them, for each role; phases, lateness and periods at
their boundaries; the links from each number to the list that recounts it; the API."""
import re
from datetime import date, timedelta

import sqlalchemy as sa

from workflow.extensions import db

REPORT_USERS = ("officer", "officer2", "officer3", "reviewer", "reviewer2", "liaison", "tld")


def report(api, user, plan, **args):
    query = "&".join(f"{key}={value}" for key, value in args.items())
    response = api.get(user, f"/api/v1/campaigns/{plan}/report?{query}")
    assert response.status_code == 200, response.json
    return response.json


def listed(api, user, **args) -> set[int]:
    """The ids the dossier list gives for these filters (every page)."""
    found, page = set(), 1
    while True:
        query = "&".join(f"{key}={item}" for key, value in args.items()
                         for item in (value if isinstance(value, list) else [value]))
        response = api.get(user, f"/api/v1/dossiers?{query}&per_page=200&page={page}")
        assert response.status_code == 200, response.json
        found |= {d["id"] for d in response.json["dossiers"]}
        if page >= response.json["pages"]:
            return found
        page += 1


def test_the_figures_of_each_role_count_what_it_sees(api, plan_work):
    plan = plan_work["plan"]
    officer = report(api, "officer", plan)
    assert officer["organisation"]["name"] == "Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng"
    assert officer["totals"]["counts"] == {
        "submitted": 7, "waiting": 2, "approved": 1, "returned": 1, "granted": 1, "refused": 1, "withdrawn": 1,
        "closed": 0, "on_time": 6, "late": 1}
    assert officer["totals"]["requested_vnd"] == 50_000_000 + 40_000_000 + 50_000_000 + 20_000_000 + 30_000_000 \
        + 50_000_000 + 10_000_000  # accepted, rejected, returned, waiting, house, withdrawn, late
    assert officer["totals"]["granted_vnd"] == 45_000_000
    assert [row["kind"] for row in officer["by_kind"]] == ["child_heart", "union_housing"]

    officer2 = report(api, "officer2", plan)["totals"]["counts"]
    assert officer2["submitted"] == 1 and officer2["waiting"] == 1  # its own aid only

    commune = report(api, "reviewer", plan)
    assert commune["totals"]["counts"]["submitted"] == 8  # both of its unions, not Bù Đăng's
    units = {row["organisation"]["name"]: row["counts"]["submitted"] for row in commune["by_organisation"]}
    assert units == {"Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng": 7,
                     "Công đoàn cơ sở Trường THCS Phú Trung": 1}

    assert report(api, "reviewer2", plan)["totals"]["counts"]["submitted"] == 1  # Bù Đăng's house only

    province = report(api, "liaison", plan)
    # Only what reached the province: the two decided ones went up; the rest stayed at the communes.
    assert province["totals"]["counts"] == {
        "submitted": 2, "waiting": 0, "approved": 0, "returned": 0, "granted": 1, "refused": 1, "withdrawn": 0,
        "closed": 0, "on_time": 2, "late": 0}
    by_unit = {row["organisation"]["name"]: row["counts"]["submitted"] for row in province["by_organisation"]}
    assert by_unit["Công đoàn xã Phú Riềng"] == 2 and by_unit["Công đoàn xã Bù Đăng"] == 0

    tld = report(api, "tld", plan)
    assert tld["totals"]["counts"]["submitted"] == sum(
        1 for key in ("accepted", "rejected") if plan_work[key]["route"][-1]["org"]["code"] == "tld")


def test_every_figure_is_the_count_of_the_list_it_links_to(api, plan_work):
    """For each role, each row and each count: the list with the figure's filters holds exactly that many."""
    plan = plan_work["plan"]
    from workflow.reports.figures import OUTCOMES

    for user in REPORT_USERS:
        figures = report(api, user, plan)
        everything = listed(api, user, campaign=plan, submitted=1)
        assert len(everything) == figures["totals"]["counts"]["submitted"], user
        for row in figures["by_kind"]:
            for name, (_, states) in OUTCOMES.items():
                assert len(listed(api, user, campaign=plan, submitted=1, kind=row["kind"], state=list(states))) \
                    == row["counts"][name], (user, row["kind"], name)
            assert len(listed(api, user, campaign=plan, submitted=1, kind=row["kind"], late=1)) == row["late"]
            assert len(listed(api, user, campaign=plan, submitted=1, kind=row["kind"], late=0)) \
                == row["counts"]["on_time"]
        for row in figures["by_organisation"]:
            if row["organisation"]["id"] is not None:
                assert len(listed(api, user, campaign=plan, submitted=1, under=row["organisation"]["id"])) \
                    == row["counts"]["submitted"], (user, row["organisation"]["name"])


def test_the_page_links_each_number_to_the_dossiers_behind_it(api, browser, plan_work):
    plan = plan_work["plan"]
    for user in ("officer", "reviewer", "liaison"):
        session = browser(user)
        page = session.get(f"/campaigns/{plan}/report").get_data(as_text=True)
        links = re.findall(r'<a href="(/dossiers\?[^"]+)">([\d.]+)</a>', page)
        assert links, user
        for url, shown in links:
            listing = session.get(url.replace("&amp;", "&")).get_data(as_text=True)
            assert f"Tìm thấy {int(shown.replace('.', ''))} hồ sơ." in listing, (user, url)


def test_phases_lateness_and_periods_at_their_boundaries(api, today, current_plan):
    """Đợt I ends 31/12/2025; Đợt II runs 01/01/2026–31/03/2026; a submission after that is Đợt II's, late."""
    submitted = {}
    today(date(2025, 12, 31))
    drafts = [api.create(citizen_id=f"07008500020{i}") for i in range(4)]  # drafted while Đợt I is open
    for day, draft in zip((date(2025, 12, 31), date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1)), drafts,
                          strict=True):
        today(day)
        submitted[day] = api.fire_ok("officer", draft, "submit")
    phases = {p["name"]: p["id"] for p in report(api, "reviewer", current_plan)["campaign"]["phases"]}
    first = report(api, "reviewer", current_plan, phase=phases["Đợt I"])["totals"]["counts"]
    second = report(api, "reviewer", current_plan, phase=phases["Đợt II"])["totals"]["counts"]
    assert (first["submitted"], first["late"]) == (1, 0)
    assert (second["submitted"], second["on_time"], second["late"]) == (3, 2, 1)
    period = report(api, "reviewer", current_plan, **{"from": "2026-01-01", "to": "2026-03-31"})
    assert period["totals"]["counts"]["submitted"] == 2  # both ends included
    assert [(d["date"], d["count"]) for d in period["submissions_by_day"]] == [("2026-01-01", 1), ("2026-03-31", 1)]


def test_median_days_at_each_level(api, monkeypatch, current_plan):
    """The days each level held a dossier, from its history: two dossiers taken along the route to the
    Confederation, each step 1 day (the first) or 2,5 days (the second) after the one before."""
    from workflow import clock

    users = ("officer", "reviewer", "liaison", "tld")
    for user in users:
        api.headers(user)  # signed in now: the tokens outlive the calendar moved back below
    start = clock.utcnow() - timedelta(days=30)
    for gap, citizen_id in ((1.0, "070085000301"), (2.5, "070085000302")):
        _to_the_confederation(api, monkeypatch, start, gap, citizen_id)
    # per dossier: the commune approved and forwarded (2 steps), the province too (2), the Confederation decided (1)
    expected = {"upper_grassroots": ((2 * 1.0 + 2 * 2.5) / 2, 2), "province": ((2 * 1.0 + 2 * 2.5) / 2, 2),
                "confederation": ((1.0 + 2.5) / 2, 2)}
    figures = report(api, "tld", current_plan, kind="child_heart")
    found = {row["level"]: (row["median_days"], row["dossiers"]) for row in figures["days_at_level"]
             if row["kind"] == "child_heart"}
    assert found == expected
    overall = {row["level"]: row["median_days"] for row in figures["days_at_level"] if row["kind"] is None}
    assert overall == {level: median_days for level, (median_days, _) in expected.items()}


def _to_the_confederation(api, monkeypatch, start, gap: float, citizen_id: str) -> None:
    """A child's surgery submitted at `start`, then each step of its route `gap` days after the one before."""
    from workflow import clock

    steps = iter(range(10))

    def at_next_step():
        taken_at = start + next(steps) * gap * timedelta(days=1)
        monkeypatch.setattr(clock, "utcnow", lambda: taken_at)

    at_next_step()
    dossier = api.submitted(citizen_id=citizen_id)
    for staff in ("reviewer", "liaison"):  # each reviewing level approves, then sends it up
        at_next_step()
        dossier = api.fire_ok(staff, api.view(staff, dossier), "approve")
        at_next_step()
        api.forwarded(dossier, reviewer=staff)
    at_next_step()
    api.fire_ok("tld", api.view("tld", dossier), "accept", granted_amount_vnd=45_000_000)


def test_nobody_reports_on_what_is_not_theirs(api, browser, plan_work, app):
    from workflow.orgs.models import Organisation

    plan = plan_work["plan"]
    with app.app_context():
        bu_dang = db.session.scalar(sa.select(Organisation.id).where(Organisation.code == "cd-xa-bu-dang"))
        phu_rieng = db.session.scalar(sa.select(Organisation.id).where(Organisation.code == "cd-xa-phu-rieng"))
    assert api.get("reviewer", f"/api/v1/campaigns/{plan}/report?under={bu_dang}").status_code == 404
    assert api.get("reviewer", f"/api/v1/campaigns/{plan}/report?phase=999999").status_code == 404
    assert api.get("reviewer", "/api/v1/campaigns/999999/report").status_code == 404
    assert api.get("admin", f"/api/v1/campaigns/{plan}/report").status_code == 404  # an admin sees no dossier
    assert browser("reviewer").get(f"/campaigns/{plan}/report?under={bu_dang}").status_code == 404
    # the province, on demand, sees one commune's unions
    drill = report(api, "liaison", plan, under=phu_rieng)
    assert drill["organisation"]["name"] == "Công đoàn xã Phú Riềng"
    assert {row["organisation"]["name"] for row in drill["by_organisation"]} == {
        "Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng", "Công đoàn cơ sở Trường THCS Phú Trung"}
    assert drill["totals"]["counts"]["submitted"] == 2  # what reached the province, not what the commune saw
    response = api.get("reviewer", f"/api/v1/campaigns/{plan}/report?from=31/12/2025")
    assert response.status_code == 422 and "from" in response.json["errors"]


def test_the_plans_a_user_may_report_on(api, current_plan):
    numbers = lambda user: [c["plan_number"] for c in api.get(user, "/api/v1/campaigns").json["campaigns"]]  # noqa: E731
    assert "120/KH-LĐLĐ" in numbers("officer") and "45/KH-LĐLĐ" in numbers("officer")
    # the Confederation answers no provincial plan, but reports on those issued under it
    assert "120/KH-LĐLĐ" in numbers("tld") and "45/KH-LĐLĐ" in numbers("tld")
    assert api.get("admin", "/api/v1/campaigns").json == {"campaigns": []}
    plan = next(c for c in api.get("liaison", "/api/v1/campaigns").json["campaigns"] if c["id"] == current_plan)
    assert [(p["name"], p["ends_on"]) for p in plan["phases"]] == [("Đợt I", "2025-12-31"), ("Đợt II", "2026-03-31")]
