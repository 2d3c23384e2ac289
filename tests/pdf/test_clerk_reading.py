"""Every document type of every kind, issued through the workflow and read as a clerk reads it: positions in mm on
the rendered pages (pdfplumber), the heading's names each on one line, "Số:" level with the date line, the signing
block never alone on its page, appendix pages numbered and inside their margins, amounts never broken, and the
Quyết định's form (Căn cứ Điều lệ first, each Tờ trình, amounts in words, Điều 1–3, "./.")."""
from __future__ import annotations

import io
import re

import pdfplumber
import pytest

MM = 72 / 25.4
KINDS = ("child_heart", "union_housing", "accident_aid", "creative_labour")
DECIDER = {"child_heart": "tld", "creative_labour": "tld", "union_housing": "liaison", "accident_aid": "reviewer"}
AMOUNT = re.compile(r"^\d{1,3}(\.\d{3})+$")

_issued: dict[str, bytes] = {}  # label -> PDF, built once for the module (the PDFs need no database to be read)


def _read(api, user, document) -> bytes:
    response = api.get(user, document["url"])
    assert response.status_code == 200, (user, document["number"])
    return response.data


def _issue_everything(api) -> dict[str, bytes]:
    """Per kind: the union's Tờ trình, a return notice, the review record, the batch's Tờ trình, the decision; a
    refusal and a referral back; and a Quyết định of several dossiers (listed in an appendix beyond three)."""
    pdfs = {}
    for kind in KINDS:
        dossier = api.submitted(kind=kind)
        pdfs[f"{kind}/TTr"] = _read(api, "officer", dossier["documents"][-1])
        dossier = api.fire_ok("reviewer", dossier, "return", comment="Bổ sung giấy tờ chứng minh hoàn cảnh.")
        pdfs[f"{kind}/TB-return"] = _read(api, "officer", dossier["documents"][-1])
        decider = DECIDER[kind]
        if decider == "reviewer":  # the commune decides small aid itself
            dossier = api.fire_ok("officer", dossier, "submit")
            extra = {"granted_amount_vnd": 1_300_000}
            dossier = api.fire_ok("reviewer", api.view("reviewer", dossier), "accept", **extra)
        else:
            dossier = api.fire_ok("officer", dossier, "submit")
            dossier = api.fire_ok("reviewer", dossier, "approve")
            pdfs[f"{kind}/BB"] = _read(api, "officer", dossier["documents"][-1])
            other = api.approved("officer2", kind, full_name="Trần Thị Lệ Thủy", citizen_id="070190004321",
                                 **({"child_full_name": "Trần Gia Hưng"} if kind == "child_heart" else {}))
            batch = api.forwarded(dossier, other)
            pdfs[f"{kind}/TTr-batch"] = _read(api, "reviewer", batch["documents"][0])
            if decider == "tld":
                dossier = api.fire_ok("liaison", api.view("liaison", dossier), "approve")
                api.forwarded(dossier, reviewer="liaison")
            extra = {} if kind == "creative_labour" else {"granted_amount_vnd": 25_000_000}
            dossier = api.fire_ok(decider, api.view(decider, dossier), "accept", **extra)
        pdfs[f"{kind}/QĐ"] = _read(api, "officer", dossier["documents"][-1])
    refused, _ = api.at_decider("officer2", "union_housing", full_name="Đỗ Thị Yến", citizen_id="070190004322")
    refused = api.fire_ok("liaison", refused, "reject", comment="Gia đình đã được địa phương hỗ trợ năm 2025.")
    pdfs["union_housing/TB-reject"] = _read(api, "officer2", refused["documents"][-1])
    referred, _ = api.at_decider("officer2", "union_housing", full_name="Lê Văn Tám", citizen_id="070190004323")
    referred = api.fire_ok("liaison", referred, "refer_back", comment="Đề nghị xác minh lại hiện trạng nhà ở.")
    pdfs["union_housing/TB-refer"] = _read(api, "officer2", referred["documents"][-1])
    many = [api.approved(user, "union_housing", full_name=name, citizen_id=citizen)
            for user, name, citizen in [("officer", "Nguyễn Văn Một", "070190005001"),
                                        ("officer", "Nguyễn Văn Hai", "070190005002"),
                                        ("officer2", "Trần Văn Ba", "070190005003"),
                                        ("officer2", "Trần Văn Bốn", "070190005004")]]
    batch = api.forwarded(*many)
    pdfs["union_housing/TTr-batch-of-two-unions"] = _read(api, "reviewer", batch["documents"][0])
    items = [{"dossier_id": d["id"], "version": api.view("liaison", d)["version"], "granted_amount_vnd": 30_000_000}
             for d in many]
    decided = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {"event": "accept", "items": items})
    assert decided.status_code == 200 and all(r["ok"] for r in decided.json["results"]), decided.json
    pdfs["union_housing/QĐ-of-four"] = _read(api, "liaison", decided.json["decision"])
    return pdfs


@pytest.fixture
def issued(api):
    if not _issued:
        _issued.update(_issue_everything(api))
    return _issued


LABELS = [f"{kind}/{doc}" for kind in KINDS for doc in ("TTr", "TB-return", "QĐ")] + [
    f"{kind}/{doc}" for kind in ("child_heart", "union_housing", "creative_labour") for doc in ("BB", "TTr-batch")] + [
    "union_housing/TB-reject", "union_housing/TB-refer", "union_housing/TTr-batch-of-two-unions",
    "union_housing/QĐ-of-four"]


def lines_of(page) -> list[list[dict]]:
    """The page's words grouped into lines (same baseline within 1 pt), top to bottom, left to right."""
    lines: list[list[dict]] = []
    for word in sorted(page.extract_words(keep_blank_chars=False, use_text_flow=False),
                       key=lambda w: (round(w["bottom"]), w["x0"])):
        if lines and abs(lines[-1][0]["bottom"] - word["bottom"]) < 1:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def text(line) -> str:
    return " ".join(w["text"] for w in line)


def in_body(page, word) -> bool:
    """Not the page number in the top margin."""
    return word["top"] > 20 * MM


@pytest.mark.parametrize("label", LABELS)
def test_heading_names_each_on_one_line_and_number_level_with_date(issued, label):
    with pdfplumber.open(io.BytesIO(issued[label])) as pdf:
        page = pdf.pages[0]
        lines = lines_of(page)
        number_line = next(line for line in lines if line[0]["text"] == "Số:")
        number, date_words = [w for w in number_line if w["x1"] < 106 * MM], [
            w for w in number_line if w["x0"] > 106 * MM]
        # "Số: 01/QĐ-LĐLĐ" on the left, "Đồng Nai, ngày 05 tháng 01 năm 2026" on the right, one baseline.
        assert text(number).startswith("Số: ") and "ngày" in text(date_words), text(number_line)
        assert abs(number[0]["bottom"] - date_words[0]["bottom"]) < 0.5
        left = [[w for w in line if w["x1"] <= 106.5 * MM] for line in lines if line[0]["bottom"] < number[0]["top"]]
        names = [text(line) for line in left if line]
        # The parent line (none for the Confederation) and the issuer: each a whole name on one line, upper case,
        # inside the left column (30 mm margin + 76 mm).
        assert 1 <= len(names) <= 2 and all(name == name.upper() for name in names), names
        assert not any(name.endswith(("HUYỆN PHÚ", "VIỆT", "TỈNH")) for name in names), names
        right = [w for line in lines for w in line if w["x0"] > 106 * MM and w["bottom"] < number[0]["top"]]
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in " ".join(w["text"] for w in right)


@pytest.mark.parametrize("label", LABELS)
def test_the_signing_block_stays_with_the_text_and_pages_keep_their_margins(issued, label):
    with pdfplumber.open(io.BytesIO(issued[label])) as pdf:
        signed_on = None
        for number, page in enumerate(pdf.pages, start=1):
            landscape = page.width > page.height
            words = [w for w in page.extract_words() if in_body(page, w)]
            assert words, f"page {number} is empty"
            # 30 mm bound side (and top, in landscape), 15 mm right, 20 mm bottom
            assert min(w["x0"] for w in words) >= 30 * MM - 1, (number, min(w["x0"] for w in words) / MM)
            assert max(w["x1"] for w in words) <= page.width - 15 * MM + 2  # justified lines end at 195 mm
            assert max(w["bottom"] for w in words) <= page.height - 20 * MM + 1
            if landscape:
                assert min(w["top"] for w in words) >= 30 * MM - 1
            if number > 1:  # every page after the first is numbered in the top margin, centred
                top = [w for w in page.extract_words() if w["bottom"] < 20 * MM]
                assert [w["text"] for w in top] == [str(number)], (label, number, top)
                assert abs((top[0]["x0"] + top[0]["x1"]) / 2 - (page.width - 45 * MM) / 2 - 30 * MM) < 40 * MM
            anchor = next((w for w in words if w["text"] in ("nhận:", "THẨM")), None)
            if anchor is not None and signed_on is None:
                signed_on = number
                above = [w for w in words if w["bottom"] < anchor["top"] - 2]
                # some of the document's own text stands above the signing block on its page
                assert len(above) >= 8, f"{label}: page {number} holds only the signing block"
        assert signed_on is not None


@pytest.mark.parametrize("label", LABELS)
def test_amounts_and_numbers_are_never_broken(issued, label):
    with pdfplumber.open(io.BytesIO(issued[label])) as pdf:
        for page in pdf.pages:
            lines = lines_of(page)
            for before, after in zip(lines, lines[1:], strict=False):
                if after[0]["text"] in ("đ", "đồng", "đồng)", "đồng;", "đồng."):
                    same_column = abs(after[0]["x0"] - before[0]["x0"]) < 200
                    assert not (same_column and AMOUNT.match(before[-1]["text"])), (text(before), text(after))
        joined = " ".join(page.extract_text() for page in pdf.pages)
        assert not re.search(r"\bHS số \d", joined) and "Hồ sơ số" not in joined  # no database ids


def body_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)


@pytest.mark.parametrize("kind", KINDS)
def test_the_decision_in_the_unions_form(issued, kind):
    content = body_text(issued[f"{kind}/QĐ"])
    bases = re.findall(r"Căn cứ ([^;,]+)[;,]", content)
    assert bases[0] == "Điều lệ Công đoàn Việt Nam"
    assert re.search(r"Xét Tờ trình số \d+/TTr-[^ ]+ ngày \d\d/\d\d/\d{4} của ", content)
    articles = [content.index(f"Điều {n}.") for n in (1, 2, 3)]
    assert articles == sorted(articles)
    assert "thi hành./." in content and "Nơi nhận:" in content and "- Như Điều 3;" in content
    assert "- Lưu: VT, CSPL." in content or "- Lưu: VT, VP." in content
    if kind == "creative_labour":
        assert "Tặng Bằng “Lao động sáng tạo”" in content and "Hỗ trợ" not in content  # an award's wording
        assert "Căn cứ Quyết định số 1564/QĐ-TLĐ ngày 24/12/2014 của Đoàn Chủ tịch Tổng Liên đoàn" in content
    else:
        assert re.search(r"\d{1,3}(\.\d{3})+ đồng \(Bằng chữ: [A-ZĐ][^)]* đồng\)", content), content
        assert "Kinh phí hỗ trợ chi từ" in content and "chuyển kinh phí về" in content
    if kind == "child_heart":
        assert "Căn cứ Quyết định số 378/QĐ-TLĐ ngày 28/03/2014 của Đoàn Chủ tịch" in content
        assert "Quỹ Bảo trợ trẻ em của Công đoàn Việt Nam" in content


def test_a_decision_of_many_lists_them_in_its_appendix_with_the_total_in_words(issued):
    data = issued["union_housing/QĐ-of-four"]
    content = body_text(data)
    assert "Hỗ trợ 4 đoàn viên có tên trong Danh sách kèm theo Quyết định này" in content
    assert "120.000.000 đồng (Bằng chữ: Một trăm hai mươi triệu đồng)" in content
    assert re.search(r"\(Kèm theo Quyết định số 0?\d+/QĐ-LĐLĐ ngày \d\d/\d\d/\d{4} của Liên đoàn Lao động", content)
    assert "Tổng số tiền bằng chữ: Một trăm hai mươi triệu đồng." in content
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert pdf.pages[-1].width > pdf.pages[-1].height  # the list in landscape


def test_the_batch_list_groups_by_union_with_subtotals_and_each_unions_request(issued):
    content = body_text(issued["union_housing/TTr-batch-of-two-unions"])
    assert "I. Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng" in content
    assert "II. Công đoàn cơ sở Trường THCS Phú Trung" in content
    assert content.count("Cộng Công đoàn cơ sở") == 2 and "Tổng cộng: 4 hồ sơ 120.000.000" in content
    assert len(re.findall(r"Số \d+/TTr-CĐCS", content)) == 4  # each union's Tờ trình, then its date below
    assert "Tổng số tiền đề nghị hỗ trợ bằng chữ: Một trăm hai mươi triệu đồng." in content
    assert "ĐỀ NGHỊ ĐỀ NGHỊ" not in content and "DANH SÁCH TRÍCH NGANG ĐỀ NGHỊ HỖ TRỢ NHÀ" in content


def test_the_review_record_is_a_record(issued):
    content = body_text(issued["child_heart/BB"])
    assert re.search(r"Hôm nay, vào hồi \d\d giờ \d\d phút, ngày \d\d tháng \d+ năm \d{4}, tại ", content)
    assert "Người thẩm định: Đặng Minh Quân, Ủy viên Ban Thường vụ Công đoàn xã Phú Riềng." in content
    assert "Trẻ là con của đoàn viên, dưới 16 tuổi vào ngày nộp hồ sơ Đạt" in content
    assert "Kết luận" in content and "Biên bản kết thúc cùng ngày" in content
    assert "NGƯỜI THẨM ĐỊNH" in content and "DUYỆT" in content  # the commune union records its leader's approval
    # the reviewer's name closes the signatures; only the verification line follows
    assert re.search(r"Đặng Minh Quân Mã tra cứu: [0-9A-Z]{5}-[0-9A-Z]{5}\. Kiểm tra văn bản này tại \S+/verify/",
                     content)


@pytest.mark.parametrize("length", [0, 4, 8, 12, 16, 20, 24])
def test_however_long_a_notice_the_signing_block_is_never_alone(api, length):
    """A return notice whose reason grows a line at a time: wherever the page breaks, the signing block has text
    of the document above it."""
    reason = " ".join(["Bổ sung biên bản xác minh hoàn cảnh gia đình có xác nhận của chính quyền địa phương."] *
                      (1 + length))
    dossier = api.fire_ok("reviewer", api.submitted(), "return", comment=reason[:2000])
    data = _read(api, "officer", dossier["documents"][-1])
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = next(p for p in pdf.pages if "Nơi nhận:" in (p.extract_text() or ""))
        words = [w for w in page.extract_words() if in_body(page, w)]
        anchor = next(w for w in words if w["text"] == "nhận:")
        assert len([w for w in words if w["bottom"] < anchor["top"] - 2]) >= 8
