"""The union's organisation tree, as data: whoever sits above a union reviews and decides."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

# Levels of Luật Công đoàn 2024 (Điều 9 of the Điều lệ): the names are labels, the tree is what counts.
LEVELS = {
    "confederation": "Tổng Liên đoàn",
    "province": "Cấp tỉnh, ngành trung ương",
    "upper_grassroots": "Cấp trên trực tiếp cơ sở",
    "grassroots": "Công đoàn cơ sở",
}


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
    abbreviation: Mapped[str] = mapped_column(sa.String(20))  # "LĐLĐ", used in document numbers
    place_name: Mapped[str] = mapped_column(sa.String(100))  # địa danh on documents: "Phú Riềng"
    signing_body: Mapped[str] = mapped_column(sa.String(100))  # "BAN THƯỜNG VỤ" -> "TM. BAN THƯỜNG VỤ"
    head_title: Mapped[str] = mapped_column(sa.String(100), default="CHỦ TỊCH")
    head_name: Mapped[str] = mapped_column(sa.String(100), default="")
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    successor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))

    parent: Mapped[Organisation | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[Organisation]] = relationship(foreign_keys=[parent_id], back_populates="parent")
    successor: Mapped[Organisation | None] = relationship(remote_side=[id], foreign_keys=[successor_id])

    def ancestors(self):
        """This organisation, then its parent, up to the root."""
        org = self
        while org is not None:
            yield org
            org = org.parent

    @property
    def grandparent_id(self) -> int | None:
        return self.parent.parent_id if self.parent is not None else None

    def __repr__(self):
        return f"<Organisation {self.code}>"
