"""Presentation: dd/mm/yyyy dates in every language; amounts "1.500.000 đ" in Vietnamese and
"1,500,000 VND" in English (the current Flask-Babel locale); official date lines (always Vietnamese)."""
import re
from datetime import UTC, date, datetime

from babel.numbers import format_decimal
from flask import has_request_context
from flask_babel import get_locale
from markupsafe import Markup, escape

from .clock import ZONE as VIETNAM


def format_date(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def vietnam_time(value: datetime | None) -> datetime | None:
    """Stored datetimes are naive UTC; people read them in Vietnam's time (naive, for spreadsheets)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(VIETNAM).replace(tzinfo=None)


def format_datetime(value: datetime | None) -> str:
    return value and vietnam_time(value).strftime("%H:%M %d/%m/%Y") or ""


def _language() -> str:
    """The language of the current request (or of a `force_locale` block inside one); Vietnamese elsewhere."""
    if not has_request_context():
        return "vi"
    locale = get_locale()
    return locale.language if locale else "vi"


def format_amount(value) -> str:
    """A whole number of đồng without its currency: "1.500.000" in Vietnamese, "1,500,000" in English."""
    if value is None or value == "":
        return ""
    language = _language()
    if language == "vi":
        return f"{int(value):,}".replace(",", ".")
    return format_decimal(int(value), locale=language)


def format_days(value: float) -> str:
    """A number of days to one decimal: "7,5" in Vietnamese, "7.5" in English."""
    return format_decimal(round(value, 1), format="#,##0.#", locale=_language())


def format_money(value) -> str:
    if value is None or value == "":
        return ""
    return format_amount(value) + (" đ" if _language() == "vi" else " VND")


def official_date_line(place: str, day: date) -> str:
    """'Phú Riềng, ngày 05 tháng 01 năm 2018' (NĐ 30/2020 Phụ lục I: days < 10 and months 1, 2 padded)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


_AMOUNT_IN_TEXT = re.compile(r"\d{1,3}(?:\.\d{3})+ (?:đồng|đ)")


def unbroken_amounts(text) -> Markup:
    """The text, escaped, with each "1.500.000 đ" kept on one line (an official document never breaks one)."""
    escaped = escape(text if text is not None else "")
    return Markup(_AMOUNT_IN_TEXT.sub(lambda m: f'<span class="nb">{m.group(0)}</span>', str(escaped)))


def roman(number: int) -> str:
    """I, II, ... for the parts of a list (NĐ 30: appendices and groups numbered in Roman numerals)."""
    numerals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    text = ""
    for value, numeral in numerals:
        count, number = divmod(number, value)
        text += numeral * count
    return text


_SCREEN_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
# The largest id a row can have: ids (and versions) are `integer` columns, 32 bits on PostgreSQL, which refuses a larger
# number bound to one ("integer out of range"); a larger number is no row's id.
MAX_ID = 2**31 - 1


# C0, DEL, C1 and the bidirectional controls (an override prints "Trần Thị Lan" as "Trần naL ịhT"): never part of
# a name or a title.
BIDI_CONTROLS = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
CONTROL_CHARACTERS = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
# The same in a text of several lines, where a tab and line breaks are the writer's.
TEXT_CONTROL_CHARACTERS = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]")


def parse_whole(text) -> int | None:
    """A non-negative whole number typed in ASCII digits, at most MAX_ID (an id, a row index, a version: what an
    integer column holds); None for anything else. str.isdigit() is no test: it accepts '²', which int() refuses."""
    number = int(text) if isinstance(text, str) and WHOLE_NUMBER.fullmatch(text) else None
    return number if number is not None and number <= MAX_ID else None


def page_number(value, per_page: int) -> int:
    """A page of a list to read: 1 for anything unreadable, and never one whose offset a database cannot hold."""
    return min(max(value if isinstance(value, int) else 1, 1), MAX_ID // max(per_page, 1))


def is_id(value) -> bool:
    """Could be a row's id: a whole number (not a bool) a database integer holds."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def parse_screen_date(text: str) -> date | None:
    """dd/mm/yyyy (also d/m/yyyy, dd.mm.yyyy) or ISO yyyy-mm-dd; None when it is no real date."""
    text = text.strip()
    try:
        match = _SCREEN_DATE.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_money(text: str) -> int | None:
    """'1.500.000', '1 500 000 đ', '1,500,000 VND' or '1500000' -> 1500000; None when it is not a whole
    number of đồng. A comma is a thousands separator only in thousands positions ('1,500,000'); elsewhere
    ('1,5') it would be a decimal part, and that is refused."""
    cleaned = re.sub(r"\s*(đ|vnđ|vnd)$", "", text.strip(), flags=re.IGNORECASE)
    if "," in cleaned:
        grouped = re.sub(r"\s", "", cleaned)
        if not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", grouped):
            return None
        cleaned = grouped.replace(",", "")
    cleaned = re.sub(r"\s", "", cleaned)
    # Vietnamese thousands separators, in thousands positions only: '1.5' or '85000000.00' is refused.
    if "." in cleaned:
        if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", cleaned):
            return None
        cleaned = cleaned.replace(".", "")
    return int(cleaned) if re.fullmatch(r"[0-9]{1,15}", cleaned) else None


def format_file_size(size: int) -> str:
    """850 B, 12 KB, 1.2 MB (a decimal comma in Vietnamese)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    text = f"{size / (1024 * 1024):.1f}"
    return (text.replace(".", ",") if _language() == "vi" else text) + " MB"
