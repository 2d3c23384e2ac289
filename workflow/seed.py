"""Demo data (DESIGN §6): Bình Phước, the districts of Phú Riềng and Bù Đăng, three grassroots unions,
the demo users (password `demo`) and the published rule sets."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from .auth.models import User
from .campaigns.models import Campaign, CampaignPhase
from .dossiers.models import RuleSet
from .extensions import db
from .i18n import N_  # phase names are data; the usual ones are translated where shown
from .orgs.models import Organisation

ORGANISATIONS = [
    dict(code="tld", level="confederation", name="Tổng Liên đoàn Lao động Việt Nam",
         header_name="TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM", abbreviation="TLĐ", place_name="Hà Nội",
         signing_body="ĐOÀN CHỦ TỊCH", head_name="", parent=None),
    dict(code="ldld-binh-phuoc", level="province", name="Liên đoàn Lao động tỉnh Bình Phước",
         header_name="LIÊN ĐOÀN LAO ĐỘNG TỈNH BÌNH PHƯỚC", abbreviation="LĐLĐ", place_name="Bình Phước",
         signing_body="BAN THƯỜNG VỤ", head_name="Lê Thị Xuân Trang", parent="tld"),
    dict(code="ldld-phu-rieng", level="upper_grassroots", name="Liên đoàn Lao động huyện Phú Riềng",
         header_name="LIÊN ĐOÀN LAO ĐỘNG HUYỆN PHÚ RIỀNG", abbreviation="LĐLĐ", place_name="Phú Riềng",
         signing_body="BAN THƯỜNG VỤ", head_name="Nguyễn Văn Hùng", parent="ldld-binh-phuoc"),
    dict(code="ldld-bu-dang", level="upper_grassroots", name="Liên đoàn Lao động huyện Bù Đăng",
         header_name="LIÊN ĐOÀN LAO ĐỘNG HUYỆN BÙ ĐĂNG", abbreviation="LĐLĐ", place_name="Bù Đăng",
         signing_body="BAN THƯỜNG VỤ", head_name="Điểu Thị Hường", parent="ldld-binh-phuoc"),
    dict(code="cdcs-cao-su-phu-rieng", level="grassroots",
         name="Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng",
         header_name="CÔNG ĐOÀN CÔNG TY TNHH MTV CAO SU PHÚ RIỀNG", abbreviation="CĐCS", place_name="Phú Riềng",
         signing_body="BAN CHẤP HÀNH", head_name="Trần Quốc Dũng", parent="ldld-phu-rieng"),
    dict(code="cdcs-thcs-phu-trung", level="grassroots", name="Công đoàn cơ sở Trường THCS Phú Trung",
         header_name="CÔNG ĐOÀN TRƯỜNG THCS PHÚ TRUNG", abbreviation="CĐCS", place_name="Phú Riềng",
         signing_body="BAN CHẤP HÀNH", head_name="Phạm Thị Ngọc Ánh", parent="ldld-phu-rieng"),
    dict(code="cdcs-mn-tuoi-hong", level="grassroots", name="Công đoàn cơ sở Trường Mầm non Tuổi Hồng",
         header_name="CÔNG ĐOÀN TRƯỜNG MẦM NON TUỔI HỒNG", abbreviation="CĐCS", place_name="Bù Đăng",
         signing_body="BAN CHẤP HÀNH", head_name="Hoàng Thị Lụa", parent="ldld-bu-dang"),
]

USERS = [
    ("officer", "Nguyễn Thị Hồng Nhung", "officer", "cdcs-cao-su-phu-rieng"),
    ("officer2", "Lê Văn Đức", "officer", "cdcs-thcs-phu-trung"),
    ("officer3", "Y Sơn Niê", "officer", "cdcs-mn-tuoi-hong"),
    ("reviewer", "Đặng Minh Quân", "reviewer", "ldld-phu-rieng"),
    ("reviewer2", "Vũ Thị Thu Hà", "reviewer", "ldld-bu-dang"),
    ("liaison", "Hồ Ngọc Ẩn", "liaison", "ldld-binh-phuoc"),
    ("admin", "Trịnh Minh Khoa", "admin", "ldld-binh-phuoc"),
]

RULE_SETS = [
    dict(kind="child_heart", jurisdiction="tld", valid_from=date(2014, 3, 28), valid_to=None,
         basis="Quyết định số 378/QĐ-TLĐ ngày 28/3/2014 của Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam "
               "ban hành Chương trình “Vì trái tim và nụ cười trẻ thơ”",
         params={"max_age_years": 16, "caps_vnd": {"congenital_heart": 50_000_000, "cleft": 10_000_000}}),
    dict(kind="creative_labour", jurisdiction="tld", valid_from=date(2014, 12, 24), valid_to=None,
         basis="Quyết định số 1564/QĐ-TLĐ ngày 24/12/2014 của Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam "
               "ban hành Quy chế khen thưởng của tổ chức Công đoàn (Điều 16)",
         params={"categories": {
             "A": {"total_vnd": 80_000_000, "three_consecutive_years_vnd": 120_000_000},
             "B": {"total_vnd": 150_000_000},
             "C": {"total_vnd": 200_000_000}}}),
    dict(kind="union_housing", jurisdiction="ldld-binh-phuoc", valid_from=date(2022, 1, 1), valid_to=None,
         basis="Mức hỗ trợ nhà “Mái ấm Công đoàn” từ Quỹ hỗ trợ xã hội Công đoàn tỉnh Bình Phước "
               "(30.000.000 đồng mỗi căn, áp dụng từ năm 2022)",
         params={"caps_vnd": {"new_build": 30_000_000, "repair": 30_000_000}, "min_member_years": None}),
    dict(kind="accident_aid", jurisdiction="tld", valid_from=date(2025, 10, 16), valid_to=None,
         basis="Kế hoạch chăm lo Tết Bính Ngọ 2026 của Tổng Liên đoàn Lao động Việt Nam "
               "(1.300.000 đồng mỗi suất: 1.000.000 đồng tiền mặt và 300.000 đồng hiện vật)",
         params={"occasions": {"Tết Bính Ngọ 2026": 1_300_000}}),
]


# The plan the demo's dossiers answer. Its number and date are made up for the demo; the phases are the seed
# plan's (issue 5): phase I until 31/12/2017, phase II from 01/01/2018 to 31/03/2018.
CAMPAIGNS = [
    dict(title="Kế hoạch xét chọn, đề nghị khen thưởng và hỗ trợ đoàn viên, người lao động năm 2017–2018",
         plan_number="45/KH-LĐLĐ", plan_date=date(2017, 9, 15), issuer="ldld-binh-phuoc", kinds=[],
         phases=[(N_("Đợt I"), None, date(2017, 12, 31)), (N_("Đợt II"), date(2018, 1, 1), date(2018, 3, 31))]),
]


def seed_demo(password: str = "demo") -> bool:
    """Create the demo data once; returns False when it is already there."""
    if db.session.scalar(sa.select(Organisation).where(Organisation.code == "tld")) is not None:
        return False
    orgs: dict[str, Organisation] = {}
    for spec in ORGANISATIONS:
        spec = dict(spec)
        parent = spec.pop("parent")
        orgs[spec["code"]] = org = Organisation(parent=orgs.get(parent), valid_from=date(2017, 1, 1), **spec)
        db.session.add(org)
    for username, full_name, role, org_code in USERS:
        user = User(username=username, full_name=full_name, role=role, organisation=orgs[org_code],
                    email=f"{username}@example.org")
        user.set_password(password)
        db.session.add(user)
    for spec in RULE_SETS:
        spec = dict(spec)
        db.session.add(RuleSet(jurisdiction=orgs[spec.pop("jurisdiction")], **spec))
    for spec in CAMPAIGNS:
        spec = dict(spec)
        phases = [CampaignPhase(name=name, starts_on=start, ends_on=end) for name, start, end in spec.pop("phases")]
        db.session.add(Campaign(issuer=orgs[spec.pop("issuer")], phases=phases, **spec))
    db.session.flush()
    return True
