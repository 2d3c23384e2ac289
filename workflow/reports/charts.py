"""A plan's figures as charts (issue 15): outcomes per kind, money asked for and granted per union, submissions over
time against the phase deadlines, days each level held a dossier.

Each chart is one inline SVG drawn here on the server, so the page needs no script and no asset from elsewhere,
and the official report (WeasyPrint) prints the same charts as vector images. Each comes with a text alternative
and the table of the figures it draws, for whoever would rather read (or cannot see) it.

The SVGs are drawn for a width of about 600 px and scale with their viewBox: text sizes are chosen to stay
readable on a 360 px phone, where the chart is drawn at a little over half that size. Labels sit on their own
line above their bar, so a long Vietnamese name gets the whole width rather than a narrow column beside the bars.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext
from markupsafe import Markup

from ..dossiers.kinds import KINDS
from ..formatting import CONTROL_CHARACTERS, format_date, format_days, format_money
from ..orgs.models import LEVELS
from ..pdf.render import FONT_FAMILY as DOCUMENT_FONT
from .figures import OUTCOMES, Report


@dataclass(frozen=True)
class ChartTable:
    headings: list[str]  # translated column headings
    rows: list[list]  # cells: str, int (counts), or amounts as int đồng
    money_columns: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Chart:
    key: str  # "outcomes", "granted_by_union", "submissions", "days_at_level"
    title: str
    description: str  # the text alternative: what it shows, with the main figures
    svg: Markup
    table: ChartTable


def charts(report: Report) -> list[Chart]:
    """The charts of the report that have something to show."""
    drawn = (_outcomes(report), _granted_by_union(report), _submissions(report), _days_at_level(report))
    return [chart for chart in drawn if chart is not None]


# --- drawing -------------------------------------------------------------------------------------------------

WIDTH = 600
LABEL_SIZE = 24  # names of kinds, unions, levels: 13.5 px on a phone (the chart about 340 px wide)
VALUE_SIZE = 22  # counts, amounts, dates, the legend: 12.5 px on a phone
GAP = 8
ROW = VALUE_SIZE * 1.4  # a line of the legend, of the deadlines' captions
BAR = 36
PAIRED_BAR = 30  # each of a union's two bars, asked and granted
TEXT = "#1f2933"
MUTED = "#4a5563"
RULE = "#c8ced6"
# Okabe & Ito's palette, told apart by readers with any common colour-vision deficiency.
OUTCOME_COLOURS = {"waiting": "#56B4E9", "approved": "#0072B2", "returned": "#E69F00", "granted": "#009E73",
                   "refused": "#D55E00", "withdrawn": "#CC79A7", "closed": "#999999"}
REQUESTED_COLOUR, GRANTED_COLOUR = OUTCOME_COLOURS["waiting"], OUTCOME_COLOURS["granted"]
DAYS_COLOUR = LINE_COLOUR = OUTCOME_COLOURS["approved"]
DEADLINE_COLOUR = OUTCOME_COLOURS["refused"]

# Share of the font size an average character takes, by the widest of the page fonts (DejaVu Sans on Linux,
# Segoe UI, Liberation Serif in the PDF). Text is placed and wrapped by this estimate: the server has no browser
# to measure it, so it errs on the wide side.
_NARROW, _WIDE = set("iljtfrI.,:;'!|()[] "), set("mwMW")


def _text_width(text: str, size: float) -> float:
    ems = sum(0.36 if c in _NARROW else 0.95 if c in _WIDE else 0.75 if c.isupper() else 0.64 for c in text)
    return ems * size


def _lines(text: str, size: float, width: float, most: int = 2) -> list[str]:
    """The text wrapped at spaces into at most `most` lines no wider than `width`, cut short with "…" where it does
    not fit (whoever needs the whole name has it in the table beside the chart)."""
    def fits(line: str) -> bool:
        return _text_width(line, size) <= width

    def cut(line: str) -> str:
        while line and not fits(line + "…"):
            line = line[:-1].rstrip()
        return line + "…"

    lines: list[str] = []
    for word in text.split():
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    shown = lines[:most]
    if len(lines) > most:
        shown[-1] = cut(shown[-1])
    return [line if fits(line) else cut(line) for line in shown]


def _readable_on(fill: str) -> str:
    """Black or white, whichever contrasts more with the fill (WCAG relative luminance)."""
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    red, green, blue = (channel(fill[i:i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


class _Canvas:
    """One chart's SVG, drawn from the top down: `y` is where the next row goes. ElementTree writes it, so every
    text (organisation names come from the database) is escaped as XML."""

    def __init__(self, key: str, title: str, description: str):
        self.y = 0.0
        # The font: the page's in a browser (reports.css sets `inherit`, which wins over this attribute); WeasyPrint
        # reads no page style inside an SVG, so the attribute gives the official document's font in the PDF.
        self.svg = ET.Element("svg", {
            "xmlns": "http://www.w3.org/2000/svg", "width": "100%", "role": "img", "class": f"chart chart-{key}",
            "aria-labelledby": f"chart-{key}-title chart-{key}-desc", "font-family": f'"{DOCUMENT_FONT}", serif',
            "fill": TEXT})
        ET.SubElement(self.svg, "title", id=f"chart-{key}-title").text = _clean(title)
        ET.SubElement(self.svg, "desc", id=f"chart-{key}-desc").text = _clean(description)

    def element(self, tag: str, tip: str | None = None, **attributes) -> ET.Element:
        shape = ET.SubElement(self.svg, tag, {name.removesuffix("_").replace("_", "-"): _attribute(value)
                                              for name, value in attributes.items() if value is not None})
        if tip:  # a tooltip in a browser
            ET.SubElement(shape, "title").text = _clean(tip)
        return shape

    def text(self, x: float, y: float, content: str, size: float = VALUE_SIZE, halo: bool = False,
             **attributes) -> None:
        """A text; with a halo, on a white outline of itself that keeps lines behind it from crossing its letters
        (drawn as a copy under it: WeasyPrint knows no `paint-order`)."""
        copies = [{"stroke": "#ffffff", "stroke_width": 6, "stroke_linejoin": "round", "fill": "#ffffff",
                   "aria_hidden": "true"}] if halo else []
        for extra in [*copies, {}]:
            self.element("text", x=x, y=y, font_size=size, **attributes, **extra).text = _clean(content)

    def label(self, name: str, size: float = LABEL_SIZE) -> None:
        """A name on its own lines across the chart, above what it names."""
        for line in _lines(name, size, WIDTH):
            self.y += size * 1.25
            self.text(0, self.y - size * 0.25, line, size)
        self.y += 4

    def bar(self, length: float, height: float, fill: str, caption: str, css_class: str, value: float) -> None:
        """A bar from the left edge with its caption after it, or inside its end when there is no room after, or
        on a line of its own under it when it fits neither."""
        self.element("rect", x=0, y=self.y, width=length, height=height, fill=fill, class_=f"bar {css_class}",
                     data_value=value)
        baseline = self.y + height / 2 + VALUE_SIZE * 0.35
        caption_width = _text_width(caption, VALUE_SIZE)
        if length + GAP + caption_width <= WIDTH:
            self.text(length + GAP if length else 0, baseline, caption)
        elif caption_width + 2 * GAP <= length:
            self.text(length - GAP, baseline, caption, text_anchor="end", fill=_readable_on(fill))
        else:
            self.y += VALUE_SIZE * 1.2
            self.text(0, self.y + height, caption)
        self.y += height

    def legend(self, entries: list[tuple[str, str]]) -> None:
        """Swatches with their names, as many on a row as fit."""
        swatch, x = VALUE_SIZE * 0.9, 0.0
        self.y += ROW
        for fill, name in entries:
            width = swatch + 6 + _text_width(name, VALUE_SIZE)
            if x and x + width > WIDTH:
                x, self.y = 0.0, self.y + ROW
            self.element("rect", x=x, y=self.y - swatch, width=swatch, height=swatch, fill=fill, stroke=TEXT,
                         stroke_width=0.5)
            self.text(x + swatch + 6, self.y - 1, name)
            x += width + 2 * GAP
        self.y += GAP

    def markup(self) -> Markup:
        self.svg.set("viewBox", f"0 0 {WIDTH} {_number(self.y + 4)}")
        return Markup(ET.tostring(self.svg, encoding="unicode"))


def _clean(text: str) -> str:
    """No control characters: XML has no way to write most of them (the forms refuse them; this is the backstop)."""
    return CONTROL_CHARACTERS.sub("", str(text))


def _attribute(value) -> str:
    return _number(value) if isinstance(value, float) else _clean(value)


def _scale(largest: float, room: float) -> float:
    """Units of length per unit of value, so that the largest value takes `room`."""
    return room / largest if largest > 0 else 0.0


def _count_list(parts: list[tuple[str, object]]) -> str:
    return "; ".join(f"{name}: {value}" for name, value in parts)


# --- the charts ----------------------------------------------------------------------------------------------

def _outcomes(report: Report) -> Chart | None:
    if not report.kinds:
        return None
    outcomes = [outcome for outcome in OUTCOMES if report.total.counts[outcome]]
    names = {outcome: gettext(OUTCOMES[outcome][0]) for outcome in outcomes}
    title = gettext("Kết quả theo loại hồ sơ")
    description = gettext("%(total)s hồ sơ đã nộp, theo loại hồ sơ và kết quả. %(outcomes)s.",
                          total=report.total.counts["submitted"],
                          outcomes=_count_list([(names[o], report.total.counts[o]) for o in outcomes]))
    canvas = _Canvas("outcomes", title, description)
    canvas.legend([(OUTCOME_COLOURS[outcome], names[outcome]) for outcome in outcomes])
    largest = max(report.by_kind[kind].counts["submitted"] for kind in report.kinds)
    scale = _scale(largest, WIDTH - GAP - _text_width(str(largest), LABEL_SIZE))
    rows = []
    for kind in report.kinds:
        counts = report.by_kind[kind].counts
        kind_name = gettext(KINDS[kind].short_title)
        canvas.label(kind_name)
        x = 0.0
        for outcome in outcomes:
            if not counts[outcome]:
                continue
            length = counts[outcome] * scale
            fill = OUTCOME_COLOURS[outcome]
            # A white edge between segments, so that two neighbouring colours never run into one.
            canvas.element("rect", tip=f"{names[outcome]}: {counts[outcome]}", x=x, y=canvas.y, width=length,
                           height=BAR, fill=fill, stroke="#ffffff", stroke_width=1.5,
                           class_=f"bar segment {outcome}", data_value=counts[outcome])
            if _text_width(str(counts[outcome]), VALUE_SIZE) + 6 <= length:  # the count, where it fits
                canvas.text(x + length / 2, canvas.y + BAR / 2 + VALUE_SIZE * 0.35, str(counts[outcome]),
                            text_anchor="middle", fill=_readable_on(fill))
            x += length
        canvas.text(x + GAP, canvas.y + BAR / 2 + LABEL_SIZE * 0.35, str(counts["submitted"]), LABEL_SIZE,
                    font_weight="bold")
        canvas.y += BAR + GAP
        rows.append([kind_name, *(counts[outcome] for outcome in outcomes), counts["submitted"]])
    table = ChartTable([gettext("Loại hồ sơ"), *names.values(), gettext("Tổng số")], rows)
    return Chart("outcomes", title, description, canvas.markup(), table)


def _granted_by_union(report: Report) -> Chart | None:
    if not report.total.requested_vnd:
        return None
    groups = [g for g in report.groups if report.by_group[g.id].requested_vnd or report.by_group[g.id].granted_vnd]
    title = gettext("Số tiền đề nghị và được chấp thuận theo đơn vị")
    description = gettext("Số tiền đề nghị và số tiền được chấp thuận của từng đơn vị. Tổng cộng: đề nghị "
                          "%(requested)s, được chấp thuận %(granted)s.",
                          requested=format_money(report.total.requested_vnd),
                          granted=format_money(report.total.granted_vnd))
    canvas = _Canvas("granted_by_union", title, description)
    # The words in each bar's caption say which is which, so that it is not told by colour alone.
    requested_word, granted_word = gettext("Đề nghị"), gettext("Được chấp thuận")
    requested_name, granted_name = gettext("Số tiền đề nghị"), gettext("Số tiền được chấp thuận")
    canvas.legend([(REQUESTED_COLOUR, requested_name), (GRANTED_COLOUR, granted_name)])
    largest = max(max(report.by_group[g.id].requested_vnd, report.by_group[g.id].granted_vnd) for g in groups)
    scale = _scale(largest, WIDTH)
    rows = []
    for group in groups:
        figures = report.by_group[group.id]
        name = group.label
        canvas.label(name)
        for amount, fill, word, css_class in ((figures.requested_vnd, REQUESTED_COLOUR, requested_word, "requested"),
                                              (figures.granted_vnd, GRANTED_COLOUR, granted_word, "granted")):
            canvas.bar(amount * scale, PAIRED_BAR, fill, f"{word}: {format_money(amount)}", css_class, amount)
            canvas.y += 3
        canvas.y += GAP
        rows.append([name, figures.requested_vnd, figures.granted_vnd])
    table = ChartTable([gettext("Đơn vị"), requested_name, granted_name], rows, frozenset({1, 2}))
    return Chart("granted_by_union", title, description, canvas.markup(), table)


def _nice_step(largest: int) -> int:
    """A step of 1, 2 or 5 times a power of ten giving at most 5 steps up to `largest`."""
    magnitude = 10 ** max(0, math.floor(math.log10(max(largest, 1) / 5)))
    return next(step * magnitude for step in (1, 2, 5, 10) if largest / (step * magnitude) <= 5)


def _submissions(report: Report) -> Chart | None:
    if not report.submissions_by_day:
        return None
    phases = [report.scope.phase] if report.scope.phase is not None else list(report.scope.campaign.phases)
    cumulative, total = [], 0
    for day, count in report.submissions_by_day:
        total += count
        cumulative.append((day, count, total))

    def submitted_by(deadline: date) -> int:
        return max((so_far for day, _, so_far in cumulative if day <= deadline), default=0)

    title = gettext("Hồ sơ nộp theo thời gian và hạn nộp các đợt")
    deadlines = [gettext("%(phase)s, hạn %(date)s: %(count)s hồ sơ", phase=gettext(phase.name),
                         date=format_date(phase.ends_on), count=submitted_by(phase.ends_on)) for phase in phases]
    description = " ".join([gettext("Số hồ sơ nộp cộng dồn theo ngày, từ %(first)s đến %(last)s: tổng %(total)s hồ "
                                    "sơ.", first=format_date(cumulative[0][0]), last=format_date(cumulative[-1][0]),
                                    total=total),
                            *(f"{line}." for line in deadlines)])
    canvas = _Canvas("submissions", title, description)
    start = min([cumulative[0][0] - timedelta(days=1), *(phase.ends_on for phase in phases)])
    end = max([cumulative[-1][0], *(phase.ends_on for phase in phases)])
    step = _nice_step(total)
    top = math.ceil(total / step) * step
    left = _text_width(str(top), VALUE_SIZE) + GAP
    right = WIDTH - GAP
    # The deadlines' captions, one to a row above the plot, so that two close deadlines never overlap.
    canvas.y += GAP
    caption_rows = canvas.y
    canvas.y += len(phases) * ROW + GAP
    plot_top, plot_height = canvas.y, 220

    def x_of(day: date) -> float:
        return left + (right - left) * (day - start).days / (end - start).days

    def y_of(count: int) -> float:
        return plot_top + plot_height * (1 - count / top)

    for tick in range(0, top + 1, step):
        canvas.element("line", x1=left, x2=right, y1=y_of(tick), y2=y_of(tick), stroke=RULE, stroke_width=1)
        canvas.text(left - 6, y_of(tick) + VALUE_SIZE * 0.35, str(tick), text_anchor="end", fill=MUTED)
    steps = [f"M{_number(x_of(start))},{_number(y_of(0))}"]
    for day, _, so_far in cumulative:
        steps.append(f"H{_number(x_of(day))}V{_number(y_of(so_far))}")
    steps.append(f"H{_number(right)}")
    outline = "".join(steps)
    canvas.element("path", d=f"{outline}V{_number(y_of(0))}Z", fill=LINE_COLOUR, fill_opacity=0.15, stroke="none")
    canvas.element("path", d=outline, fill="none", stroke=LINE_COLOUR, stroke_width=3, class_="cumulative")
    # Each deadline's line rises to its caption; the lines first, so that a caption sits over any other's line.
    marks = [(x_of(phase.ends_on), caption_rows + (index + 1) * ROW, caption)
             for index, (phase, caption) in enumerate(zip(phases, deadlines, strict=True))]
    for x, caption_y, _ in marks:
        canvas.element("line", x1=x, x2=x, y1=caption_y + 4, y2=plot_top + plot_height, stroke=DEADLINE_COLOUR,
                       stroke_width=2, stroke_dasharray="6 4", class_="deadline")
    for x, caption_y, caption in marks:  # after its line where it fits, else as far right as it fits
        canvas.text(max(0.0, min(x + 4, WIDTH - _text_width(caption, VALUE_SIZE))), caption_y, caption, halo=True)
    canvas.y = plot_top + plot_height + ROW
    canvas.text(left, canvas.y, format_date(start), fill=MUTED)
    canvas.text(right, canvas.y, format_date(end), text_anchor="end", fill=MUTED)
    table = ChartTable([gettext("Ngày nộp"), gettext("Số hồ sơ nộp"), gettext("Cộng dồn")],
                       [[format_date(day), count, so_far] for day, count, so_far in cumulative])
    return Chart("submissions", title, description, canvas.markup(), table)


def _days(median: float) -> str:
    return gettext("%(days)s ngày", days=format_days(median))


def _days_at_level(report: Report) -> Chart | None:
    per_level = report.days_at_level.get(None, {})
    levels = [level for level in report.levels if level in per_level]
    if not levels:
        return None
    names = {level: gettext(LEVELS[level]) for level in levels}
    title = gettext("Số ngày mỗi cấp giữ hồ sơ (trung vị)")
    description = gettext("Số ngày trung vị mỗi cấp giữ một hồ sơ: %(levels)s.",
                          levels=_count_list([(names[level], _days(per_level[level].median)) for level in levels]))
    canvas = _Canvas("days_at_level", title, description)
    canvas.y += GAP
    captions = {level: _days(per_level[level].median) for level in levels}
    scale = _scale(max(days.median for days in per_level.values()),
                   WIDTH - GAP - max(_text_width(caption, VALUE_SIZE) for caption in captions.values()))
    for level in levels:
        canvas.label(names[level])
        canvas.bar(per_level[level].median * scale, BAR, DAYS_COLOUR, captions[level], level, per_level[level].median)
        canvas.y += GAP
    table = ChartTable([gettext("Cấp"), gettext("Số ngày (trung vị)"), gettext("Số lượng hồ sơ")],
                       [[names[level], format_days(per_level[level].median),
                         per_level[level].dossiers] for level in levels])
    return Chart("days_at_level", title, description, canvas.markup(), table)
