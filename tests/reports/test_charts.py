"""A plan's charts (issue 15) as a reader meets them: each one an SVG image with its title and text alternative,
drawing the report's own figures (bars as long as their values), with the table of those figures beside it; names
from the database escaped; none when there is nothing to draw; the same charts printed by WeasyPrint as text and
lines, in the official document's font."""
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import render_template

from workflow import clock
from workflow.auth.models import User
from workflow.campaigns.models import Campaign
from workflow.dossiers.kinds import KINDS
from workflow.dossiers.visibility import viewer_of
from workflow.extensions import db
from workflow.formatting import format_date, format_days, format_money
from workflow.orgs.models import LEVELS, Organisation
from workflow.pdf.render import html_to_pdf
from workflow.reports.charts import charts
from workflow.reports.figures import OUTCOMES, Scope, report

from ..conftest import _empty

SVG = "{http://www.w3.org/2000/svg}"
DEMO_PLAN = "112/KH-LĐLĐ"  # the demo's current plan (workflow/demo_data.py)


def report_of(username: str, plan_number: str):
    user = db.session.scalar(sa.select(User).where(User.username == username))
    plan = db.session.scalar(sa.select(Campaign).where(Campaign.plan_number == plan_number))
    return report(Scope(viewer_of(user), plan))


def pdf_text(data: bytes) -> str:
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())


@pytest.fixture(scope="module")
def demo(app):
    """The reviewer's (Công đoàn xã Phú Riềng) report on the demo's current plan, as `flask seed-demo
    --with-dossiers` leaves it on 23/11/2026, with its charts, the page's part showing them and a PDF printing
    them. Seeded once for the module (it takes seconds); what the tests read is kept here, not in the database."""
    with app.app_context():
        _empty(app)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "today", lambda: date(2026, 11, 23))
        result = app.test_cli_runner().invoke(args=["seed-demo", "--with-dossiers"])
        assert result.exit_code == 0, result.output
        with app.test_request_context():
            figures = report_of("reviewer", DEMO_PLAN)
            drawn = charts(figures)
            page = render_template("reports/_charts.html", report=figures, charts=drawn)
            pdf = html_to_pdf(f'<html lang="vi"><body>{"".join(str(chart.svg) for chart in drawn)}</body></html>')
            db.session.remove()
    return SimpleNamespace(report=figures, charts={chart.key: chart for chart in drawn}, order=[c.key for c in drawn],
                           page=page, pdf=pdf.data)


def svg_of(chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def texts_of(chart) -> list[str]:
    return [element.text for element in svg_of(chart).iter(f"{SVG}text")]


def bars_of(chart, css_class: str = "bar") -> list[tuple[float, int]]:
    """(length, value) of each bar of the chart."""
    return [(float(rect.get("width")), float(rect.get("data-value"))) for rect in svg_of(chart).iter(f"{SVG}rect")
            if css_class in rect.get("class", "").split()]


def test_every_chart_is_an_image_named_and_described_for_whoever_cannot_see_it(demo):
    assert demo.order == ["outcomes", "granted_by_union", "submissions", "days_at_level"]
    for key, chart in demo.charts.items():
        svg = svg_of(chart)  # well-formed XML
        assert svg.tag == f"{SVG}svg" and svg.get("role") == "img" and svg.get("width") == "100%"
        assert svg.get("viewBox").startswith("0 0 600 ")
        title_id, desc_id = svg.get("aria-labelledby").split()
        assert svg.find(f"{SVG}title").get("id") == title_id == f"chart-{key}-title"
        assert svg.find(f"{SVG}desc").get("id") == desc_id == f"chart-{key}-desc"
        assert svg.find(f"{SVG}title").text == chart.title and svg.find(f"{SVG}desc").text == chart.description
        everything = list(svg.iter())
        assert not [e for e in everything if e.tag.endswith(("script", "image", "a", "foreignObject"))]
        assert not [name for e in everything for name in e.attrib if name.startswith("on") or "href" in name]
    outcomes = demo.charts["outcomes"].description
    assert outcomes.startswith(f"{demo.report.total.counts['submitted']} hồ sơ đã nộp")
    assert f"Được chấp thuận: {demo.report.total.counts['granted']}" in outcomes


def test_the_outcomes_chart_and_its_table_hold_the_reports_counts(demo):
    chart, figures = demo.charts["outcomes"], demo.report
    shown = [outcome for outcome in OUTCOMES if figures.total.counts[outcome]]
    assert chart.table.headings == ["Loại hồ sơ", *(OUTCOMES[outcome][0] for outcome in shown), "Tổng số"]
    assert chart.table.rows == [[KINDS[kind].short_title, *(figures.by_kind[kind].counts[o] for o in shown),
                                 figures.by_kind[kind].counts["submitted"]] for kind in figures.kinds]
    texts = texts_of(chart)
    assert all(KINDS[kind].short_title in texts for kind in figures.kinds)
    assert all(OUTCOMES[outcome][0] in texts for outcome in shown)  # the legend
    # Each kind's bar is its segments end to end: as long as the kind's count, each segment as long as its own.
    segments = bars_of(chart, "segment")
    assert sorted(value for _, value in segments) == sorted(
        figures.by_kind[kind].counts[o] for kind in figures.kinds for o in shown if figures.by_kind[kind].counts[o])
    assert_proportional(segments)


def test_the_money_chart_draws_each_units_request_and_grant(demo):
    chart, figures = demo.charts["granted_by_union"], demo.report
    with_money = [group for group in figures.groups if figures.by_group[group.id].requested_vnd]
    assert len(with_money) >= 2
    assert chart.table.rows == [[group.name, figures.by_group[group.id].requested_vnd,
                                 figures.by_group[group.id].granted_vnd] for group in with_money]
    assert chart.table.money_columns == {1, 2}
    assert sum(row[1] for row in chart.table.rows) == figures.total.requested_vnd
    texts = " ".join(texts_of(chart))
    for _, requested, granted in chart.table.rows:
        assert f"Đề nghị: {format_money(requested)}" in texts and f"Được chấp thuận: {format_money(granted)}" in texts
    assert "31.300.000 đ" in texts
    assert_proportional(bars_of(chart, "requested") + bars_of(chart, "granted"))


def test_the_submissions_chart_climbs_to_the_total_against_each_deadline(demo):
    chart, figures = demo.charts["submissions"], demo.report
    running = 0
    for (day, count), row in zip(figures.submissions_by_day, chart.table.rows, strict=True):
        running += count
        assert row == [format_date(day), count, running]
    assert running == figures.total.counts["submitted"]
    svg = svg_of(chart)
    deadlines = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "deadline"]
    assert len(deadlines) == len(figures.scope.campaign.phases) == 2
    texts = texts_of(chart)
    for phase in figures.scope.campaign.phases:
        assert f"{phase.name}, hạn {format_date(phase.ends_on)}: {running} hồ sơ" in texts
    assert svg.find(f"{SVG}path[@class='cumulative']") is not None


def test_the_days_chart_draws_the_median_each_level_held_a_dossier(demo, app):
    chart, figures = demo.charts["days_at_level"], demo.report
    per_level = figures.days_at_level[None]
    assert chart.table.rows == [[LEVELS[level], format_days(per_level[level].median), per_level[level].dossiers]
                                for level in figures.levels]
    texts = texts_of(chart)
    assert all(f"{format_days(per_level[level].median)} ngày" in texts for level in figures.levels)
    bars = bars_of(chart)
    assert [value for _, value in bars] == [per_level[level].median for level in figures.levels]
    assert len({value for _, value in bars}) > 1
    assert_proportional(bars)
    with app.test_request_context():
        assert format_days(7.5) + " ngày" == "7,5 ngày"  # the Vietnamese decimal comma


def assert_proportional(bars: list[tuple[float, float]]) -> None:
    """Every bar's length is its value times one scale (coordinates are written to a tenth)."""
    length, value = max(bars, key=lambda bar: bar[1])
    assert value > 0
    for bar_length, bar_value in bars:
        assert bar_length == pytest.approx(bar_value * length / value, abs=0.11)


def test_the_page_shows_each_chart_beside_its_table(demo):
    page = demo.page
    assert page.count("<figure") == page.count("<table") == page.count("<figcaption") == 4
    for key, chart in demo.charts.items():
        part = page.split(f'id="chart-{key}"')[1].split('class="row g-3')[0]
        assert str(chart.svg) in part and "<figcaption" in part
        assert f"<caption>Số liệu của biểu đồ: {chart.title}</caption>" in part
        assert part.count('<th scope="col"') == len(chart.table.headings)
        assert part.count('<th scope="row">') == len(chart.table.rows)
        assert 'class="col-lg-6"' in part  # one above the other on a phone, side by side from 992 px
    assert "31.300.000 đ" in page.split('id="chart-granted_by_union"')[1]


def test_the_charts_print_in_the_pdf_with_their_vietnamese_labels(demo):
    text = pdf_text(demo.pdf)
    figures = demo.report
    for kind in figures.kinds:
        assert KINDS[kind].short_title in text
    for level in figures.levels:
        assert LEVELS[level] in text
    assert "Đã thẩm định đạt, chờ chuyển lên" in text and "Được chấp thuận: 31.300.000 đ" in text
    assert "Đợt I, hạn 31/12/2026" in text
    fonts = subprocess.run(["pdffonts", "-"], input=demo.pdf, capture_output=True, check=True).stdout.decode()
    assert "Liberation-Serif" in fonts and "DejaVu" not in fonts  # the official document's font, not a fallback


# --- from dossiers made here --------------------------------------------------------------------------------

def test_nothing_submitted_gives_no_chart(app, ctx, current_plan):
    with app.test_request_context():
        figures = report_of("liaison", "120/KH-LĐLĐ")
        assert charts(figures) == []
        assert render_template("reports/_charts.html", report=figures, charts=[]).strip() == ""


def test_a_plan_that_asks_no_money_has_no_money_chart(app, api, current_plan):
    api.submitted(kind="creative_labour")
    with app.test_request_context():
        keys = [chart.key for chart in charts(report_of("reviewer", "120/KH-LĐLĐ"))]
    assert "outcomes" in keys and "submissions" in keys and "granted_by_union" not in keys


def test_names_from_the_database_are_escaped(app, api, current_plan):
    house = api.submitted(kind="union_housing")
    name = 'CĐCS <script>alert("x")</script> & Co'
    with app.app_context():
        union = db.session.get(Organisation, house["org"]["id"])
        union.name = name
        db.session.commit()
    with app.test_request_context():
        figures = report_of("reviewer", "120/KH-LĐLĐ")
        money = next(chart for chart in charts(figures) if chart.key == "granted_by_union")
        page = render_template("reports/_charts.html", report=figures, charts=[money])
    assert name in texts_of(money) and money.table.rows[0][0] == name  # shown as written
    for markup in (str(money.svg), page):
        assert "<script" not in markup and "&lt;script&gt;" in markup and "&amp; Co" in markup
