"""Attacks on the plan reports (issue 15): scope (plans, phases, `under`), input, figures against the lists they
link to, the restructured tree, names in every output, the official report (issued twice at once, read by whom),
as each demo role. Each test's comment says what must hold; those marked "found in the attack round" held not
when the round began, and say how it went wrong."""
from __future__ import annotations

import csv
import io
import re
import threading
from datetime import date

import sqlalchemy as sa
from openpyxl import load_workbook

from workflow.extensions import db
from workflow.orgs.models import Organisation

from ..conftest import end

ROLES = ("officer", "officer2", "officer3", "reviewer", "reviewer2", "liaison", "leader", "tld")


# --- helpers -------------------------------------------------------------------------------------------------

def org_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Organisation.id).where(Organisation.code == code))


def api_report(api, user, plan, query=""):
    return api.get(user, f"/api/v1/campaigns/{plan}/report?{query}")


def figures(api, user, plan, query="") -> dict:
    response = api_report(api, user, plan, query)
    assert response.status_code == 200, (user, query, response.status_code, response.get_json(silent=True))
    return response.json


def listed(api, user, query) -> set[int]:
    """The ids the dossier list (API) gives for this query string, every page."""
    found, page = set(), 1
    while True:
        response = api.get(user, f"/api/v1/dossiers?{query}&per_page=200&page={page}")
        assert response.status_code == 200, (user, query, response.json)
        found |= {d["id"] for d in response.json["dossiers"]}
        if page >= response.json["pages"]:
            return found
        page += 1


def page_links(html: str) -> list[tuple[str, int]]:
    """Every figure of a report page that links to the dossier list: (url, the number shown)."""
    found = re.findall(r'<a href="(/dossiers\?[^"]+)">([\d.]+)</a>', html)
    found += [(url, number) for url, number in re.findall(
        r'<a class="card[^"]*" href="(/dossiers\?[^"]+)">\s*<span[^>]*>([\d.]+)</span>', html)]
    return [(url.replace("&amp;", "&"), int(number.replace(".", ""))) for url, number in found]


def list_count(session, url: str) -> int:
    html = session.get(url).get_data(as_text=True)
    match = re.search(r"Tìm thấy ([\d.]+) hồ sơ\.", html)
    if match:
        return int(match.group(1).replace(".", ""))
    assert "Không tìm thấy hồ sơ" in html or "Chưa có hồ sơ" in html, url
    return 0


def check_every_link(session, url):
    """Every number of the report page at `url` equals the count of the list it links to."""
    response = session.get(url)
    assert response.status_code == 200, url
    links = page_links(response.get_data(as_text=True))
    for link, shown in links:
        assert list_count(session, link) == shown, (url, link, shown)
    return links


def phases_of(api, user, plan) -> dict[str, int]:
    return {p["name"]: p["id"] for p in figures(api, user, plan)["campaign"]["phases"]}


# --- scope: whose plans, phases and units ----------------------------------------------------------------------

def test_under_another_commune_a_province_huge_negative_or_junk_is_not_found(app, api, browser, plan_work):
    """A unit that is not under the viewer today, or no unit at all, is 404 on the page, its exports and the API,
    never a 500 and never another organisation's figures."""
    plan = plan_work["plan"]
    bu_dang, phu_rieng = org_id(app, "cd-xa-bu-dang"), org_id(app, "cd-xa-phu-rieng")
    province, tld = org_id(app, "ldld-dong-nai"), org_id(app, "tld")
    other_union = org_id(app, "cdcs-mn-tuoi-hong")  # Bù Đăng's union
    bad = [bu_dang, province, tld, other_union, phu_rieng, "0", "-1", "abc", "9" * 10, "9" * 40, "1e3", "0x10",
           "%20" + str(bu_dang), f"{bu_dang}.0"]
    reviewer = browser("reviewer")
    for value in bad:
        for url in (f"/campaigns/{plan}/report?under={value}", f"/campaigns/{plan}/report.csv?under={value}",
                    f"/campaigns/{plan}/report.xlsx?under={value}"):
            assert reviewer.get(url).status_code == 404, url
        assert api_report(api, "reviewer", plan, f"under={value}").status_code == 404, value
    # the province may drill into a commune, never into itself or its parent
    assert figures(api, "liaison", plan, f"under={phu_rieng}")["organisation"]["id"] == phu_rieng
    for value in (province, tld):
        assert api_report(api, "liaison", plan, f"under={value}").status_code == 404
    # a union's report has nothing under it: `under` is ignored, its own figures stay its own
    own = figures(api, "officer", plan)
    assert figures(api, "officer", plan, f"under={bu_dang}") == own


def test_under_with_a_digit_int_cannot_read_is_a_clean_404_not_a_500(app, api, browser, plan_work, monkeypatch):
    """Found in the attack round (fixed), as it was: reports/scope.py _unit_below tests `raw_id.isdigit()`, which is
    true for '²' (and other non-decimal digits) that int() refuses: `?under=²` raises ValueError, a 500.
    formatting.parse_whole says as much ("str.isdigit() is no test: it accepts '²', which int() refuses"). The rule:
    404 like any other id that names no unit under the viewer (use parse_whole). (Also: len(raw_id) <= 10 lets
    9999999999 through, past MAX_ID, which PostgreSQL refuses to bind to an integer column: a 500 there too.)"""
    plan = plan_work["plan"]
    reviewer = browser("reviewer")
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # a 500 as the server answers it
    for value in ("²", "①", "٣"):  # '٣' (Arabic-Indic three) int() reads: org 3, not under the commune
        status = reviewer.get(f"/campaigns/{plan}/report?under={value}").status_code
        assert status == 404, (value, status)
        status = api_report(api, "reviewer", plan, f"under={value}").status_code
        assert status == 404, (value, status)


def test_a_phase_of_another_plan_or_no_phase_is_not_found(app, api, browser, plan_work):
    from workflow.campaigns.models import Campaign

    plan = plan_work["plan"]
    with app.app_context():
        old = db.session.scalar(sa.select(Campaign).where(Campaign.plan_number == "45/KH-LĐLĐ"))
        old_phase, old_id = old.phases[0].id, old.id
    for value in (old_phase, "0", "-1", "x", "9" * 30, " 1"):
        assert api_report(api, "reviewer", plan, f"phase={value}").status_code == 404, value
        assert browser("reviewer").get(f"/campaigns/{plan}/report?phase={value}").status_code == 404
    mine = phases_of(api, "reviewer", plan)["Đợt I"]
    assert api_report(api, "reviewer", old_id, f"phase={mine}").status_code == 404


def test_another_provinces_plan_is_not_found_for_every_role_of_this_one(app, api, browser, plan_work):
    """A plan issued by another province: nobody of Đồng Nai reports on it (404), and it is not listed."""
    from workflow.campaigns.models import Campaign, CampaignPhase

    from .test_official import new_province

    staff = new_province(app)
    with app.app_context():
        other = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-binh-duong"))
        plan = Campaign(title="Kế hoạch của tỉnh khác", plan_number="9/KH-LĐLĐ", plan_date=date(2025, 9, 1),
                        issuer=other, kinds=[], phases=[CampaignPhase(name="Đợt I", ends_on=date(2026, 12, 31))])
        db.session.add(plan)
        db.session.commit()
        foreign = plan.id
    for user in (*(role for role in ROLES if role != "tld"), "admin"):
        assert api_report(api, user, foreign).status_code == 404, user
        assert foreign not in {c["id"] for c in api.get(user, "/api/v1/campaigns").json["campaigns"]}
        assert browser(user).get(f"/campaigns/{foreign}/report").status_code == 404, user
    # and the other province reports on its own plan but not on Đồng Nai's
    assert api_report(api, staff, foreign).status_code == 200
    assert api_report(api, staff, plan_work["plan"]).status_code == 404
    # the Confederation reports on both
    assert api_report(api, "tld", foreign).status_code == 200


def test_drilling_into_an_organisation_that_ended_is_not_found(app, api, plan_work):
    """Found in the attack round (fixed), as it was: _unit_below says "if it is under the user's today", but
    grouped_under also holds the organisations taken over (members_of adds every organisation whose successor is a
    member): the province may ask `?under=<LĐLĐ huyện Phú Riềng>` (ended 30/06/2025) and gets 200, a report "of" the
    ended district with no groups and 0 of everything, although its dossiers are counted (under xã Phú Riềng) in the
    province's own report. The rule: 404 (an ended organisation is no unit under anyone today), or its dossiers;
    never a report saying it had none."""
    plan = plan_work["plan"]
    district = org_id(app, "ldld-phu-rieng")
    response = api_report(api, "liaison", plan, f"under={district}")
    assert response.status_code == 404, (response.status_code, response.json["organisation"],
                                         response.json["totals"]["counts"]["submitted"])


def test_repeated_parameters_take_the_first_in_the_report_and_in_its_lists(app, api, browser, plan_work):
    """`?kind=a&kind=b`, `?phase=x&phase=y`, `?under=a&under=b`: the report and the list it links to read the same
    (first) value, so a figure still equals its list."""
    plan = plan_work["plan"]
    phases = phases_of(api, "liaison", plan)
    phu_rieng, bu_dang = org_id(app, "cd-xa-phu-rieng"), org_id(app, "cd-xa-bu-dang")
    query = (f"kind=child_heart&kind=union_housing&phase={phases['Đợt I']}&phase={phases['Đợt II']}"
             f"&under={phu_rieng}&under={bu_dang}")
    seen = figures(api, "liaison", plan, query)
    assert seen["kind"] == "child_heart" and seen["phase"] == phases["Đợt I"]
    assert seen["organisation"]["id"] == phu_rieng
    assert len(listed(api, "liaison", f"campaign={plan}&submitted=1&{query}")) \
        == seen["totals"]["counts"]["submitted"] == 2
    check_every_link(browser("liaison"), f"/campaigns/{plan}/report?{query}")
    # the province's other commune first: that one is drilled into
    assert figures(api, "liaison", plan, f"under={bu_dang}&under={phu_rieng}")["organisation"]["id"] == bu_dang
    # the reviewer: a foreign unit first is 404 even when a second one would be its own
    assert api_report(api, "reviewer", plan, f"under={bu_dang}&under={org_id(app, 'cdcs-cao-su-phu-rieng')}") \
        .status_code == 404


def test_a_report_under_a_grassroots_union_counts_its_dossiers_like_the_list_under_it(app, api, plan_work):
    """Found in the attack round (fixed), as it was: `?under=<a grassroots union below the viewer>` is accepted
    (200) but counts nothing: figures.report groups by grouped_under(under), which holds the units *below* that
    organisation and never the organisation itself, and joins it (inner join) when `under` is set; a union has
    nothing below it, so every figure is 0. The list it stands for, `/dossiers?under=<union>` (units_under, which
    holds the organisation itself), gives the union's dossiers. The commune's reviewer asking for its union Cao su
    Phú Riềng sees 0 submitted where that union sent 7. The rule: the union's own figures (one group, itself, as in
    its own report), equal to the list's count; or a 404 if drilling into a leaf is not meant to be asked (the page
    links only units with children)."""
    plan = plan_work["plan"]
    union = org_id(app, "cdcs-cao-su-phu-rieng")
    behind = len(listed(api, "reviewer", f"campaign={plan}&submitted=1&under={union}"))
    assert behind == 7
    response = api_report(api, "reviewer", plan, f"under={union}")
    assert response.status_code == 404 or response.json["totals"]["counts"]["submitted"] == behind, \
        response.json["totals"]


# --- input ---------------------------------------------------------------------------------------------------

BAD_DATES = ["00/01/2026", "31/02/2026", "29/02/2025", "01/01/0000", "01/13/2026", "1234567890", "01/01/2026123",
             "2026-02-30", "tomorrow", "01/01/10000", "%C2%B2%C2%B2/01/2026", "-1/01/2026"]


def test_a_date_no_calendar_has_is_an_error_in_vietnamese_and_the_rest_applies(api, browser, plan_work):
    plan = plan_work["plan"]
    session = browser("reviewer")
    for value in BAD_DATES:
        response = session.get(f"/campaigns/{plan}/report?from={value}&kind=child_heart")
        assert response.status_code == 200, value
        html = response.get_data(as_text=True)
        assert "Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy." in html, value
        assert '<option value="child_heart" selected>' in html, value  # the kind chosen still applies
        api_response = api_report(api, "reviewer", plan, f"to={value}")
        assert api_response.status_code == 422 and "to" in api_response.json["errors"], value
        # the list a figure links to says the same, in the same words
        listing = session.get(f"/dossiers?campaign={plan}&from={value}").get_data(as_text=True)
        assert "Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy." in listing, value


def test_an_unknown_kind_is_an_error_and_loses_nothing_else(api, browser, plan_work):
    plan = plan_work["plan"]
    session = browser("reviewer")
    html = session.get(f"/campaigns/{plan}/report?kind=nope&from=01/12/2025").get_data(as_text=True)
    assert "Không có loại hồ sơ này." in html and 'value="01/12/2025"' in html
    response = api_report(api, "reviewer", plan, "kind=%3Cscript%3E")
    assert response.status_code == 422 and "kind" in response.json["errors"]
    assert "<script>" not in session.get(f"/campaigns/{plan}/report?kind=%3Cscript%3E&from=%3Cb%3E").get_data(
        as_text=True)


def test_absurd_but_real_dates_work_everywhere(api, browser, plan_work):
    """Year 1 and year 9999 are real dates: the page, the exports and the API answer, with nothing counted."""
    plan = plan_work["plan"]
    session = browser("liaison")
    for query in ("from=01/01/0001&to=02/01/0001", "from=31/12/9999", "from=01/04/2026&to=01/12/2025"):
        assert session.get(f"/campaigns/{plan}/report?{query}").status_code == 200, query
        for fmt in ("csv", "xlsx"):
            assert session.get(f"/campaigns/{plan}/report.{fmt}?{query}").status_code == 200, (fmt, query)
    assert figures(api, "liaison", plan, "from=9999-12-31")["totals"]["counts"]["submitted"] == 0


def test_an_export_with_an_unreadable_date_does_not_silently_cover_another_period(browser, plan_work):
    """Found in the attack round (fixed), as it was: reports/routes.export_report drops scope_for's errors (`scope,
    _ = …`): asking for the XLSX/CSV "from 31/02/2026" gives 200 and a file of the whole plan, the period silently
    dropped (the API answers the same request 422, the page shows the error). The rule: the export refuses bad input
    with a clear error (e.g. 400/422 with the message, or back to the page showing it), rather than a file of other
    figures."""
    plan = plan_work["plan"]
    session = browser("reviewer")
    response = session.get(f"/campaigns/{plan}/report.csv?from=31/02/2026")
    assert response.status_code != 200 or not response.mimetype.startswith("text/csv"), \
        "a CSV of the whole plan for a period that does not exist"


def test_the_links_of_a_period_starting_before_year_1000_are_lists_the_list_can_read(browser, plan_work):
    """Found in the attack round (fixed), as it was: figures.Scope.list_args writes the period as f"{day:%d/%m/%Y}";
    strftime's %Y does not pad a year below 1000 on Linux ("01/01/999"), which the list's parse_screen_date
    (dd/mm/yyyy, four digits) refuses: the report accepts `from=01/01/0999`, and every number it links to opens a
    list that says "Ngày không hợp lệ" and drops the date. The rule: the links carry the date as the list reads it
    (zero-padded year, or ISO)."""
    plan = plan_work["plan"]
    session = browser("reviewer")
    links = page_links(session.get(f"/campaigns/{plan}/report?from=01/01/0999&to=31/12/2025").get_data(as_text=True))
    assert links
    url, _ = links[0]
    assert "Ngày không hợp lệ" not in session.get(url).get_data(as_text=True), url


# --- what the figures let an organisation see ----------------------------------------------------------------------

def test_an_unsent_edit_does_not_move_an_upper_organisations_amounts(app, api, plan_work):
    """The union edits a returned dossier's amount without sending it again: the commune's figures do not move (the
    amount counted is the one last submitted, Dossier.requested_amount)."""
    plan = plan_work["plan"]
    before = figures(api, "reviewer", plan)["totals"]["requested_vnd"]
    returned = api.view("officer", plan_work["returned"])
    response = api.patch("officer", f"/api/v1/dossiers/{returned['id']}",
                         {"version": returned["version"], "data": {"requested_amount_vnd": 10_000_000}})
    assert response.status_code == 200, response.json
    assert api.view("reviewer", returned)["data"]["requested_amount_vnd"] == 50_000_000
    assert figures(api, "reviewer", plan)["totals"]["requested_vnd"] == before


def test_a_province_counts_the_amount_it_was_sent_not_a_later_round(app, api, current_plan):
    """Found in the attack round (fixed), as it was: figures._dossiers sums Dossier.requested_amount_vnd for every
    viewer: the amount of the dossier's *last submission*, whoever it was sent to. An upper organisation sees a
    dossier as it was last sent to it (visibility.data_seen: the snapshot of that submit or forward). Here a house
    goes up to the province asking 30.000.000; the province refers it back, the commune returns it, and the union
    submits it again asking 12.000.000, to the commune only. The province's dossier page still shows 30.000.000
    (that round was never sent to it), but its report's "Số tiền đề nghị" already reads 12.000.000: the report
    discloses a round the province has not been sent, and no longer adds up to the amounts its own pages show. The
    rule: an upper organisation's sums read the amount it was sent (e.g. a requested amount on dossier_access,
    copied from the sent snapshot in lists/entries.refresh_entries like its search columns)."""
    plan = current_plan
    up = api.approved(kind="union_housing", citizen_id="070085000311")
    api.forwarded(up)
    at_province = api.view("liaison", up)
    assert "refer_back" in at_province["allowed_events"], at_province["allowed_events"]
    api.fire_ok("liaison", at_province, "refer_back", comment="Xác minh lại.")
    api.fire_ok("reviewer", api.view("reviewer", up), "return", comment="Bổ sung.")
    again = api.view("officer", up)
    response = api.patch("officer", f"/api/v1/dossiers/{up['id']}",
                         {"version": again["version"], "data": {"requested_amount_vnd": 12_000_000}})
    assert response.status_code == 200, response.json
    api.fire_ok("officer", response.json, "submit")
    assert api.view("liaison", up)["data"]["requested_amount_vnd"] == 30_000_000  # what the province was sent
    seen = figures(api, "liaison", plan)["totals"]
    assert seen["counts"]["submitted"] == 1
    assert seen["requested_vnd"] == 30_000_000, f"the province's report reads {seen['requested_vnd']}"


def test_drafts_and_other_communes_dossiers_never_count(app, api, browser, plan_work):
    """The officer's figures leave out its draft; the list it links to (submitted=1) holds the same. Nobody counts
    what never reached it: the commune does not count Bù Đăng's house, the province not what the communes still
    hold or returned, the Confederation not the house decided by the province."""
    plan = plan_work["plan"]
    officer = figures(api, "officer", plan)
    everything = listed(api, "officer", f"campaign={plan}")
    submitted = listed(api, "officer", f"campaign={plan}&submitted=1")
    assert len(everything) == len(submitted) + 1  # the draft
    assert officer["totals"]["counts"]["submitted"] == len(submitted) == 7
    reviewer = figures(api, "reviewer", plan)
    assert plan_work["bu_dang"]["id"] not in listed(api, "reviewer", f"campaign={plan}&submitted=1")
    assert reviewer["totals"]["counts"]["submitted"] == 8
    province = figures(api, "liaison", plan)
    reached = listed(api, "liaison", f"campaign={plan}&submitted=1")
    assert reached == {plan_work["accepted"]["id"], plan_work["rejected"]["id"]}
    assert province["totals"]["counts"]["submitted"] == 2
    # a dossier returned by the commune before it ever went up: not the province's, not even in its days per level
    assert province["totals"]["counts"]["returned"] == 0
    assert figures(api, "reviewer2", plan)["totals"]["counts"]["submitted"] == 1
    for user in ROLES:
        assert figures(api, user, plan)["totals"]["counts"]["submitted"] == len(
            listed(api, user, f"campaign={plan}&submitted=1")), user


def test_every_number_equals_its_list_with_phase_kind_period_and_unit_combined(app, api, browser, plan_work):
    """Each linked number on the page, with the filters combined, is the count of the list it opens."""
    plan = plan_work["plan"]
    phases = phases_of(api, "liaison", plan)
    phu_rieng = org_id(app, "cd-xa-phu-rieng")
    queries = ["", f"phase={phases['Đợt I']}", f"phase={phases['Đợt II']}", "kind=child_heart",
               "from=01/12/2025&to=31/12/2025", "from=2026-04-02", f"phase={phases['Đợt I']}&kind=union_housing",
               f"phase={phases['Đợt II']}&from=02/04/2026&to=02/04/2026&kind=child_heart"]
    checked = 0
    for user in ("officer", "officer2", "reviewer", "reviewer2", "liaison", "tld"):
        session = browser(user)
        for query in queries:
            checked += len(check_every_link(session, f"/campaigns/{plan}/report?{query}"))
    session = browser("liaison")
    for query in queries:
        checked += len(check_every_link(session, f"/campaigns/{plan}/report?under={phu_rieng}&{query}"))
    assert checked > 100


# --- the tree changing -------------------------------------------------------------------------------------------

def _reached_the_province(api, user="officer2", citizen_id="070085000301"):
    """A child's dossier of `user`'s union taken to the Confederation and granted."""
    dossier, staff = api.at_decider(user, citizen_id=citizen_id)
    return api.fire_ok(staff, dossier, "accept", granted_amount_vnd=40_000_000)


def test_a_dissolved_union_counts_once_under_other_units(app, api, browser, today, current_plan):
    """A union dissolved with no successor (like Long Hà in ENDINGS): its dossiers are counted once, under
    "other units", in the commune's and the province's reports, and once under the province for the
    Confederation; every total still equals its list."""
    plan = current_plan
    granted = _reached_the_province(api)
    waiting = api.submitted("officer2", kind="accident_aid", citizen_id="070085000302")
    today(date(2026, 1, 6))
    result = end(app, "--code", "cdcs-thcs-phu-trung", "--on", "2026-01-05")
    assert result.exit_code == 0, result.output
    assert api.view("reviewer", waiting)["state"] == "closed"
    for user, count in (("reviewer", 2), ("liaison", 1), ("tld", 1)):
        seen = figures(api, user, plan)
        assert seen["totals"]["counts"]["submitted"] == count == len(
            listed(api, user, f"campaign={plan}&submitted=1")), user
        units = {row["organisation"]["id"]: row["counts"]["submitted"] for row in seen["by_organisation"]}
        assert sum(units.values()) == count, (user, units)
        if user != "tld":
            assert units[None] == count, (user, units)  # "Đơn vị khác (đã giải thể hoặc chuyển đi)"
        check_every_link(browser(user), f"/campaigns/{plan}/report")
    assert figures(api, "reviewer", plan)["totals"]["counts"]["closed"] == 1
    assert granted["state"] == "accepted"


def test_a_union_taken_over_counts_once_under_its_successors_unit(app, api, browser, today, current_plan):
    """A union ended with a successor in another commune: from the next day its dossiers count once, under the
    successor's commune, for the province."""
    plan = current_plan
    _reached_the_province(api)
    today(date(2026, 1, 6))
    result = end(app, "--code", "cdcs-thcs-phu-trung", "--on", "2026-01-05", "--successor", "cdcs-mn-tuoi-hong")
    assert result.exit_code == 0, result.output
    seen = figures(api, "liaison", plan)
    units = {row["organisation"]["name"]: row["counts"]["submitted"] for row in seen["by_organisation"]}
    assert seen["totals"]["counts"]["submitted"] == 1 == len(listed(api, "liaison", f"campaign={plan}&submitted=1"))
    assert units["Công đoàn xã Bù Đăng"] == 1 and units["Công đoàn xã Phú Riềng"] == 0
    check_every_link(browser("liaison"), f"/campaigns/{plan}/report")


def test_on_the_day_a_union_is_taken_over_its_dossiers_count_once(app, api, browser, today, current_plan):
    """Found in the attack round (fixed), as it was: An organisation ended on day D keeps its placement through D
    (end_organisation sets the placement's valid_to = D, and in_force_on(D) holds), and already names its successor.
    On D itself (`flask end-organisation --on <today>`, which plan_ending allows), orgs/tree.members_of places the
    ended union twice: under its old commune through the placement, and under its successor's commune through
    successor_id (the CTE's UNION keeps both (org, group) pairs). The province's report then counts its dossier
    twice (once per commune) and its total exceeds the list it links to; an official report issued that day would
    print and keep the double count. The rule: each dossier in exactly one group (e.g. an ended organisation follows
    its successor only, or its placement only, on its last day); the total equals the list's count."""
    plan = current_plan
    _reached_the_province(api)
    result = end(app, "--code", "cdcs-thcs-phu-trung", "--on", "2026-01-05", "--successor", "cdcs-mn-tuoi-hong")
    assert result.exit_code == 0, result.output  # today is 05/01/2026: its last day is today
    behind = listed(api, "liaison", f"campaign={plan}&submitted=1")
    assert len(behind) == 1
    seen = figures(api, "liaison", plan)
    units = {row["organisation"]["name"]: row["counts"]["submitted"] for row in seen["by_organisation"]}
    assert seen["totals"]["counts"]["submitted"] == len(behind), (seen["totals"]["counts"]["submitted"], units)


# --- the official report -------------------------------------------------------------------------------------

def _issue_at_once(app, browser, user, plan, times=2):
    """`times` sessions of `user` post the issue form at the same moment: their statuses and flashed messages."""
    sessions = [browser(user) for _ in range(times)]
    barrier = threading.Barrier(times)
    results = [None] * times

    def post(index):
        session = sessions[index]
        barrier.wait()
        try:
            response = session.post(f"/campaigns/{plan}/report/issue")
            page = session.get(response.headers["Location"]).get_data(as_text=True) \
                if response.status_code == 303 else ""
            flashed = re.findall(r'class="alert[^"]*"[^>]*>\s*(.*?)\s*<', page, re.S)
            results[index] = (response.status_code, flashed)
        except Exception as exc:  # noqa: BLE001  (the test client raises what a server answers 500 for)
            results[index] = (500, [repr(exc)])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _reports_and_documents(app):
    from workflow import storage
    from workflow.pdf.models import Document
    from workflow.reports.models import CampaignReport

    with app.app_context():
        reports = db.session.scalars(sa.select(CampaignReport).order_by(CampaignReport.id)).all()
        documents = db.session.scalars(sa.select(Document).where(Document.doc_type == "BC")).all()
        return ([(r.organisation_id, r.document_id, r.document.number) for r in reports],
                [(d.id, d.number, d.state, d.sha256, storage.exists(d.sha256)) for d in documents])


def test_issuing_twice_at_once_gives_unique_numbers_one_document_each(app, browser, plan_work):
    """Two clicks at once: each request issues or gets a clean conflict; every report has its own document and
    number, every BC document belongs to a report, every file is stored."""
    results = _issue_at_once(app, browser, "reviewer", plan_work["plan"])
    assert all(status == 303 for status, _ in results), results
    reports, documents = _reports_and_documents(app)
    assert 1 <= len(reports) <= 2
    assert len({number for _, _, number in reports}) == len(reports)
    assert len({document for _, document, _ in reports}) == len(reports)
    assert sorted(d[0] for d in documents) == sorted(document for _, document, _ in reports)  # no stray document
    assert all(d[4] for d in documents)
    assert sorted(number for _, _, number in reports) == [f"{i:02d}/BC-CĐX" for i in range(1, len(reports) + 1)]


def test_presenting_twice_at_once_for_signature_waits_once(app, browser, plan_work, signing_step):
    """Where the leader signs, two issue requests at once leave one request waiting for the signature (the second
    is told one is waiting), nothing issued, nothing numbered."""
    from workflow.signing.models import OPEN, SigningRequest

    results = _issue_at_once(app, browser, "liaison", plan_work["plan"])
    assert all(status == 303 for status, _ in results), results
    with app.app_context():
        waiting = db.session.scalars(sa.select(SigningRequest).where(SigningRequest.operation == "report",
                                                                     SigningRequest.state.in_(OPEN))).all()
        assert len(waiting) == 1, [(r.id, r.params) for r in waiting]
    reports, documents = _reports_and_documents(app)
    assert reports == [] and all(state == "draft" and number in (None, "") for _, number, state, _, _ in documents)


def test_issuing_is_refused_without_csrf_by_get_and_by_who_may_not(app, api, browser, plan_work):
    plan = plan_work["plan"]
    from workflow.campaigns.models import Campaign

    with app.app_context():
        old = db.session.scalar(sa.select(Campaign).where(Campaign.plan_number == "45/KH-LĐLĐ"))
        foreign_phase = old.phases[0].id
    reviewer = browser("reviewer")
    assert reviewer.client.get(f"/campaigns/{plan}/report/issue").status_code == 405
    assert reviewer.client.post(f"/campaigns/{plan}/report/issue", data={"phase": ""}).status_code == 400
    assert reviewer.post(f"/campaigns/{plan}/report/issue", data={"phase": str(foreign_phase)}).status_code == 404
    assert reviewer.post(f"/campaigns/{plan}/report/issue", data={"phase": "x"}).status_code == 404
    assert browser("admin").post(f"/campaigns/{plan}/report/issue").status_code == 404
    assert app.test_client().post(f"/campaigns/{plan}/report/issue").status_code in (302, 400, 401)
    # a bearer token is no way to post the form
    response = app.test_client().post(f"/campaigns/{plan}/report/issue", headers=api.headers("reviewer"))
    assert response.status_code in (302, 400, 401)
    assert _reports_and_documents(app) == ([], [])


def test_a_bc_document_is_read_by_its_issuer_and_recipient_only(app, api, browser, plan_work):
    """By id, on /documents/<id> and /api/v1/documents/<id>: the issuer and its parent read it; a sibling, the union
    below, the level above the parent, the admin and nobody signed in do not (404 / sign-in)."""
    from workflow.reports.models import CampaignReport

    plan = plan_work["plan"]
    assert browser("reviewer").post(f"/campaigns/{plan}/report/issue").status_code == 303
    assert browser("officer").post(f"/campaigns/{plan}/report/issue").status_code == 303
    with app.app_context():
        rows = {r.organisation.code: r.document_id for r in db.session.scalars(sa.select(CampaignReport))}
    readers = {"cd-xa-phu-rieng": {"reviewer", "liaison", "leader"},
               "cdcs-cao-su-phu-rieng": {"officer", "reviewer"}}
    for code, document in rows.items():
        for user in (*ROLES, "admin", "officer4", "officer5"):
            allowed = user in readers[code]
            assert browser(user).get(f"/documents/{document}").status_code == (200 if allowed else 404), (code, user)
            assert api.get(user, f"/api/v1/documents/{document}").status_code == (200 if allowed else 404), \
                (code, user)
        assert app.test_client().get(f"/api/v1/documents/{document}").status_code == 401
        assert app.test_client().get(f"/documents/{document}").status_code == 302
    # the page of the officer's sibling union does not list them
    page = browser("officer2").get(f"/campaigns/{plan}/report").get_data(as_text=True)
    assert all(f"/documents/{document}" not in page for document in rows.values())


def test_a_plan_with_no_phases_reports_exports_and_issues(app, api, browser, today):
    from workflow.campaigns.models import Campaign

    with app.app_context():
        province = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-dong-nai"))
        plan = Campaign(title="Kế hoạch không chia đợt", plan_number="7/KH-LĐLĐ", plan_date=date(2025, 10, 1),
                        issuer=province, kinds=[], phases=[])
        db.session.add(plan)
        db.session.commit()
        plan = plan.id
    from ..conftest import VALID

    created = api.post("officer", "/api/v1/dossiers", {"kind": "child_heart", "data": VALID["child_heart"](),
                                                        "campaign_id": plan})
    assert created.status_code == 201, created.json
    api.fire_ok("officer", created.json, "submit")
    for user in ("officer", "reviewer", "liaison", "tld"):
        seen = figures(api, user, plan)
        assert seen["totals"]["counts"]["submitted"] == (1 if user in ("officer", "reviewer") else 0), user
        session = browser(user)
        assert session.get(f"/campaigns/{plan}/report").status_code == 200
        for fmt in ("csv", "xlsx"):
            assert session.get(f"/campaigns/{plan}/report.{fmt}").status_code == 200
        check_every_link(session, f"/campaigns/{plan}/report")
    assert api_report(api, "reviewer", plan, "phase=1").status_code == 404
    assert browser("reviewer").post(f"/campaigns/{plan}/report/issue").status_code == 303
    reports, _ = _reports_and_documents(app)
    assert len(reports) == 1


# --- names from the database, in every output ---------------------------------------------------------------

HOSTILE = {"cdcs-cao-su-phu-rieng": '=HYPERLINK("http://evil.example/","CĐCS")<b>bold</b>',
           "cdcs-thcs-phu-trung": "+SUM(1,2) <script>alert(1)</script> & Co",
           "cd-xa-phu-rieng": '@cmd "xã" <img src=x onerror=alert(1)>'}


def test_hostile_names_stay_text_on_the_page_in_the_exports_the_charts_and_the_pdf(app, api, browser, plan_work):
    from workflow.reports.models import CampaignReport

    plan = plan_work["plan"]
    with app.app_context():
        for code, name in HOSTILE.items():
            db.session.scalar(sa.select(Organisation).where(Organisation.code == code)).name = name
        db.session.commit()
    phu_rieng = org_id(app, "cd-xa-phu-rieng")
    for user, url in (("reviewer", f"/campaigns/{plan}/report"), ("liaison", f"/campaigns/{plan}/report"),
                      ("liaison", f"/campaigns/{plan}/report?under={phu_rieng}")):
        session = browser(user)
        html = session.get(url).get_data(as_text=True)
        for raw in ("<b>bold</b>", "<script>alert(1)", "<img src=x"):
            assert raw not in html, (user, url, raw)
        assert "&lt;script&gt;" in html or "&lt;img" in html
        exported = session.get(url.replace("/report", "/report.csv")).data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(exported)))
        names = [row[0] for row in rows[1:]]
        assert all(not name.startswith(("=", "+", "-", "@")) for name in names), names
        book = load_workbook(io.BytesIO(session.get(url.replace("/report", "/report.xlsx")).data))
        assert all(cell.data_type != "f" for sheet in book for row in sheet.iter_rows() for cell in row)
    # the official report and the province's list of reports received
    assert browser("reviewer").post(f"/campaigns/{plan}/report/issue").status_code == 303
    html = browser("liaison").get(f"/campaigns/{plan}/report").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    with app.app_context():
        document = db.session.scalar(sa.select(CampaignReport.document_id))
    from .test_official import flowing_text

    text = flowing_text(browser("reviewer").get(f"/documents/{document}").data)
    assert "+SUM(1,2) <script>alert(1)</script> & Co" in text  # printed as written, not run as markup



# --- performance -------------------------------------------------------------------------------------------------

def _steps(run) -> int:
    """SQLite virtual-machine steps (in thousands) the statements of `run` take: what they read, whatever the clock."""
    connection = db.session.connection().connection.driver_connection
    counted = [0]

    def tick():
        counted[0] += 1
        return 0

    connection.set_progress_handler(tick, 1000)
    try:
        run()
    finally:
        connection.set_progress_handler(None, 1000)
    return counted[0]


def _rows_read(statement) -> int:
    """PostgreSQL: the rows the scans of the statement's plan read, kept or filtered out, as EXPLAIN ANALYZE counts
    them: what it reads, whatever the clock. (Its planner probes each entry's dossier for the old `IN` filter too:
    16 rows read for the reviewer's 8 entries; a plan reading the phase's 20.000 dossiers would fail here.)"""
    sql = statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    [plan] = db.session.execute(sa.text(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")).scalar()

    def read(node) -> float:
        own = 0.0
        if "Scan" in node["Node Type"]:
            own = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
                   + node.get("Rows Removed by Index Recheck", 0)) * node["Actual Loops"]
        return own + sum(read(child) for child in node.get("Plans", ()))

    return int(read(plan["Plan"]))


def test_a_figures_phase_link_reads_the_viewers_entries_not_every_dossier_of_the_phase(app, api, plan_work):
    """Found in the attack round (fixed), as it was: The list filter `phase` added for the report's links
    (lists/query.filtered_ids) is `entries.dossier_id IN (SELECT id FROM dossier WHERE phase_id = ?)`: SQLite builds
    that list first ("LIST SUBQUERY … USING INDEX ix_dossier_phase_id"), every dossier of the phase in the whole
    installation, before it keeps the viewer's few entries; a national plan's phase holds every union's dossiers.
    Here 20.000 dossiers of xã Bù Đăng's union answer Đợt I: the commune of Phú Riềng, which sees 8, opens a
    figure's list with `phase` and the count reads all 20.000 (about as much as counting with no index), where the
    same list without `phase`, and the report itself with `phase` (figures.py filters the joined row), read only its
    own entries. The rule: the phase filter read per entry (EXISTS correlated on the dossier's id, or the phase kept
    on dossier_access with the other list columns and in its indexes)."""
    from werkzeug.datastructures import MultiDict

    from workflow.auth.models import User
    from workflow.lists.query import ListFilters, count_up_to, filtered_ids
    from workflow.reports import figures
    from workflow.reports.figures import report
    from workflow.reports.scope import scope_for

    plan = plan_work["plan"]
    phase = phases_of(api, "reviewer", plan)["Đợt I"]
    with app.app_context():
        union, creator = org_id(app, "cdcs-mn-tuoi-hong"), db.session.scalar(
            sa.select(User.id).where(User.username == "officer3"))
        db.session.execute(sa.text(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
            "INSERT INTO dossier (kind, organisation_id, state, version, data, created_by_id, created_at, updated_at, "
            "submitted_on, round, campaign_id, phase_id, submitted_late, subject, search_text) "
            "SELECT 'union_housing', :union, 'submitted', 1, '{}', :creator, '2025-12-01', '2025-12-01', '2025-12-01', "
            "1, :plan, :phase, FALSE, 'x', 'x' FROM n"),
            {"union": union, "creator": creator, "plan": plan, "phase": phase})
        db.session.commit()
    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
        args = {"campaign": str(plan), "submitted": "1"}

        def listed(**more):
            return filtered_ids(user, ListFilters.from_args(MultiDict({**args, **more})))

        def reported(**more):  # the report's own statement of the dossiers it counts
            scope = scope_for(user, plan, more)[0]
            organisation = db.session.get(Organisation, scope.viewer.org_id)
            return figures._dossiers(scope, figures._groups(scope, organisation)[1])

        def counted(query):
            return sa.select(sa.func.count()).select_from(query.subquery())

        if db.engine.dialect.name == "sqlite":  # the virtual machine's steps, of every statement the report runs
            every = _steps(lambda: count_up_to(listed(), None))
            of_phase = _steps(lambda: count_up_to(listed(phase=str(phase)), None))
            report_every = _steps(lambda: report(scope_for(user, plan, {})[0]))
            report_phase = _steps(lambda: report(scope_for(user, plan, {"phase": str(phase)})[0]))
        else:  # the rows its plans read
            every, of_phase = _rows_read(counted(listed())), _rows_read(counted(listed(phase=str(phase))))
            report_every = _rows_read(sa.select(sa.func.count()).select_from(reported()))
            report_phase = _rows_read(sa.select(sa.func.count()).select_from(reported(phase=str(phase))))
    assert report_phase <= 3 * report_every + 5, (report_every, report_phase)  # the report itself: per entry
    assert of_phase <= 3 * every + 5, f"the list with phase took {of_phase}k steps, without it {every}k"


# --- the 2017 plan, as each role sees it today -------------------------------------------------------------------

def test_the_2017_plan_as_each_role_sees_it_today(app, empty_database, today):
    """The demo's history (`flask seed-demo --with-dossiers`): plan 45/KH-LĐLĐ of Bình Phước (ended, merged into
    Đồng Nai), a Lao động sáng tạo of Cao su Phú Riềng and a child of Mầm non Tuổi Hồng, both decided by the
    Confederation in 2018 through district federations that ended in 2025. Today each role counts what reached it
    (its predecessors' too), each once, grouped under today's units, every number equal to its list; the union of
    the dissolved school and the admin get 404."""
    from workflow.campaigns.models import Campaign

    from ..conftest import Api, Browser

    today(date(2026, 1, 5))
    result = app.test_cli_runner().invoke(args=["seed-demo", "--with-dossiers"])
    assert result.exit_code == 0, result.output
    api = Api(app.test_client())
    with app.app_context():
        plan = db.session.scalar(sa.select(Campaign.id).where(Campaign.plan_number == "45/KH-LĐLĐ"))
    expected = {"officer": 1, "officer2": 0, "officer3": 1, "officer4": 0, "reviewer": 1, "reviewer2": 1,
                "liaison": 2, "leader": 2, "tld": 2}
    for user, count in expected.items():
        seen = figures(api, user, plan)
        assert seen["totals"]["counts"]["submitted"] == count == len(
            listed(api, user, f"campaign={plan}&submitted=1")), user
        assert seen["totals"]["counts"]["granted"] == count, user
        assert sum(row["counts"]["submitted"] for row in seen["by_organisation"]) == count, user
        assert all(row["organisation"]["id"] is not None for row in seen["by_organisation"]), user
        session = Browser(app, user)
        check_every_link(session, f"/campaigns/{plan}/report")
        for fmt in ("csv", "xlsx"):
            assert session.get(f"/campaigns/{plan}/report.{fmt}").status_code == 200
    province = {row["organisation"]["name"]: row["counts"]["submitted"]
                for row in figures(api, "liaison", plan)["by_organisation"]}
    assert province == {"Công đoàn xã Phú Riềng": 1, "Công đoàn xã Bù Đăng": 1,
                        "Công đoàn cơ sở Công ty Cổ phần Chế biến Nông sản Đồng Xoài": 0}
    assert [row["organisation"]["name"] for row in figures(api, "tld", plan)["by_organisation"]] == [
        "Liên đoàn Lao động tỉnh Đồng Nai"]
    for user in ("officer5", "admin"):
        assert api_report(api, user, plan).status_code == 404, user
    # the commune issues its report on the old plan today: it goes to today's parent
    assert Browser(app, "reviewer").post(f"/campaigns/{plan}/report/issue").status_code == 303
    reports, _ = _reports_and_documents(app)
    assert len(reports) == 1 and reports[0][2].endswith("/BC-CĐX")


def test_no_role_gets_a_500_whatever_the_query(app, api, browser, plan_work):
    """Every role, every kind of junk in every parameter, on the page, its exports and the API: 200, 404 or 422
    (an export: or back to the page showing the error)."""
    plan = plan_work["plan"]
    junk = ["", "0", "-1", "abc", "9" * 12, "%00", "%EF%BF%BF", "%F0%9F%92%A5", "1%2C2", "null", "[]", "%27%22%3E"]
    allowed = {200, 400, 404, 422}  # 400: the input layer refuses a NUL in any parameter
    for user in ("officer", "reviewer", "liaison", "tld"):
        session = browser(user)
        for key in ("phase", "kind", "from", "to", "under"):
            for value in junk:
                query = f"{key}={value}"
                assert session.get(f"/campaigns/{plan}/report?{query}").status_code in allowed, (user, query)
                # an export asked with an unreadable filter goes back to the page, which says what is wrong
                exported = session.get(f"/campaigns/{plan}/report.csv?{query}")
                assert exported.status_code in allowed | {303}, (user, query)
                if exported.status_code == 303:
                    page = session.get(exported.headers["Location"])
                    assert page.status_code == 200 and "invalid-feedback" in page.get_data(as_text=True), query
                assert api_report(api, user, plan, query).status_code in allowed, (user, query)
    assert api.get("reviewer", "/api/v1/campaigns/99999999999999999999/report").status_code == 404
    assert browser("reviewer").get("/campaigns/-1/report").status_code == 404
