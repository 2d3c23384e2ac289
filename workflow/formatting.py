"""Vietnamese presentation: dd/mm/yyyy dates, "1.500.000 đ" amounts, official date lines."""
import re
from datetime import date, datetime, timezone

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
    return value.replace(tzinfo=timezone.utc).astimezone(VIETNAM).replace(tzinfo=None)


def format_datetime(value: datetime | None) -> str:
    return value and vietnam_time(value).strftime("%H:%M %d/%m/%Y") or ""


def format_money(value) -> str:
    if value is None or value == "":
        return ""
    return f"{int(value):,}".replace(",", ".") + " đ"


def official_date_line(place: str, day: date) -> str:
    """'Phú Riềng, ngày 05 tháng 01 năm 2018' (NĐ 30/2020 Phụ lục I: days < 10 and months 1, 2 padded)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


_SCREEN_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


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
    """'1.500.000', '1 500 000 đ' or '1500000' -> 1500000; None when it is not a whole number of đồng."""
    cleaned = re.sub(r"\s*(đ|vnđ|vnd)$", "", text.strip(), flags=re.IGNORECASE)
    cleaned = re.sub(r"[\s.]", "", cleaned)  # thousands separators; a comma would be a decimal part
    return int(cleaned) if re.fullmatch(r"[0-9]{1,15}", cleaned) else None
