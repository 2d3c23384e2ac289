"""The union's organisations, as data that changes over time: each has a validity, a successor once it ends, and
a place in the tree for each period (OrganisationPlacement), so that a document of 2017 still names the
district federation of that year and a dossier submitted today finds the unions of today."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import N_

# Levels of Luật Công đoàn 2024 (Điều 9 of the Điều lệ), from the bottom up: a route names the levels that act.
LEVELS = {
    "grassroots": N_("Công đoàn cơ sở"),
    "upper_grassroots": N_("Công đoàn cấp trên trực tiếp cơ sở"),
    "province": N_("Công đoàn cấp tỉnh, ngành trung ương"),
    "confederation": N_("Tổng Liên đoàn"),
}
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (
        sa.CheckConstraint("level IN ({})".format(", ".join(f"'{level}'" for level in LEVELS)), name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    level: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(200))  # "Liên đoàn Lao động huyện Phú Riềng"
    header_name: Mapped[str] = mapped_column(sa.String(200))  # "LIÊN ĐOÀN LAO ĐỘNG HUYỆN PHÚ RIỀNG"
    # Printed instead of header_name where the full one would not fit on one line: "LĐLĐ HUYỆN PHÚ RIỀNG".
    short_header_name: Mapped[str | None] = mapped_column(sa.String(120))
    abbreviation: Mapped[str] = mapped_column(sa.String(20))  # "LĐLĐ", used in document numbers
    place_name: Mapped[str] = mapped_column(sa.String(100))  # địa danh on documents: "Phú Riềng"
    signing_body: Mapped[str] = mapped_column(sa.String(100))  # "BAN THƯỜNG VỤ" -> "TM. BAN THƯỜNG VỤ"
    head_title: Mapped[str] = mapped_column(sa.String(100), default="CHỦ TỊCH")
    head_name: Mapped[str] = mapped_column(sa.String(100), default="")
    # Who signs its documents when the head does not (NĐ 30 Phụ lục I II.7.b): "" the head, "KT." a deputy for the
    # head, "Q." an acting head, "TL."/"TUQ." someone by order or by authorisation; with that person's title and name.
    signing_authority: Mapped[str] = mapped_column(sa.String(10), default="", server_default="")
    signer_title: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")  # "PHÓ CHỦ TỊCH"
    signer_name: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    drafting_unit: Mapped[str] = mapped_column(sa.String(30), default="", server_default="")  # "- Lưu: VT, ToC."
    finance_office: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")  # Điều 3 of a QĐ
    office_address: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")  # a record's place
    # A Biên bản thẩm định signed by the reviewer also carries the leader's approval ("DUYỆT").
    record_approval: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The document types a step of its issues only once its signer signed them (trình ký); the others, and all
    # when empty, the acting person signs at once (a small union where one person does both).
    signed_by_signer: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]  # the last day it acted; None while it does
    successor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))

    successor: Mapped[Organisation | None] = relationship(remote_side=[id], foreign_keys=[successor_id])
    placements: Mapped[list[OrganisationPlacement]] = relationship(
        foreign_keys="OrganisationPlacement.organisation_id",
        order_by="(OrganisationPlacement.valid_from.is_not(None), OrganisationPlacement.valid_from)",
        back_populates="organisation")

    former_names: Mapped[list[OrganisationFormerName]] = relationship(
        order_by="OrganisationFormerName.valid_to", back_populates="organisation", cascade="all, delete-orphan")

    def names_on(self, day: date) -> OrganisationFormerName | Organisation:
        """What it was called on `day`: a former name's row, or itself (name, header_name, short_header_name)."""
        return next((former for former in self.former_names if day <= former.valid_to), self)

    def in_force(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def in_place_on(self, day: date) -> Organisation:
        """Itself, or once it has ended the organisation that took over from it (and so on) by `day`: who a
        document of that day addresses in its place."""
        org, seen = self, {self.id}
        while not org.in_force(day) and org.successor is not None and org.successor.id not in seen:
            org = org.successor
            seen.add(org.id)
        return org

    def placement_on(self, day: date) -> OrganisationPlacement | None:
        return next((p for p in self.placements if p.covers(day)), None)

    def parent_on(self, day: date) -> Organisation | None:
        placement = self.placement_on(day)
        return placement.parent if placement else None

    @property
    def last_parent(self) -> Organisation | None:
        """Where it sits now, or sat when it ended."""
        return self.placements[-1].parent if self.placements else None

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]

    def __repr__(self):
        return f"<Organisation {self.code}>"


class OrganisationPlacement(db.Model):
    """The organisation sat under `parent` from `valid_from` (None: since before the system knew) to `valid_to`
    (inclusive; None: still does)."""

    __tablename__ = "organisation_placement"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "valid_from"),
        sa.Index("ix_organisation_placement_parent", "parent_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    parent_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id], back_populates="placements")
    parent: Mapped[Organisation] = relationship(foreign_keys=[parent_id])

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    @classmethod
    def in_force_on(cls, day: date):
        """A SQL condition: the placement holds on `day`."""
        return sa.and_(sa.or_(cls.valid_from.is_(None), cls.valid_from <= day),
                       sa.or_(cls.valid_to.is_(None), cls.valid_to >= day))


class OrganisationFormerName(db.Model):
    """A name the organisation carried until `valid_to` (inclusive), before a renaming: what it was called on
    the documents of that time, and on later documents that cite them."""

    __tablename__ = "organisation_former_name"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "valid_to"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    valid_to: Mapped[date]
    name: Mapped[str] = mapped_column(sa.String(200))
    header_name: Mapped[str] = mapped_column(sa.String(200))
    short_header_name: Mapped[str | None] = mapped_column(sa.String(120))

    organisation: Mapped[Organisation] = relationship(back_populates="former_names")
