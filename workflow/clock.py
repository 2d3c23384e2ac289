"""Today's date where the union works (Asia/Ho_Chi_Minh); tests replace `today` to move the calendar."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def today() -> date:
    return datetime.now(ZONE).date()
