"""Document numbers: one sequence per issuing organisation per calendar year (NĐ 30/2020 Điều 15).

The counter row is bumped with an atomic UPDATE ... RETURNING inside the issuing transaction, so two
documents issued at once wait for each other instead of sharing a number; the unique constraint on
`document` is the last line of defence.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from .models import DocumentCounter


def sequence_scope(doc_type: str) -> str:
    return doc_type if current_app.config["DOCUMENT_SEQUENCE_SCOPE"] == "organisation_type" else ""


def next_sequence(organisation_id: int, year: int, scope: str) -> int:
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(DocumentCounter)
        .values(organisation_id=organisation_id, year=year, sequence_scope=scope, last_sequence=0)
        .on_conflict_do_nothing()
    )
    return db.session.execute(
        sa.update(DocumentCounter)
        .where(DocumentCounter.organisation_id == organisation_id, DocumentCounter.year == year,
               DocumentCounter.sequence_scope == scope)
        .values(last_sequence=DocumentCounter.last_sequence + 1)
        .returning(DocumentCounter.last_sequence)
    ).scalar_one()


def format_number(sequence: int, doc_type: str, org_abbreviation: str) -> str:
    """'05/TTr-LĐLĐ': numbers below 10 padded, type then issuer abbreviation."""
    return f"{sequence:02d}/{doc_type}-{org_abbreviation}"
