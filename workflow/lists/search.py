"""Free-text search on names and citizen IDs without reading JSON: each dossier keeps its subject line, an
accent-free lower-case copy of the people's names and numbers, and the citizen ID in plain columns."""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..dossiers.kinds import KINDS
from ..dossiers.models import Dossier
from ..dossiers.visibility import indexed_data

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


def index_for_search(dossier: Dossier) -> None:
    """The columns hold what every organisation that sees the dossier was sent (visibility.indexed_data)."""
    for name, value in search_columns(dossier.kind, indexed_data(dossier)).items():
        setattr(dossier, name, value)


@event.listens_for(Session, "before_flush")
def _index_dossiers_for_search(session, flush_context, instances):
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Dossier):
            index_for_search(obj)


def search_condition(text: str):
    """A number of 3+ digits matches citizen IDs from their start; anything else the folded names anywhere."""
    text = text.strip()
    if re.fullmatch(r"\d{3,12}", text):
        return sa.and_(Dossier.citizen_id >= text, Dossier.citizen_id < text + ":")  # a range: the index serves it
    words = fold(text).split()
    return sa.and_(*(Dossier.search_text.contains(word, autoescape=True) for word in words)) if words else sa.true()
