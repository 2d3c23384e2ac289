"""Demo data (DESIGN §6): the union's tree as it was in 2017 and as it is since 1 July 2025, the demo users
(password `demo`), the published rule sets and the routes of each kind.

The tree is built as it stood in 2017 (the Confederation; LĐLĐ tỉnh Bình Phước with the district federations of
Phú Riềng and Bù Đăng and their grassroots unions; a grassroots union directly under the province; LĐLĐ tỉnh
Đồng Nai), then restructured through the real operation (workflow/restructuring): on 30/06/2025 the district
federations end, succeeded by two commune unions of Đồng Nai, and Bình Phước ends, succeeded by Đồng Nai. Their
units and users move with them, so that a 2017 document still names "LĐLĐ HUYỆN PHÚ RIỀNG / LĐLĐ TỈNH BÌNH
PHƯỚC" while today's dossiers go to the commune union and to Đồng Nai. `restructure=False` leaves the 2017 tree
(the demo's sample work plays 2017–2018 on it first: workflow/demo_data.py). Names marked invented in the
README are not sourced."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from .auth.models import OPERATOR, User
from .campaigns.models import Campaign, CampaignPhase
from .dossiers.citations import parse_citation
from .dossiers.models import Route, RuleSet
from .extensions import db
from .i18n import N_  # phase names are data; the usual ones are translated where shown
from .orgs.models import Organisation, OrganisationPlacement

ORGANISATIONS = [
    dict(code="tld", level="confederation", name="Tổng Liên đoàn Lao động Việt Nam",
         header_name="TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM", abbreviation="TLĐ", place_name="Hà Nội",
         signing_body="ĐOÀN CHỦ TỊCH", head_name="Nguyễn Văn Thành", parent=None,
         drafting_unit="CSPL", finance_office="Ban Tài chính"),
    dict(code="ldld-binh-phuoc", level="province", name="Liên đoàn Lao động tỉnh Bình Phước",
         header_name="LIÊN ĐOÀN LAO ĐỘNG TỈNH BÌNH PHƯỚC", abbreviation="LĐLĐ", place_name="Bình Phước",
         signing_body="BAN THƯỜNG VỤ", head_name="Lê Thị Xuân Trang", parent="tld",
         drafting_unit="CSPL", finance_office="Ban Tài chính", office_address="trụ sở Liên đoàn Lao động tỉnh"),
    dict(code="ldld-dong-nai", level="province", name="Liên đoàn Lao động tỉnh Đồng Nai",
         header_name="LIÊN ĐOÀN LAO ĐỘNG TỈNH ĐỒNG NAI", abbreviation="LĐLĐ", place_name="Đồng Nai",
         signing_body="BAN THƯỜNG VỤ", head_name="Nguyễn Thị Như Ý", parent="tld",
         # a deputy signs for the chair (KT.), as provincial federations commonly do for support decisions
         signing_authority="KT.", signer_title="PHÓ CHỦ TỊCH", signer_name="Phạm Văn Lực",
         drafting_unit="CSPL", finance_office="Ban Tài chính",
         # its documents are signed by that deputy (user "leader") before they are issued: the signing step
         signed_by_signer=["TTr", "TB", "BB", "QĐ"]),
    dict(code="ldld-phu-rieng", level="upper_grassroots", name="Liên đoàn Lao động huyện Phú Riềng",
         header_name="LIÊN ĐOÀN LAO ĐỘNG HUYỆN PHÚ RIỀNG", abbreviation="LĐLĐ", place_name="Phú Riềng",
         signing_body="BAN THƯỜNG VỤ", head_name="Nguyễn Văn Hùng", parent="ldld-binh-phuoc",
         drafting_unit="VP", finance_office="Bộ phận Tài chính", record_approval=True),
    dict(code="ldld-bu-dang", level="upper_grassroots", name="Liên đoàn Lao động huyện Bù Đăng",
         header_name="LIÊN ĐOÀN LAO ĐỘNG HUYỆN BÙ ĐĂNG", abbreviation="LĐLĐ", place_name="Bù Đăng",
         signing_body="BAN THƯỜNG VỤ", head_name="Điểu Thị Hường", parent="ldld-binh-phuoc",
         drafting_unit="VP", finance_office="Bộ phận Tài chính"),
    dict(code="cd-xa-phu-rieng", level="upper_grassroots", name="Công đoàn xã Phú Riềng",
         header_name="CÔNG ĐOÀN XÃ PHÚ RIỀNG", abbreviation="CĐX", place_name="Phú Riềng",
         signing_body="BAN THƯỜNG VỤ", head_name="Nguyễn Văn Hùng", parent="ldld-dong-nai",
         valid_from=date(2025, 7, 1), drafting_unit="VP", finance_office="Bộ phận Tài chính", record_approval=True),
    dict(code="cd-xa-bu-dang", level="upper_grassroots", name="Công đoàn xã Bù Đăng",
         header_name="CÔNG ĐOÀN XÃ BÙ ĐĂNG", abbreviation="CĐX", place_name="Bù Đăng",
         signing_body="BAN THƯỜNG VỤ", head_name="Điểu Thị Hường", parent="ldld-dong-nai",
         valid_from=date(2025, 7, 1), drafting_unit="VP", finance_office="Bộ phận Tài chính"),
    dict(code="cdcs-cao-su-phu-rieng", level="grassroots",
         name="Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng",
         header_name="CÔNG ĐOÀN CÔNG TY TNHH MTV CAO SU PHÚ RIỀNG", short_header_name="CĐCS CTY CAO SU PHÚ RIỀNG",
         abbreviation="CĐCS", place_name="Phú Riềng",
         signing_body="BAN CHẤP HÀNH", finance_office="Kế toán",
         head_name="Trần Quốc Dũng", parent="ldld-phu-rieng"),
    dict(code="cdcs-thcs-phu-trung", level="grassroots", name="Công đoàn cơ sở Trường THCS Phú Trung",
         header_name="CÔNG ĐOÀN TRƯỜNG THCS PHÚ TRUNG", abbreviation="CĐCS", place_name="Phú Riềng",
         signing_body="BAN CHẤP HÀNH", finance_office="Kế toán",
         head_name="Phạm Thị Ngọc Ánh", parent="ldld-phu-rieng"),
    dict(code="cdcs-mn-tuoi-hong", level="grassroots", name="Công đoàn cơ sở Trường Mầm non Tuổi Hồng",
         header_name="CÔNG ĐOÀN TRƯỜNG MẦM NON TUỔI HỒNG", abbreviation="CĐCS", place_name="Bù Đăng",
         signing_body="BAN CHẤP HÀNH", finance_office="Kế toán",
         head_name="Hoàng Thị Lụa", parent="ldld-bu-dang"),
    dict(code="cdcs-th-long-ha", level="grassroots", name="Công đoàn cơ sở Trường Tiểu học Long Hà",
         header_name="CÔNG ĐOÀN TRƯỜNG TIỂU HỌC LONG HÀ", abbreviation="CĐCS", place_name="Phú Riềng",
         signing_body="BAN CHẤP HÀNH", finance_office="Kế toán",
         head_name="Nguyễn Thị Thanh Tâm", parent="ldld-phu-rieng"),
    dict(code="cdcs-nong-san-dong-xoai", level="grassroots",
         name="Công đoàn cơ sở Công ty Cổ phần Chế biến Nông sản Đồng Xoài",
         header_name="CÔNG ĐOÀN CÔNG TY CỔ PHẦN CHẾ BIẾN NÔNG SẢN ĐỒNG XOÀI",
         short_header_name="CĐCS CTY CP NÔNG SẢN ĐỒNG XOÀI", abbreviation="CĐCS",
         place_name="Đồng Xoài", signing_body="BAN CHẤP HÀNH", finance_office="Kế toán",
         head_name="Lâm Thị Kim Yến", parent="ldld-binh-phuoc"),
]

# (the organisation, its successor, its last day): the 2025 restructuring, in the order it happened. A public
# school's union is dissolved (its members paid from the state budget, NQ 60-NQ/TW: by 15/06/2025), then the
# district federations end and Bình Phước merges into Đồng Nai (01/07/2025).
ENDINGS = [
    ("cdcs-th-long-ha", None, date(2025, 6, 14)),
    ("ldld-phu-rieng", "cd-xa-phu-rieng", date(2025, 6, 30)),
    ("ldld-bu-dang", "cd-xa-bu-dang", date(2025, 6, 30)),
    ("ldld-binh-phuoc", "ldld-dong-nai", date(2025, 6, 30)),
]

# Where each user acted in 2017; the endings move them to the successors.
USERS = [
    ("officer", "Nguyễn Thị Hồng Nhung", "officer", "cdcs-cao-su-phu-rieng"),
    ("officer2", "Lê Văn Đức", "officer", "cdcs-thcs-phu-trung"),
    ("officer3", "Y Sơn Niê", "officer", "cdcs-mn-tuoi-hong"),
    ("officer4", "Phan Thị Mỹ Linh", "officer", "cdcs-nong-san-dong-xoai"),
    ("officer5", "Trần Văn Lợi", "officer", "cdcs-th-long-ha"),
    ("reviewer", "Đặng Minh Quân", "staff", "ldld-phu-rieng"),
    ("reviewer2", "Vũ Thị Thu Hà", "staff", "ldld-bu-dang"),
    ("liaison", "Hồ Ngọc Ẩn", "staff", "ldld-binh-phuoc"),
    ("leader", "Phạm Văn Lực", "staff", "ldld-dong-nai"),
    ("admin", "Trịnh Minh Khoa", "admin", "ldld-binh-phuoc"),
    ("tld", "Đỗ Thị Thanh Bình", "staff", "tld"),
]

# The regulations as a document's "Căn cứ" cites them (dossiers/citations.py); numbers and dates from
# domain-research §A. Where a number is not known (a province's fund rules, the Tết plan), none is invented.
CITE_378 = dict(type="Quyết định", number="378/QĐ-TLĐ", date="2014-03-28",
                issuer="Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam",
                subject="ban hành Chương trình “Vì trái tim và nụ cười trẻ thơ”")
CITE_1564 = dict(type="Quyết định", number="1564/QĐ-TLĐ", date="2014-12-24",
                 issuer="Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam",
                 subject="ban hành Quy chế khen thưởng của tổ chức Công đoàn")

# The positions a review record prints after the reviewer's name (invented, like the names).
JOB_TITLES = {"reviewer": "Ủy viên Ban Thường vụ", "reviewer2": "Ủy viên Ban Thường vụ",
              "liaison": "Trưởng Ban Chính sách – Pháp luật", "tld": "Chuyên viên Ban Chính sách – Pháp luật",
              "leader": "Phó Chủ tịch"}
SIGNERS = {"leader"}  # who sign their organisation's documents (signing/step.py)

RULE_SETS = [
    dict(kind="child_heart", jurisdiction="tld", valid_from=date(2014, 3, 28), valid_to=None,
         basis="Quyết định số 378/QĐ-TLĐ ngày 28/3/2014 của Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam "
               "ban hành Chương trình “Vì trái tim và nụ cười trẻ thơ”",
         citation=dict(CITE_378), fund="Quỹ Bảo trợ trẻ em của Công đoàn Việt Nam",
         params={"max_age_years": 16, "caps_vnd": {"congenital_heart": 50_000_000, "cleft": 10_000_000}}),
    dict(kind="creative_labour", jurisdiction="tld", valid_from=date(2014, 12, 24), valid_to=None,
         basis="Quyết định số 1564/QĐ-TLĐ ngày 24/12/2014 của Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam "
               "ban hành Quy chế khen thưởng của tổ chức Công đoàn (Điều 16)",
         citation=dict(CITE_1564), fund="Quỹ khen thưởng của Tổng Liên đoàn Lao động Việt Nam",
         params={"categories": {
             "A": {"total_vnd": 80_000_000, "three_consecutive_years_vnd": 120_000_000},
             "B": {"total_vnd": 150_000_000},
             "C": {"total_vnd": 200_000_000}}}),
    dict(kind="union_housing", jurisdiction="ldld-binh-phuoc", valid_from=date(2022, 1, 1), valid_to=None,
         basis="Mức hỗ trợ nhà “Mái ấm Công đoàn” từ Quỹ hỗ trợ xã hội Công đoàn tỉnh Bình Phước "
               "(30.000.000 đồng mỗi căn, áp dụng từ năm 2022)",
         citation=dict(type="Quy chế", issuer="Ban Thường vụ Liên đoàn Lao động tỉnh Bình Phước",
                       subject="quản lý và sử dụng Quỹ hỗ trợ xã hội Công đoàn tỉnh Bình Phước"),
         fund="Quỹ hỗ trợ xã hội Công đoàn tỉnh Bình Phước",
         params={"caps_vnd": {"new_build": 30_000_000, "repair": 30_000_000}, "min_member_years": None}),
    dict(kind="union_housing", jurisdiction="ldld-dong-nai", valid_from=date(2025, 7, 1), valid_to=None,
         basis="Mức hỗ trợ nhà “Mái ấm Công đoàn” của LĐLĐ tỉnh Bình Phước (30.000.000 đồng mỗi căn) tiếp tục áp "
               "dụng sau hợp nhất cho đến khi LĐLĐ tỉnh Đồng Nai ban hành mức mới (giả định của bản demo)",
         citation=dict(type="Quy chế", issuer="Ban Thường vụ Liên đoàn Lao động tỉnh Bình Phước",
                       subject="quản lý và sử dụng Quỹ hỗ trợ xã hội Công đoàn tỉnh Bình Phước, tiếp tục áp dụng "
                               "tại Liên đoàn Lao động tỉnh Đồng Nai sau hợp nhất"),
         fund="Quỹ hỗ trợ xã hội Công đoàn tỉnh Đồng Nai",
         params={"caps_vnd": {"new_build": 30_000_000, "repair": 30_000_000}, "min_member_years": None}),
    dict(kind="accident_aid", jurisdiction="tld", valid_from=date(2025, 10, 16), valid_to=None,
         basis="Kế hoạch chăm lo Tết Bính Ngọ 2026 của Tổng Liên đoàn Lao động Việt Nam "
               "(1.300.000 đồng mỗi suất: 1.000.000 đồng tiền mặt và 300.000 đồng hiện vật)",
         citation=dict(type="Kế hoạch", issuer="Tổng Liên đoàn Lao động Việt Nam",
                       subject="tổ chức chăm lo Tết Bính Ngọ 2026 cho đoàn viên, người lao động"),
         fund="nguồn tài chính công đoàn của đơn vị quyết định hỗ trợ, theo Kế hoạch chăm lo Tết của Tổng Liên đoàn",
         params={"occasions": {"Tết Bính Ngọ 2026": 1_300_000}}),
]

# Who acts on each kind (domain-research §F): the defaults, for the whole union from the regulations' dates.
ROUTES = [
    dict(kind="creative_labour", jurisdiction="tld", valid_from=date(2014, 12, 24), valid_to=None,
         basis="Quyết định số 1564/QĐ-TLĐ ngày 24/12/2014: Bằng “Lao động sáng tạo” do Đoàn Chủ tịch Tổng Liên đoàn "
               "tặng; công đoàn cấp trên trực tiếp cơ sở và LĐLĐ tỉnh xét chọn, đề nghị",
         citation=dict(CITE_1564),
         steps=[{"level": "upper_grassroots", "role": "review"}, {"level": "province", "role": "review"},
                {"level": "confederation", "role": "decide"}]),
    dict(kind="child_heart", jurisdiction="tld", valid_from=date(2014, 3, 28), valid_to=None,
         basis="Quyết định số 378/QĐ-TLĐ ngày 28/3/2014: Quỹ Bảo trợ trẻ em Công đoàn Việt Nam xét hỗ trợ theo đề "
               "nghị của LĐLĐ tỉnh, thành phố",
         citation=dict(CITE_378),
         steps=[{"level": "upper_grassroots", "role": "review"}, {"level": "province", "role": "review"},
                {"level": "confederation", "role": "decide"}]),
    dict(kind="union_housing", jurisdiction="tld", valid_from=date(2014, 1, 1), valid_to=None,
         basis="Nhà “Mái ấm Công đoàn” được hỗ trợ từ quỹ xã hội của LĐLĐ tỉnh, thành phố: LĐLĐ tỉnh quyết định",
         steps=[{"level": "upper_grassroots", "role": "review"}, {"level": "province", "role": "decide"}]),
    dict(kind="accident_aid", jurisdiction="tld", valid_from=date(2014, 1, 1), valid_to=None,
         basis="Công đoàn cấp trên trực tiếp cơ sở hỗ trợ từ nguồn tài chính của mình đến 2.000.000 đồng mỗi trường "
               "hợp, trường hợp lớn hơn trình LĐLĐ tỉnh quyết định (mức giả định của bản demo)",
         steps=[{"level": "upper_grassroots", "role": "review", "decides_up_to_vnd": 2_000_000},
                {"level": "province", "role": "decide"}]),
]


for _spec in (*RULE_SETS, *ROUTES):  # stored as the app stores a citation (every key, null where unknown)
    _spec["citation"] = parse_citation(_spec.get("citation"))


# The plan the 2017–2018 dossiers answer. Its number and date are made up for the demo; the phases are the seed
# plan's (issue 5): phase I until 31/12/2017, phase II from 01/01/2018 to 31/03/2018.
CAMPAIGNS = [
    dict(title="Kế hoạch xét chọn, đề nghị khen thưởng và hỗ trợ đoàn viên, người lao động năm 2017–2018",
         plan_number="45/KH-LĐLĐ", plan_date=date(2017, 9, 15), issuer="ldld-binh-phuoc", kinds=[],
         phases=[(N_("Đợt I"), None, date(2017, 12, 31)), (N_("Đợt II"), date(2018, 1, 1), date(2018, 3, 31))]),
]


def seed_national() -> Organisation | None:
    """What every installation starts from: the Confederation, with the national rule sets and routes (their basis
    in the rows above). None when it is already there. Its head's name is left for the admin to enter."""
    if db.session.scalar(sa.select(Organisation).where(Organisation.code == "tld")) is not None:
        return None
    spec = {key: value for key, value in ORGANISATIONS[0].items() if key not in ("parent", "head_name")}
    tld = Organisation(**spec, head_name="")
    db.session.add(tld)
    for spec in RULE_SETS:
        if spec["jurisdiction"] == "tld":
            db.session.add(RuleSet(jurisdiction=tld, **{k: v for k, v in spec.items() if k != "jurisdiction"}))
    for spec in ROUTES:
        if spec["jurisdiction"] == "tld":
            db.session.add(Route(jurisdiction=tld, **{k: v for k, v in spec.items() if k != "jurisdiction"}))
    db.session.flush()
    return tld


def seed_demo(password: str = "demo", *, restructure: bool = True) -> bool:
    """Create the demo data once; returns False when it is already there."""
    tld = seed_national()
    if tld is None:
        return False
    tld.head_name = ORGANISATIONS[0]["head_name"]
    orgs: dict[str, Organisation] = {"tld": tld}
    for spec in ORGANISATIONS[1:]:
        spec = dict(spec)
        parent = spec.pop("parent")
        spec.setdefault("valid_from", None)
        orgs[spec["code"]] = org = Organisation(**spec)
        db.session.add(org)
        if parent:
            db.session.add(OrganisationPlacement(organisation=org, parent=orgs[parent], valid_from=spec["valid_from"]))
    for username, full_name, role, org_code in USERS:
        user = User(username=username, full_name=full_name, role=role, organisation=orgs[org_code],
                    email=f"{username}@example.org", job_title=JOB_TITLES.get(username, ""),
                    signs_documents=username in SIGNERS)
        user.set_password(password)
        db.session.add(user)
    for spec in RULE_SETS:
        if spec["jurisdiction"] != "tld":
            spec = dict(spec)
            db.session.add(RuleSet(jurisdiction=orgs[spec.pop("jurisdiction")], **spec))
    for spec in ROUTES:
        if spec["jurisdiction"] != "tld":
            spec = dict(spec)
            db.session.add(Route(jurisdiction=orgs[spec.pop("jurisdiction")], **spec))
    for spec in CAMPAIGNS:
        spec = dict(spec)
        phases = [CampaignPhase(name=name, starts_on=start, ends_on=end) for name, start, end in spec.pop("phases")]
        db.session.add(Campaign(issuer=orgs[spec.pop("issuer")], phases=phases, **spec))
    db.session.flush()
    if restructure:
        restructure_2025()
    return True


def restructure_2025() -> None:
    """The 2025 endings, through the real operation (as the server's operator)."""
    for ending in ENDINGS:
        end(*ending)


def end(code: str, successor_code: str | None, last_day: date) -> None:
    from .restructuring.operations import end_organisation

    orgs = {o.code: o for o in db.session.scalars(sa.select(Organisation).where(
        Organisation.code.in_([code, successor_code or code])))}
    end_organisation(OPERATOR, orgs[code], last_day, orgs.get(successor_code))
