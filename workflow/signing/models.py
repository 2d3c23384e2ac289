from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import db

# The dossiers a step waiting for its signature would change: none of them moves until it is signed or sent back.
signing_request_dossier = sa.Table(
    "signing_request_dossier",
    db.metadata,
    sa.Column("signing_request_id", sa.ForeignKey("signing_request.id"), primary_key=True),
    sa.Column("dossier_id", sa.ForeignKey("dossier.id"), primary_key=True, index=True),
)

WAITING, CONFIRMING, SIGNED, RETURNED = "waiting", "confirming", "signed", "returned"
OPEN = (WAITING, CONFIRMING)  # confirming: the signer signed at a remote service and is to confirm on their phone


class SigningRequest(db.Model):
    """A step presented for signature (trình ký): what was asked (the operation and its arguments, taken again
    when the signer signs, so the step takes effect, numbered and dated, only then), the drafts the signer reads,
    and how it ended."""

    __tablename__ = "signing_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    operation: Mapped[str] = mapped_column(sa.String(20))  # see signing/step.py OPERATIONS
    params: Mapped[dict] = mapped_column(sa.JSON)
    summary: Mapped[str] = mapped_column(sa.String(300))  # what the step does, as the queue lists it
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(sa.String(10), default=WAITING, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    return_reason: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)  # why the last signature did not go through

    organisation = relationship("Organisation")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    dossiers = relationship("Dossier", secondary=signing_request_dossier, order_by="Dossier.id")
    documents = relationship("Document", foreign_keys="Document.signing_request_id", order_by="Document.id",
                             viewonly=True)

    @property
    def drafts(self) -> list:
        return [d for d in self.documents if d.state == "draft"]

    @property
    def issued(self) -> list:
        return [d for d in self.documents if d.state == "issued"]


class DocumentSignature(db.Model):
    """A digital signature an issued document carries, as recorded when it was applied (/verify validates the file
    itself; this is what lists show)."""

    __tablename__ = "document_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))  # "signer" (the person) or "organisation" (its văn thư)
    field: Mapped[str] = mapped_column(sa.String(40))
    signer: Mapped[str] = mapped_column(sa.String(200))  # the certificate's common name
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


def waiting_request_for(dossier_id: int) -> SigningRequest | None:
    """The step waiting for a signature that would change this dossier: until it is signed or sent back, nothing
    else may move it or change it."""
    return db.session.scalar(sa.select(SigningRequest).join(
        signing_request_dossier, signing_request_dossier.c.signing_request_id == SigningRequest.id).where(
        signing_request_dossier.c.dossier_id == dossier_id, SigningRequest.state.in_(OPEN)))
