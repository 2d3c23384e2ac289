"""Frozen for migration f38cb406e54b, which imports these two functions (it was written before the rule that a
data migration copies the code it needs). They are the search columns as computed on 23/11/2026; nothing in the
app imports this module (today's code is in lists/search.py), and it must not change, or that migration would
compute something else for a database that upgrades through it."""
from __future__ import annotations

import re
import unicodedata

NAME_FIELDS = ("full_name", "child_full_name")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", text).strip().lower()


def _subject(kind_code: str, data: dict) -> str:
    if kind_code == "child_heart":
        child = data.get("child_full_name") or "(chưa nhập tên trẻ)"
        parent = data.get("full_name")
        return f"{child} (con của {parent})" if parent else child
    return data.get("full_name") or "(chưa nhập tên)"


def search_columns(kind_code: str, data: dict | None) -> dict:
    data = data or {}
    names = [str(data[name]) for name in NAME_FIELDS if data.get(name)]
    citizen_id = data.get("citizen_id") or None
    return {"subject": _subject(kind_code, data)[:300], "citizen_id": citizen_id,
            "search_text": _fold(" ".join(names + ([citizen_id] if citizen_id else [])))[:600]}


def indexed_data(data: dict | None, submitted_data: dict | None, round_: int | None,
                 forwarded_data: dict | None) -> dict:
    return forwarded_data or (submitted_data if round_ and submitted_data else None) or data or {}
