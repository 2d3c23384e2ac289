"""The official documents attacked by a hostile or careless user and read by a clerk: markup, template syntax and
odd characters in every field that reaches a PDF (dossier data, reasons, organisation header fields, signer and
job title, citations and fund) printed literally with nothing fetched; amounts at their limits in words and
unbroken; forty dossiers in one batch and one bulk decision; every signing authority and the review record's
approval; refused signing settings; renaming from a date; another federation's admin and a missing CSRF token.

Each defect the attack found was first reproduced here and has been fixed since: every test is an ordinary one,
kept as a regression test."""
from __future__ import annotations

import contextlib
import html
import io
import re
from datetime import date

import pdfplumber
import pytest
import sqlalchemy as sa

from tests.admin.test_organisations_and_users import _other_federation
from tests.conftest import tiny_pdf

MM = 72 / 25.4
ORGS = "/api/v1/organisations"
AMOUNT = re.compile(r"^\d{1,3}(\.\d{3})+$")
LEFT_COLUMN_END_MM = 30 + 76  # binding margin + the heading's left column (pdf/heading.py LEFT_COLUMN_MM)
MARKUP = "<b>X</b>{{ 7*7 }}</td><img src=file:///etc/passwd>"


# --- helpers ---------------------------------------------------------------------------------------------------

def _read(api, user, document) -> bytes:
    response = api.get(user, document["url"])
    assert response.status_code == 200, (user, document.get("number"))
    return response.data


VERIFICATION_LINE = re.compile(r" ?Mã tra cứu: \S+ Kiểm tra văn bản này tại \S+ hoặc quét mã QR\.")


def _text(data: bytes) -> str:
    """The document's text, without the verification line printed under the signatures."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)
    return VERIFICATION_LINE.sub("", text)


def _despaced(value: str) -> str:
    """Line breaks fall anywhere in a long token ("</" + "td>"): compare without whitespace."""
    return re.sub(r"\s+", "", value)


def _lines(page) -> list[list[dict]]:
    """The page's words grouped into lines (same baseline within 1 pt), top to bottom, left to right."""
    return _lines_of(page.extract_words())


def _org_id(app, code) -> int:
    from workflow.extensions import db
    from workflow.orgs.models import Organisation

    with app.app_context():
        return db.session.scalar(sa.select(Organisation.id).where(Organisation.code == code))


def _org(app, code):
    from workflow.extensions import db
    from workflow.orgs.models import Organisation

    with app.app_context():
        org = db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
        db.session.expunge(org)
        return org


def _user_id(app, username) -> int:
    from workflow.auth.models import User
    from workflow.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


@contextlib.contextmanager
def _unrendered():
    """The documents of the set-up steps are not what a test reads: stored as a blank page, not rendered."""
    from workflow.pdf import issue, render

    real = issue.html_to_pdf
    issue.html_to_pdf = lambda html: render.RenderedPdf(tiny_pdf(), 1)
    try:
        yield
    finally:
        issue.html_to_pdf = real


def _signing_block(data: bytes) -> list[str]:
    """The lines of the right-hand signing block of the last page, top to bottom (the receivers left out)."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[-1]
        anchor = next(w for w in page.extract_words() if w["text"] == "nhận:")
        code = next(w for w in page.extract_words() if w["text"] == "tra" and w["top"] > anchor["top"])
        words = [w for w in page.extract_words() if anchor["top"] - 1 <= w["top"] < code["top"] - 1
                 and w["x0"] > 100 * MM]  # above the verification line
        return [" ".join(w["text"] for w in line) for line in _lines_of(words)]


def _lines_of(words) -> list[list[dict]]:
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["bottom"]), w["x0"])):
        if lines and abs(lines[-1][0]["bottom"] - word["bottom"]) < 1:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _issuer_heading_extent(data: bytes) -> tuple[float, float, str]:
    """(left, right) in mm and the text of the issuing body's heading line: the bold line of the left column under
    its parent line (the chars in bold, at most 12 pt, below the national name and above "Số:")."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        number = next(w for w in page.extract_words() if w["text"] == "Số:")
        bold = [c for c in page.chars if "Bold" in c["fontname"] and c["size"] < 12.5 and c["text"].strip()
                and c["bottom"] < number["top"]]
        national = min(c["bottom"] for c in bold)
        line = sorted((c for c in bold if c["bottom"] - national > 2), key=lambda c: c["x0"])
        return line[0]["x0"] / MM, line[-1]["x1"] / MM, "".join(c["text"] for c in line)


def _error_beside(page: str, name: str) -> str:
    """The messages under an input of the admin forms (templates/admin/_form.html: id="<name>-error")."""
    found = re.search(rf'id="{re.escape(name)}-error">(.*?)</div>\s*</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def _inside_margins(data: bytes) -> list[str]:
    """Words beyond the 15 mm right margin (or left of the 30 mm one), as 'page: word'."""
    out = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for w in page.extract_words():
                if w["x1"] > page.width - 15 * MM + 2 or w["x0"] < 30 * MM - 1:
                    out.append(f"{number}: {w['text'][:30]}")
    return out


def _no_amount_broken(data: bytes) -> None:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            lines = _lines(page)
            for before, after in zip(lines, lines[1:], strict=False):
                if after[0]["text"] in ("đ", "đồng", "đồng)", "đồng;", "đồng.", "đồng).") and abs(
                        after[0]["x0"] - before[0]["x0"]) < 200:
                    assert not AMOUNT.match(before[-1]["text"]), (before[-1]["text"], after[0]["text"])


# --- hostile text: printed literally, nothing fetched, no 500 ----------------------------------------------------

def test_markup_and_template_syntax_in_a_dossier_and_a_reason_print_literally_and_fetch_nothing(api, monkeypatch):
    from workflow.pdf import render

    fetched = []
    real_fetch = render.ShippedFontsOnly.fetch
    monkeypatch.setattr(render.ShippedFontsOnly, "fetch",
                        lambda self, url, headers=None: fetched.append(url) or real_fetch(self, url, headers))
    name = "Lê <b>Văn</b> {{ 7*7 }}"
    child = "{% raw %}Bé{% endraw %} {{ config }}"
    workplace = "Xưởng </td></tr></table><img src=file:///etc/passwd> e\u0301\u0301\u0301 😀"
    reason = f"{MARKUP} <link rel=stylesheet href=http://example.invalid/x.css> {{{{ request.environ }}}}"
    dossier = api.submitted(full_name=name, child_full_name=child, workplace=workplace, address="Ấp <i>3</i> & 4")
    request = _read(api, "officer", dossier["documents"][-1])
    dossier = api.fire_ok("reviewer", dossier, "return", comment=reason)
    notice = _read(api, "officer", dossier["documents"][-1])
    request_text, notice_text = _despaced(_text(request)), _despaced(_text(notice))
    for typed in (name, child, "Xưởng </td></tr></table><img src=file:///etc/passwd>", "Ấp <i>3</i> & 4"):
        assert _despaced(typed) in request_text, typed
    assert _despaced(reason) in notice_text and _despaced(name) in notice_text
    for data in (request, notice):
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            assert not any(page.images for page in pdf.pages)  # no <img> became an image
    assert all(url in render.ShippedFontsOnly.ALLOWED for url in fetched), fetched


def test_markup_in_organisation_header_fields_signer_and_job_title_prints_literally(app, api, browser):
    commune = _org_id(app, "cd-xa-phu-rieng")
    hostile = {"signing_body": "<b>BAN</b> {{ 7*7 }}", "head_title": "CHỦ TỊCH </td>",
               "head_name": "<img src=file:///etc/passwd>", "drafting_unit": "<u>VP</u>",
               "finance_office": "{% if 1 %}Ban{% endif %}", "office_address": "<script>x()</script>",
               "abbreviation": "C<Đ>X", "record_approval": True}
    changed = api.patch("admin", f"{ORGS}/{commune}", hostile)
    assert changed.status_code == 200, changed.json
    renamed = api.patch("admin", f"{ORGS}/{commune}", {"header_name": "<B>CĐ</B> XÃ {{ 7*7 }}", "on": "2026-01-05"})
    assert renamed.status_code == 200, renamed.json
    job = api.patch("admin", f"/api/v1/users/{_user_id(app, 'reviewer')}", {"job_title": "<i>Ủy viên</i> {{ 1 }}"})
    assert job.status_code == 200, job.json

    dossier = api.fire_ok("reviewer", api.submitted(), "approve")
    record = _read(api, "officer", dossier["documents"][-1])
    content = _despaced(_text(record))
    for typed in ("<script>x()</script>", "Người thẩm định: Đặng Minh Quân, <i>Ủy viên</i> {{ 1 }}",
                  "Số: 01/BB-C<Đ>X", "TM. <B>BAN</B> {{ 7*7 }}", "CHỦ TỊCH </TD>", "<img src=file:///etc/passwd>"):
        assert _despaced(typed) in content, typed
    left, right, line = _issuer_heading_extent(record)
    assert line == _despaced("<B>CĐ</B> XÃ {{ 7*7 }}") and right <= LEFT_COLUMN_END_MM + 0.5, (line, right)

    page = browser("admin").get(f"/admin/organisations/{commune}").get_data(as_text=True)
    assert "<img src=file:///etc/passwd>" not in page and "&lt;img src=file:///etc/passwd&gt;" in page
    assert "<b>BAN</b>" not in page and "<script>x()</script>" not in page


def test_markup_in_a_citation_and_a_fund_prints_literally(app, api):
    from workflow.dossiers.routing import add_route
    from workflow.dossiers.rules import add_rule_set
    from workflow.extensions import db

    province = _org_id(app, "ldld-dong-nai")
    with app.app_context():
        add_rule_set(None, kind="union_housing", jurisdiction_id=province, valid_from=date(2026, 1, 5), valid_to=None,
                     basis="<b>basis</b>", params={"caps_vnd": {"new_build": 30_000_000, "repair": 30_000_000}},
                     citation={"type": "Quyết định", "number": "<b>7</b>/QĐ", "date": "2026-01-02",
                               "issuer": "{{ 7*7 }} </td>",
                               "subject": "<img src=file:///etc/passwd> ban hành {% raw %}"},
                     fund="<script>Quỹ</script> {{ config }}")
        add_route(None, kind="union_housing", jurisdiction_id=province, valid_from=date(2026, 1, 5), valid_to=None,
                  basis="tuyến", steps=[{"level": "upper_grassroots", "role": "review"},
                                        {"level": "province", "role": "decide"}],
                  citation={"type": "Hướng dẫn", "number": "<i>9</i>/HD", "issuer": "Ban <u>Tài chính</u>",
                            "subject": "về {{ 1+1 }} &amp; việc"})
        db.session.commit()
    cited = ("Căn cứ Quyết định số <b>7</b>/QĐ ngày 02/01/2026 của {{ 7*7 }} </td> <img src=file:///etc/passwd> "
             "ban hành {% raw %}; Căn cứ Hướng dẫn số <i>9</i>/HD của Ban <u>Tài chính</u> về {{ 1+1 }} &amp; việc;")
    with _unrendered():
        dossier = api.fire_ok("reviewer", api.submitted(kind="union_housing"), "approve")
        api.forwarded(dossier)
    dossier = api.fire_ok("liaison", api.view("liaison", dossier), "accept", granted_amount_vnd=30_000_000)
    decision = _text(_read(api, "officer", dossier["documents"][-1]))
    assert "Căn cứ Điều lệ Công đoàn Việt Nam; " + cited in decision
    assert "Điều 2. Kinh phí hỗ trợ chi từ <script>Quỹ</script> {{ config }}." in decision


# --- amounts at their limits ---------------------------------------------------------------------------------------

IN_WORDS = {
    1: "Một đồng",
    999_999_999_999: "Chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín "
                     "trăm chín mươi chín đồng",
    10**13: "Mười nghìn tỷ đồng",  # the kinds' MAX_VND
}


@pytest.mark.parametrize("amount", list(IN_WORDS))
def test_amounts_at_their_limits_in_figures_and_words_never_broken(app, api, amount):
    from workflow.dossiers.kinds.base import MAX_VND
    from workflow.dossiers.models import RuleSet
    from workflow.extensions import db

    assert max(IN_WORDS) == MAX_VND
    with app.app_context():  # a province may set any cap; the kind's own limit is MAX_VND
        for rule_set in db.session.scalars(sa.select(RuleSet).where(RuleSet.kind == "union_housing")):
            rule_set.params = {**rule_set.params, "caps_vnd": {"new_build": MAX_VND, "repair": MAX_VND}}
        db.session.commit()
    figure = f"{amount:,}".replace(",", ".")
    phrase = f"{figure} đồng (Bằng chữ: {IN_WORDS[amount]})"
    dossier = api.submitted(kind="union_housing", estimated_cost_vnd=amount, own_contribution_vnd=0,
                            requested_amount_vnd=amount)
    request = _read(api, "officer", dossier["documents"][-1])
    with _unrendered():
        dossier = api.fire_ok("reviewer", dossier, "approve")
    batch = api.forwarded(dossier)
    forwarded = _read(api, "reviewer", batch["documents"][0])
    dossier = api.fire_ok("liaison", api.view("liaison", dossier), "accept", granted_amount_vnd=amount)
    decision = _read(api, "officer", dossier["documents"][-1])
    for data in (request, forwarded, decision):
        assert phrase in _text(data)
        _no_amount_broken(data)
        assert not _inside_margins(data)
    assert f"Tổng số tiền đề nghị hỗ trợ bằng chữ: {IN_WORDS[amount]}." in _text(forwarded)


# --- forty dossiers in one batch, accepted in bulk ----------------------------------------------------------------

_forty: dict[str, bytes] = {}


@pytest.fixture
def forty(api):
    """Forty housing dossiers of two unions (alternating) forwarded together and accepted in one decision."""
    if not _forty:
        with _unrendered():
            many = [api.approved("officer" if i % 2 else "officer2", "union_housing", full_name=f"Đoàn Viên Số {i + 1}",
                                 citizen_id=f"0701900{i:05d}") for i in range(40)]
        batch = api.forwarded(*many)
        _forty["list"] = _read(api, "reviewer", batch["documents"][0])
        items = [{"dossier_id": d["id"], "version": api.view("liaison", d)["version"],
                  "granted_amount_vnd": 30_000_000} for d in many]
        decided = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {"event": "accept", "items": items})
        assert decided.status_code == 200 and all(r["ok"] for r in decided.json["results"]), decided.json
        _forty["decision"] = _read(api, "liaison", decided.json["decision"])
    return _forty


def _list_pages(data: bytes):
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [(number, page.width > page.height, page.extract_words(), _lines(page))
                for number, page in enumerate(pdf.pages, start=1)]


@pytest.mark.parametrize("which", ["list", "decision"])
def test_forty_dossiers_list_pages_are_numbered_with_the_heading_row_repeated(forty, which):
    pages = _list_pages(forty[which])
    landscape = [p for p in pages if p[1]]
    assert len(landscape) >= 2, "forty rows fill more than one page"
    for number, _, words, lines in landscape:
        top = [w["text"] for w in words if w["bottom"] < 30 * MM and w["top"] > 5 * MM]
        assert top == [str(number)], (number, top)
        assert any(line[0]["text"] == "STT" for line in lines), f"page {number} repeats no heading row"
        assert min(w["top"] for w in words if w["bottom"] > 30 * MM) >= 30 * MM - 1
    assert not _inside_margins(forty[which])
    content = _text(forty[which])
    if which == "decision":
        assert "Hỗ trợ 40 đoàn viên có tên trong Danh sách kèm theo Quyết định này, tổng số tiền 1.200.000.000 đồng " \
               "(Bằng chữ: Một tỷ hai trăm triệu đồng)" in content
        assert "Tổng cộng: 40 trường hợp 1.200.000.000" in content
        assert content.endswith("Tổng số tiền bằng chữ: Một tỷ hai trăm triệu đồng.")
        indexes = [int(line[0]["text"]) for _, land, _, lines in pages if land for line in lines
                   if re.fullmatch(r"\d+", line[0]["text"]) and len(line) > 3 and line[1]["text"] == "Đoàn"]
        assert indexes == list(range(1, 41))
    else:
        assert "Qua thẩm định, có 40 hồ sơ đủ điều kiện" in content
        assert content.count("Cộng Công đoàn cơ sở") == 2 and "Tổng cộng: 40 hồ sơ 1.200.000.000" in content
        assert content.endswith("Tổng số tiền đề nghị hỗ trợ bằng chữ: Một tỷ hai trăm triệu đồng.")


def test_the_batch_list_numbers_its_rows_in_the_order_printed(forty):
    indexes = [int(line[0]["text"]) for _, land, _, lines in _list_pages(forty["list"]) if land for line in lines
               if re.fullmatch(r"\d+", line[0]["text"]) and len(line) > 3 and line[1]["text"] == "Đoàn"]
    assert len(indexes) == 40
    assert indexes == list(range(1, 41)), indexes


def test_a_bulk_decision_lists_only_the_dossiers_it_accepts(api):
    with _unrendered():
        many = [api.approved("officer", "union_housing", full_name=f"Đoàn Viên Số {i + 1}",
                             citizen_id=f"0701910{i:05d}") for i in range(5)]
        batch = api.forwarded(*many)
    items = [{"dossier_id": d["id"], "version": api.view("liaison", d)["version"], "granted_amount_vnd": 30_000_000}
             for d in many]
    items[1]["version"] += 7  # stale
    items[3]["granted_amount_vnd"] = 31_000_000  # more than asked
    decided = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {"event": "accept", "items": items})
    assert decided.status_code == 200 and [r["ok"] for r in decided.json["results"]] == [True, False, True, False, True]
    content = _text(_read(api, "liaison", decided.json["decision"]))
    assert "Hỗ trợ 3 đoàn viên sau đây:" in content
    assert "Đoàn Viên Số 2" not in content and "Đoàn Viên Số 4" not in content
    assert "Tổng số tiền: 90.000.000 đồng (Bằng chữ: Chín mươi triệu đồng)." in content


# --- who signs ----------------------------------------------------------------------------------------------------

SIGNER = {"signer_title": "CHÁNH VĂN PHÒNG", "signer_name": "Lê Thị Ký"}
BLOCKS = {  # the commune union (TM. BAN THƯỜNG VỤ, head CHỦ TỊCH Nguyễn Văn Hùng)
    "": ["TM. BAN THƯỜNG VỤ", "CHỦ TỊCH", "Nguyễn Văn Hùng"],
    "KT.": ["TM. BAN THƯỜNG VỤ", "KT. CHỦ TỊCH", "CHÁNH VĂN PHÒNG", "Lê Thị Ký"],
    "Q.": ["TM. BAN THƯỜNG VỤ", "Q. CHỦ TỊCH", "Lê Thị Ký"],
    "TL.": ["TL. BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG", "Lê Thị Ký"],
    "TUQ.": None,  # NĐ 30 Phụ lục I II.7.b puts TUQ. before the head's title: only its shape is pinned here
}


@pytest.mark.parametrize("authority", list(BLOCKS))
def test_every_signing_authority_set_by_the_province_admin_is_printed(app, api, authority):
    from workflow.pdf.signature import AUTHORITIES

    assert set(BLOCKS) == set(AUTHORITIES)
    commune = _org_id(app, "cd-xa-phu-rieng")
    changed = api.patch("admin", f"{ORGS}/{commune}", {"signing_authority": authority, **SIGNER})
    assert changed.status_code == 200, changed.json
    with _unrendered():
        dossier = api.submitted()
    dossier = api.fire_ok("reviewer", dossier, "return", comment="Bổ sung giấy tờ.")
    block = _signing_block(_read(api, "officer", dossier["documents"][-1]))
    if BLOCKS[authority] is None:
        assert block[0].startswith("TUQ. ") and block[-2:] == ["CHÁNH VĂN PHÒNG", "Lê Thị Ký"], block
    else:
        assert block == BLOCKS[authority], block
    with _unrendered():
        dossier = api.fire_ok("officer", dossier, "submit")
    dossier = api.fire_ok("reviewer", dossier, "approve")  # the commune records its leader's approval (seed)
    record = _text(_read(api, "officer", dossier["documents"][-1]))
    approval = record[record.index("DUYỆT"):]
    expected = BLOCKS[authority] or block
    assert approval.startswith("DUYỆT NGƯỜI THẨM ĐỊNH " + " ".join(expected[:-1])), approval
    assert approval.endswith(f"{expected[-1]} Đặng Minh Quân"), approval


def test_without_record_approval_the_review_record_is_signed_by_the_reviewer_alone(app, api):
    commune = _org_id(app, "cd-xa-phu-rieng")
    assert api.patch("admin", f"{ORGS}/{commune}", {"record_approval": False}).status_code == 200
    dossier = api.fire_ok("reviewer", api.submitted(), "approve")
    record = _text(_read(api, "officer", dossier["documents"][-1]))
    closing = record[record.index("Biên bản kết thúc cùng ngày"):]
    assert "DUYỆT" not in closing and "TM." not in closing and "Nguyễn Văn Hùng" not in closing
    assert closing.endswith("./. NGƯỜI THẨM ĐỊNH Đặng Minh Quân"), closing


@pytest.mark.parametrize("code, body, field", [
    ("cd-xa-phu-rieng", {"signing_authority": "KT.", "signer_title": "PHÓ CHỦ TỊCH"}, "signer_name"),
    ("cd-xa-phu-rieng", {"signing_authority": "Q.", "signer_title": "PHÓ CHỦ TỊCH"}, "signer_name"),
    ("cd-xa-phu-rieng", {"signing_authority": "TUQ.", "signer_name": "Lê Thị Ký"}, "signer_title"),
    ("cd-xa-phu-rieng", {"signing_authority": "TUQ.", "signer_title": "   ", "signer_name": "Lê Thị Ký"},
     "signer_title"),
    ("ldld-dong-nai", {"signer_name": "  "}, "signer_name"),  # the deputy who signs (KT.) cannot be left unnamed
    ("ldld-dong-nai", {"signer_title": ""}, "signer_title"),
    ("cd-xa-phu-rieng", {"signing_authority": "kt."}, "signing_authority"),
    ("cd-xa-phu-rieng", {"short_header_name": "CÔNG ĐOÀN XÃ PHÚ RIỀNG TỈNH ĐỒNG NAI MỚI"}, "short_header_name"),
])
def test_inconsistent_signing_settings_are_refused_naming_the_field(app, api, code, body, field):
    org = _org_id(app, code)
    before = api.get("admin", f"{ORGS}/{org}").json
    answer = api.patch("admin", f"{ORGS}/{org}", body)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"] and answer.json["errors"][field][0], answer.json
    assert api.get("admin", f"{ORGS}/{org}").json == before


def test_the_header_form_shows_a_missing_signer_title_beside_its_input(app, browser):
    from tests.admin.test_document_data import _header

    commune = _org_id(app, "cd-xa-phu-rieng")
    form = _header(_org(app, "cd-xa-phu-rieng"))
    refused = browser("admin").post(f"/admin/organisations/{commune}/header", {
        **form, "signing_authority": "TUQ.", "signer_title": "", "signer_name": "Lê Thị Ký"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Ghi chức danh và họ tên người ký" in _error_beside(page, "signer_title")
    assert _error_beside(page, "signer_name") == ""
    assert _org(app, "cd-xa-phu-rieng").signing_authority == ""


# --- another federation's admin, CSRF -------------------------------------------------------------------------------

def test_another_federations_admin_reaches_neither_the_page_nor_the_forms_and_a_form_needs_its_token(app, browser):
    from tests.admin.test_document_data import _header

    _other_federation(app)
    commune = _org_id(app, "cd-xa-phu-rieng")
    form = _header(_org(app, "cd-xa-phu-rieng"), head_name="Gián Điệp")
    spy = browser("admin-ld")
    for url in (f"/admin/organisations/{commune}", f"/admin/organisations/{commune}/header",
                f"/admin/organisations/{commune}/rename"):
        assert spy.get(url).status_code == 404, url
    assert spy.post(f"/admin/organisations/{commune}/header", form).status_code == 404
    assert spy.post(f"/admin/organisations/{commune}/rename", {"name": "Công đoàn xã Gián Điệp",
                                                               "on": "05/01/2026"}).status_code == 404
    admin = browser("admin")
    assert admin.client.post(f"/admin/organisations/{commune}/header", data=form).status_code == 400
    assert admin.client.post(f"/admin/organisations/{commune}/header",
                             data={**form, "csrf_token": "forged"}).status_code == 400
    assert admin.client.post(f"/admin/organisations/{commune}/rename",
                             data={"name": "Công đoàn xã Khác", "on": "05/01/2026"}).status_code == 400
    org = _org(app, "cd-xa-phu-rieng")
    assert (org.head_name, org.name) == ("Nguyễn Văn Hùng", "Công đoàn xã Phú Riềng")


# --- renaming from a date ------------------------------------------------------------------------------------------

def test_a_union_renamed_from_a_date_keeps_its_old_heading_on_earlier_documents(app, api, browser, today):
    union = _org_id(app, "cdcs-cao-su-phu-rieng")
    first = api.submitted()
    before = _read(api, "officer", first["documents"][-1])
    today(date(2026, 1, 6))
    renamed = browser("admin").post(f"/admin/organisations/{union}/rename", {
        "name": "Công đoàn cơ sở Tổng công ty Cao su Đồng Phú", "header_name": "",
        "short_header_name": "CĐCS TCT CAO SU ĐỒNG PHÚ", "on": "06/01/2026"})
    assert renamed.status_code == 302, renamed.get_data(as_text=True)
    later = api.submitted(full_name="Trần Văn Bình", citizen_id="070085009999")
    after = _read(api, "officer", later["documents"][-1])
    assert _read(api, "officer", first["documents"][-1]) == before  # the stored file, as issued
    assert _issuer_heading_extent(before)[2] == _despaced("CĐCS CTY CAO SU PHÚ RIỀNG")
    left, right, line = _issuer_heading_extent(after)
    assert line == _despaced("CĐCS TCT CAO SU ĐỒNG PHÚ") and right <= LEFT_COLUMN_END_MM + 0.5
    assert "Công đoàn cơ sở Tổng công ty Cao su Đồng Phú kính trình" in _text(after)
    assert "Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng kính trình" in _text(before)


def test_a_rename_refuses_a_short_header_name_that_does_not_fit(app, api, today):
    commune = _org_id(app, "cd-xa-phu-rieng")
    too_long = "CÔNG ĐOÀN XÃ PHÚ RIỀNG TỈNH ĐỒNG NAI MỚI THÀNH LẬP"
    assert api.patch("admin", f"{ORGS}/{commune}", {"short_header_name": too_long}).status_code == 422
    dossier = api.submitted()
    today(date(2026, 1, 6))
    answer = api.patch("admin", f"{ORGS}/{commune}", {
        "header_name": "CÔNG ĐOÀN XÃ PHÚ RIỀNG THUỘC LIÊN ĐOÀN LAO ĐỘNG TỈNH ĐỒNG NAI", "short_header_name": too_long,
        "on": "2026-01-06"})
    if answer.status_code == 422:
        assert "short_header_name" in answer.json["errors"]
        return
    dossier = api.fire_ok("reviewer", dossier, "approve")
    left, right, line = _issuer_heading_extent(_read(api, "officer", dossier["documents"][-1]))
    assert right <= LEFT_COLUMN_END_MM + 0.5, (line, right)


def test_renaming_through_the_api_does_not_keep_the_former_short_header_name(app, api, today):
    union = _org_id(app, "cdcs-cao-su-phu-rieng")
    today(date(2026, 1, 6))
    answer = api.patch("admin", f"{ORGS}/{union}", {"name": "Công đoàn cơ sở Tổng công ty Cao su Đồng Phú",
                                                    "on": "2026-01-06"})
    assert answer.status_code == 200, answer.json
    dossier = api.submitted()
    line = _issuer_heading_extent(_read(api, "officer", dossier["documents"][-1]))[2]
    assert "PHÚRIỀNG" not in line, line  # printed: CĐCS CTY CAO SU PHÚ RIỀNG, the former name
    assert answer.json["short_header_name"] != "CĐCS CTY CAO SU PHÚ RIỀNG"


def test_a_long_name_without_a_short_header_name_does_not_run_into_the_national_name(app, api, today):
    union = _org_id(app, "cdcs-cao-su-phu-rieng")
    today(date(2026, 1, 6))
    answer = api.patch("admin", f"{ORGS}/{union}", {
        "name": "Công đoàn cơ sở Bệnh viện Đa khoa khu vực Phước Long", "short_header_name": None,
        "on": "2026-01-06"})
    if answer.status_code == 422:  # refused until a short header name is given: fine too
        return
    dossier = api.submitted()
    left, right, line = _issuer_heading_extent(_read(api, "officer", dossier["documents"][-1]))
    assert right <= LEFT_COLUMN_END_MM + 0.5, (line, right)


def test_a_later_document_cites_a_tờ_trình_under_the_name_it_was_issued_by(app, api, today):
    union = _org_id(app, "cdcs-cao-su-phu-rieng")
    dossier = api.submitted()
    today(date(2026, 1, 6))
    assert api.patch("admin", f"{ORGS}/{union}", {"name": "Công đoàn cơ sở Tổng công ty Cao su Đồng Phú",
                                                  "short_header_name": "CĐCS TCT CAO SU ĐỒNG PHÚ",
                                                  "on": "2026-01-06"}).status_code == 200
    dossier = api.fire_ok("reviewer", dossier, "approve")
    record = _text(_read(api, "officer", dossier["documents"][-1]))
    assert ("do Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng trình tại Tờ trình số 01/TTr-CĐCS ngày "
            "05/01/2026") in record, record[:600]


# --- the reader's page -----------------------------------------------------------------------------------------------

def test_a_decision_with_a_comment_still_ends_its_text_with_the_closing_mark(api):
    dossier = api.submitted(kind="accident_aid")
    dossier = api.fire_ok("reviewer", api.view("reviewer", dossier), "accept", granted_amount_vnd=1_300_000,
                          comment="Trao hỗ trợ trước ngày 25/01/2026.")
    content = _text(_read(api, "officer", dossier["documents"][-1]))
    assert "Trao hỗ trợ trước ngày 25/01/2026." in content
    assert content[:content.index(" Nơi nhận:")].endswith("./."), content[content.index("Điều 3."):]


@pytest.mark.parametrize("sentences", [4, 24, 30])
def test_however_long_a_decisions_comment_its_signing_block_is_never_alone(api, sentences):
    sentence = "Đề nghị công đoàn cơ sở phối hợp với gia đình đoàn viên sử dụng kinh phí đúng mục đích và báo cáo."
    with _unrendered():
        dossier = api.submitted(kind="accident_aid", citizen_id=f"0700860{sentences:05d}")
    dossier = api.fire_ok("reviewer", api.view("reviewer", dossier), "accept", granted_amount_vnd=1_300_000,
                          comment=" ".join([sentence] * sentences))
    with pdfplumber.open(io.BytesIO(_read(api, "officer", dossier["documents"][-1]))) as pdf:
        page = next(p for p in pdf.pages if "Nơi nhận:" in (p.extract_text() or ""))
        words = [w for w in page.extract_words() if w["top"] > 20 * MM]
        anchor = next(w for w in words if w["text"] == "nhận:")
        assert len([w for w in words if w["bottom"] < anchor["top"] - 2]) >= 8


def test_the_date_line_of_thanh_pho_ho_chi_minh_stays_on_one_line(app, api):
    commune = _org_id(app, "cd-xa-phu-rieng")
    assert api.patch("admin", f"{ORGS}/{commune}", {"place_name": "Thành phố Hồ Chí Minh"}).status_code == 200
    dossier = api.fire_ok("reviewer", api.submitted(), "return", comment="Bổ sung giấy tờ.")
    with pdfplumber.open(io.BytesIO(_read(api, "officer", dossier["documents"][-1]))) as pdf:
        words = pdf.pages[0].extract_words()
        number = next(w for w in words if w["text"] == "Số:")
        year = next(w for w in words if w["text"] == "2026" and w["x0"] > LEFT_COLUMN_END_MM * MM)
        assert abs(year["bottom"] - number["bottom"]) < 0.5, "the year fell to a line of its own"


def test_a_long_unbroken_word_stays_inside_the_margins(api):
    pasted = "NôngtrườngPhúRiềngĐỏ" * 7  # 140 characters pasted without spaces
    created = api.post("officer", "/api/v1/dossiers", {"kind": "child_heart", "data": _valid(workplace=pasted)})
    if created.status_code == 422:  # refused at entry: fine too
        return
    dossier = api.fire_ok("officer", created.json, "submit")
    request = _read(api, "officer", dossier["documents"][-1])
    dossier = api.fire_ok("reviewer", dossier, "return", comment="Thiếu:" + "x" * 120)
    notice = _read(api, "officer", dossier["documents"][-1])
    dossier = api.fire_ok("reviewer", api.fire_ok("officer", dossier, "submit"), "approve")
    record = _read(api, "officer", dossier["documents"][-1])  # the word in a cell of the record's facts table
    assert not _inside_margins(request) and not _inside_margins(notice) and not _inside_margins(record), (
        _inside_margins(request), _inside_margins(notice), _inside_margins(record))


def _valid(**changes):
    from tests.conftest import valid_child_heart

    return valid_child_heart(**changes)


def test_a_bidi_override_in_a_name_does_not_reorder_the_printed_name(api):
    created = api.post("officer", "/api/v1/dossiers", {"kind": "child_heart",
                                                       "data": _valid(full_name="Trần \u202eThị Lan")})
    if created.status_code == 422:  # refused at entry: fine too
        assert "full_name" in created.json["errors"]
        return
    dossier = api.fire_ok("officer", created.json, "submit")
    content = _text(_read(api, "officer", dossier["documents"][-1]))
    assert "Thị Lan" in content.replace("\u202e", "").replace("\u202c", ""), content[:900]


def test_a_document_the_head_signs_names_the_head(app, api):
    commune = _org_id(app, "cd-xa-phu-rieng")
    answer = api.patch("admin", f"{ORGS}/{commune}", {"head_name": ""})
    if answer.status_code == 422:
        assert "head_name" in answer.json["errors"]
        return
    dossier = api.fire_ok("reviewer", api.submitted(), "return", comment="Bổ sung giấy tờ.")
    block = _signing_block(_read(api, "officer", dossier["documents"][-1]))
    assert block[-1] not in ("CHỦ TỊCH", "TM. BAN THƯỜNG VỤ"), block


def test_a_long_abbreviation_keeps_the_number_level_with_the_date_line(app, api):
    commune = _org_id(app, "cd-xa-phu-rieng")
    answer = api.patch("admin", f"{ORGS}/{commune}", {"abbreviation": "CĐXÃPHÚRIỀNGĐỒNGNAI"})  # 19 characters
    if answer.status_code == 422:  # refused as too long for the line: fine too
        assert "abbreviation" in answer.json["errors"]
        return
    dossier = api.fire_ok("reviewer", api.submitted(), "return", comment="Bổ sung giấy tờ.")
    with pdfplumber.open(io.BytesIO(_read(api, "officer", dossier["documents"][-1]))) as pdf:
        words = pdf.pages[0].extract_words()
        label = next(w for w in words if w["text"] == "Số:")
        number = next(w for w in words if w["text"].startswith("01/TB-"))
        day = next(w for w in words if w["text"] == "ngày")
        assert abs(number["bottom"] - label["bottom"]) < 0.5 and abs(number["bottom"] - day["bottom"]) < 0.5, (
            number["bottom"] / MM, label["bottom"] / MM)
