"""Time, in one place: today's date where the union works (Asia/Ho_Chi_Minh) and the UTC moment stored on rows.
Tests replace `today` to move the calendar; the demo's playback of past work replaces this module's `datetime`,
which both functions read when called (so do the columns that default to `utcnow`)."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def today() -> date:
    return datetime.now(ZONE).date()


def utcnow() -> datetime:
    """Naive UTC, as the rows store it."""
    return datetime.now(UTC).replace(tzinfo=None)

