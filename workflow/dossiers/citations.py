"""A regulation as a document's "Căn cứ" line cites it: type, number, date, issuer and subject, in the order NĐ
30/2020 Phụ lục I and the union's decisions print them ("Căn cứ Quyết định số 1564/QĐ-TLĐ ngày 24/12/2014 của
Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam ban hành Quy chế khen thưởng của tổ chức Công đoàn;").

Stored as JSON on a rule set and a route (their `citation`), next to the free-text `basis` that screens show."""
from __future__ import annotations

import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..formatting import CONTROL_CHARACTERS, format_date


class Citation(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: str = Field(min_length=2, max_length=40)  # "Quyết định", "Kế hoạch", "Quy chế", "Hướng dẫn"
    number: str | None = Field(default=None, max_length=40)  # "1564/QĐ-TLĐ"
    date: datetime.date | None = None
    issuer: str = Field(min_length=3, max_length=200)  # "Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam"
    subject: str = Field(min_length=3, max_length=300)  # "ban hành Quy chế khen thưởng của tổ chức Công đoàn"

    @field_validator("type", "number", "issuer", "subject")
    @classmethod
    def printable(cls, value):
        if value is not None and CONTROL_CHARACTERS.search(value):
            raise ValueError("control character")
        return value if value != "" else None


def parse_citation(value) -> dict | None:
    """The citation as stored (dates ISO), or None for none; raises pydantic's ValidationError."""
    if value is None or value == {}:
        return None
    return Citation.model_validate(value).model_dump(mode="json")


def cite(citation: dict) -> str:
    """The words after "Căn cứ": "Quyết định số 1564/QĐ-TLĐ ngày 24/12/2014 của … ban hành …"."""
    words = [citation["type"]]
    if citation.get("number"):
        words.append(f"số {citation['number']}")
    if citation.get("date"):
        words.append(f"ngày {format_date(citation['date'])}")
    words.append(f"của {citation['issuer']}")
    words.append(citation["subject"])
    return " ".join(words)


def citation_key(citation: dict) -> tuple:
    """Two rows citing the same regulation are cited once."""
    return (citation.get("number") or citation["subject"]).casefold(), citation.get("date")


__all__ = ["Citation", "ValidationError", "cite", "citation_key", "parse_citation"]
