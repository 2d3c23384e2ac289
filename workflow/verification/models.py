from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db


class Verification(db.Model):
    """One look at a document without an account: by its code or by a file. Append-only; says what was asked and
    what was answered, not who asked (the public has no account; the address stays in the server's log)."""

    __tablename__ = "verification"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    method: Mapped[str] = mapped_column(sa.String(10))  # "code" or "file"
    asked: Mapped[str] = mapped_column(sa.String(64))  # the code as normalised, or the file's SHA-256
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("document.id"), index=True)  # None: no match
