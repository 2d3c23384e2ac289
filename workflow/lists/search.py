"""Free-text search on names and citizen IDs without reading JSON: each list entry keeps its subject line, an
accent-free lower-case copy of the people's names and numbers, and the citizen ID in plain columns (entries.py)."""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from ..dossiers.kinds import KINDS

NAME_FIELDS = ("full_name", "child_full_name")


def fold(text: str) -> str:
    """'Nguyễn Thị Đào' -> 'nguyen thi dao': what people type on a phone without Vietnamese input."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", text).strip().lower()


def search_columns(kind_code: str, data: dict | None) -> dict:
    data = data or {}
    kind = KINDS.get(kind_code)
    names = [str(data[name]) for name in NAME_FIELDS if data.get(name)]
    citizen_id = data.get("citizen_id") or None
    return {"subject": (kind.subject(data) if kind else "")[:300], "citizen_id": citizen_id,
            "search_text": fold(" ".join(names + ([citizen_id] if citizen_id else [])))[:600]}


def search_condition(entries, text: str):
    """On a viewer's entries (visibility.Entries): a number of 3+ digits matches citizen IDs from their start;
    anything else the folded names anywhere."""
    text = text.strip()
    if re.fullmatch(r"\d{3,12}", text):
        return sa.and_(entries.citizen_id >= text, entries.citizen_id < text + ":")  # a range: the index serves it
    words = fold(text).split()
    return sa.and_(*(entries.search_text.contains(word, autoescape=True) for word in words)) if words else sa.true()
