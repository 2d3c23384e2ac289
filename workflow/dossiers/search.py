"""Free-text search on names and citizen IDs without reading JSON: each dossier keeps its subject line, an
accent-free lower-case copy of the people's names and numbers, and the citizen ID in plain columns."""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from .models import Dossier
from .permissions import last_forward

NAME_FIELDS = ("full_name", "child_full_name")


def fold(text: str) -> str:
    """'Nguyễn Thị Đào' -> 'nguyen thi dao': what people type on a phone without Vietnamese input."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", text).strip().lower()


def search_columns(kind_code: str, data: dict | None) -> dict:
    from .kinds import KINDS

    data = data or {}
    kind = KINDS.get(kind_code)
    names = [str(data[name]) for name in NAME_FIELDS if data.get(name)]
    citizen_id = data.get("citizen_id") or None
    return {"subject": (kind.subject(data) if kind else "")[:300], "citizen_id": citizen_id,
            "search_text": fold(" ".join(names + ([citizen_id] if citizen_id else [])))[:600]}


def indexed_data(data: dict | None, submitted_data: dict | None, round_: int | None,
                 forwarded_data: dict | None) -> dict:
    """The data every organisation that sees the dossier has been sent: what was last forwarded to the province,
    else what was last submitted to the district, else (a draft) the union's own. So neither a returned dossier's
    unsent edits nor a resubmission the district has not forwarded shows through lists, search or exports."""
    return forwarded_data or (submitted_data if round_ and submitted_data else None) or data or {}


def index_for_search(dossier: Dossier) -> None:
    forward = last_forward(dossier)
    source = indexed_data(dossier.data, dossier.submitted_data, dossier.round, forward and forward.data_snapshot)
    for name, value in search_columns(dossier.kind, source).items():
        setattr(dossier, name, value)


def search_condition(text: str):
    """A number of 3+ digits matches citizen IDs from their start; anything else the folded names anywhere."""
    text = text.strip()
    if re.fullmatch(r"\d{3,12}", text):
        return sa.and_(Dossier.citizen_id >= text, Dossier.citizen_id < text + ":")  # a range: the index serves it
    words = fold(text).split()
    return sa.and_(*(Dossier.search_text.contains(word, autoescape=True) for word in words)) if words else sa.true()
