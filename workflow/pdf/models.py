from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db

# The dossiers a document concerns: one for most steps, several for a decision taken on many at once.
document_dossier = sa.Table(
    "document_dossier",
    db.metadata,
    sa.Column("document_id", sa.ForeignKey("document.id"), primary_key=True),
    sa.Column("dossier_id", sa.ForeignKey("dossier.id"), primary_key=True, index=True),
)


class Document(db.Model):
    """An issued official document. Its bytes live in storage under their SHA-256 and never change."""

    __tablename__ = "document"
    # The number, not the sequence: switching DOCUMENT_SEQUENCE_SCOPE mid-year cannot repeat "05/TTr-LĐLĐ".
    __table_args__ = (sa.UniqueConstraint("organisation_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(sa.String(10))  # TTr, TB, BB, QĐ
    # "draft": what a signer is given to read, unnumbered and undated; signing issues a new row, "issued".
    state: Mapped[str] = mapped_column(sa.String(10), default="issued", server_default="issued")
    title: Mapped[str] = mapped_column(sa.String(300))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    year: Mapped[int]
    sequence_scope: Mapped[str] = mapped_column(sa.String(10))  # "" or the doc type, see DOCUMENT_SEQUENCE_SCOPE
    sequence: Mapped[int | None]  # None for a draft: numbered when issued (NĐ 30 Điều 15)
    number: Mapped[str | None] = mapped_column(sa.String(40))  # "05/TTr-LĐLĐ"
    issued_on: Mapped[date | None]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    template: Mapped[str] = mapped_column(sa.String(100))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]
    page_count: Mapped[int]
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    # Printed on the document with a QR code: /verify/<code> shows what was issued (verification/codes.py).
    verify_code: Mapped[str | None] = mapped_column(sa.String(11), unique=True)
    signing_request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("signing_request.id"), index=True)
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))  # who signed it, if a person

    # By name: the documents layer knows no model above it.
    organisation = relationship("Organisation")
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])
    signatures = relationship("DocumentSignature", order_by="DocumentSignature.id", viewonly=True)
    dossiers = relationship("Dossier", secondary=document_dossier, back_populates="documents", order_by="Dossier.id")
    batch = relationship("Batch", foreign_keys=[batch_id])

    @property
    def filename(self) -> str:
        if self.state == "draft":
            return f"du-thao_{self.id}.pdf"
        safe_number = self.number.replace("/", "-")
        return f"{self.issued_on:%Y%m%d}_{safe_number}.pdf"


class DocumentCounter(db.Model):
    """The last number issued per organisation, year and scope; bumped atomically inside the issuing transaction."""

    __tablename__ = "document_counter"

    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    sequence_scope: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    last_sequence: Mapped[int] = mapped_column(default=0)


class BundleBuild(db.Model):
    """A batch's bundle (PDF or ZIP) built once and stored (by SHA-256): its progress, then the file. It is served as
    long as what it holds is what the batch's bundle would hold now (content_key, batches/bundles.py)."""

    __tablename__ = "bundle_build"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    format: Mapped[str] = mapped_column(sa.String(3), default="pdf", server_default="pdf")  # pdf, zip
    # SHA-256 of what went in (the parts and their sums, titles, the table of contents, the signer): a later build
    # of the same content is this one; any change (a decision filed, a name changed, a new key) makes another
    content_key: Mapped[str | None] = mapped_column(sa.String(64))
    # queued, running, done, failed; superseded: a newer build of the batch replaced it (its file removed)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
