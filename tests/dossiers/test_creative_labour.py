"""creative_labour (QĐ 1564/QĐ-TLĐ 2014 Điều 16) at its thresholds, through the API and the pages."""
import io
import itertools
import re
from datetime import date

import pytest
from pypdf import PdfReader

SUBMISSION = date(2018, 1, 5)


@pytest.fixture(autouse=True)
def in_2018(today):
    """The thresholds are judged on submissions of 05/01/2018 (the rule sets in force then)."""
    today(SUBMISSION)


_numbers = itertools.count(1)


def solution(year=2017, benefit=80_000_000, recognised=True, **changes):
    row = {"title": "Cải tiến máy cạo mủ bán tự động", "solution_type": "technical_improvement", "role": "author",
           "applied_on": f"{year}-03-01", "year": year, "benefit_vnd": benefit}
    if recognised:
        row.update(recognised_by="Hội đồng sáng kiến Công ty TNHH MTV Cao su Phú Riềng",
                   recognition_number=f"{next(_numbers):02d}/QĐ-HĐSK", recognition_date=f"{year}-12-20")
    row.update(changes)
    return row


def nominee(category="A", solutions=None):
    return {"full_name": "Hoàng Văn Thái", "gender": "male", "birth_date": "1980-07-19", "citizen_id": "070080002345",
            "member_since": "2002-09-01", "workplace": "Xí nghiệp cơ khí, Công ty TNHH MTV Cao su Phú Riềng",
            "position": "Tổ trưởng tổ sửa chữa", "address": "Khu phố 1, thị trấn Phú Riềng", "category": category,
            "solutions": solutions if solutions is not None else [solution()]}


def create(api, data, user="officer"):
    response = api.post(user, "/api/v1/dossiers", {"kind": "creative_labour", "data": data})
    assert response.status_code == 201, response.json
    return response.json


def submit_errors(api, data):
    dossier = create(api, data)
    response = api.fire("officer", dossier, "submit")
    if response.status_code == 200:
        return {}
    assert response.status_code == 422, response.json
    return response.json["errors"]


@pytest.mark.parametrize("category,rows,ok", [
    ("A", [solution(benefit=80_000_000)], True),
    ("A", [solution(benefit=79_999_999)], False),
    ("A", [solution(benefit=50_000_000), solution(benefit=30_000_000, title="Giải pháp thứ hai")], True),
    ("A", [solution(2014, 40_000_000), solution(2017, 39_999_999)], False),
    ("A", [solution(2014, 40_000_000), solution(2017, 40_000_000)], True),  # the total, whatever the years
    ("B", [solution(benefit=150_000_000)], True),
    ("B", [solution(benefit=149_999_999)], False),
    ("B", [solution(2015, 50_000_000), solution(2016, 50_000_000), solution(2017, 50_000_000)], True),
    ("C", [solution(benefit=200_000_000)], True),
    ("C", [solution(benefit=199_999_999)], False),
    ("C", [solution(benefit=100_000_000), solution(benefit=99_999_999, recognised=False)], False),
])
def test_thresholds(api, category, rows, ok):
    errors = submit_errors(api, nominee(category, rows))
    assert ("solutions" not in errors) is ok, errors
    if not ok:
        assert "chưa đạt" in errors["solutions"][0]


def test_only_recognised_solutions_count(api):
    errors = submit_errors(api, nominee("A", [solution(benefit=90_000_000, recognised=False),
                                              solution(benefit=10_000_000, title="Sáng kiến nhỏ")]))
    assert "chưa đạt" in errors["solutions"][0] and "10.000.000 đồng" in errors["solutions"][0]
    errors = submit_errors(api, nominee("A", [solution(benefit=90_000_000, recognised=False)]))
    assert errors["solutions"] == [
        "Cần ít nhất một giải pháp đã được cơ quan có thẩm quyền công nhận (có số và ngày quyết định)."]


@pytest.mark.parametrize("recognised_on,ok", [("2018-01-05", True), ("2018-01-06", False)])
def test_recognition_not_after_submission(api, recognised_on, ok):
    errors = submit_errors(api, nominee("A", [solution(2017, 80_000_000, recognition_date=recognised_on)]))
    assert ("solutions.0.recognition_date" not in errors) is ok, errors


def test_recognition_must_be_complete_or_absent(api):
    errors = submit_errors(api, nominee("A", [solution(), solution(recognised=False, recognition_number="12/QĐ")]))
    assert "solutions.1.recognition_number" in errors


def test_row_errors_are_named_by_position(api):
    response = api.post("officer", "/api/v1/dossiers", {"kind": "creative_labour", "data": nominee(
        "A", [solution(), solution(benefit=-1, solution_type="poem")])})
    assert response.status_code == 422
    assert response.json["errors"] == {"solutions.1.solution_type": ["Giá trị không nằm trong danh sách cho phép."],
                                       "solutions.1.benefit_vnd": ["Phải lớn hơn hoặc bằng 0."]}
    errors = submit_errors(api, nominee("A", [solution(), {"title": "Chưa điền đủ"}]))
    assert errors["solutions.1.year"] == ["Vui lòng nhập thông tin này."]
    assert submit_errors(api, nominee("A", []))["solutions"] == ["Nhập ít nhất một giải pháp."]


def test_end_to_end_award(api, today):
    """Today the province proposes and the Confederation awards the Bằng (QĐ 1564/QĐ-TLĐ)."""
    today(date(2026, 1, 5))
    dossier = api.fire_ok("officer", create(api, nominee("A", [solution(2024, benefit=85_000_000)])), "submit")
    assert [s["org"]["code"] for s in dossier["route"]] == ["cd-xa-phu-rieng", "ldld-dong-nai", "tld"]
    dossier = api.fire_ok("reviewer", dossier, "approve")
    batch = api.forwarded(dossier)
    listing = PdfReader(io.BytesIO(api.get("reviewer", batch["documents"][0]["url"]).data))
    text = " ".join(" ".join(p.extract_text() for p in listing.pages).split())
    assert "Hoàng Văn Thái" in text and "Cải tiến máy cạo mủ bán tự động" in text and "85.000.000 đ" in text
    assert "Đề nghị hỗ trợ" not in text  # an award: no money column
    province = api.fire_ok("liaison", api.view("liaison", dossier), "approve")
    api.forwarded(province, reviewer="liaison")
    assert "accept" not in api.view("liaison", dossier)["allowed_events"]
    accepted = api.fire_ok("tld", api.view("tld", dossier), "accept")
    assert accepted["state"] == "accepted" and accepted["granted_amount_vnd"] is None
    decision = PdfReader(io.BytesIO(api.get("officer", accepted["documents"][-1]["url"]).data))
    text = " ".join(" ".join(p.extract_text() for p in decision.pages).split())
    assert "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM" in text and "TM. ĐOÀN CHỦ TỊCH" in text
    assert "Tặng Bằng “Lao động sáng tạo” của Tổng Liên đoàn Lao động Việt Nam" in text
    assert "Hoàng Văn Thái" in text and "1564/QĐ-TLĐ" in text


def test_rows_are_added_and_removed_in_the_form(browser, api):
    page = browser("officer")
    form = {"kind": "creative_labour", "full_name": "Hoàng Văn Thái", "category": "A",
            "solutions-0-title": "Giải pháp một", "solutions-0-benefit_vnd": "80.000.000"}
    added = page.post("/dossiers/new?kind=creative_labour", {**form, "_rows": "add:solutions"})
    body = added.get_data(as_text=True)
    assert added.status_code == 200
    assert 'name="solutions-1-title"' in body and 'value="Giải pháp một"' in body
    removed = page.post("/dossiers/new?kind=creative_labour",
                        {**form, "solutions-1-title": "Giải pháp hai", "_rows": "remove:solutions:0"})
    body = removed.get_data(as_text=True)
    assert 'value="Giải pháp hai"' in body and 'value="Giải pháp một"' not in body
    assert api.get("officer", "/api/v1/dossiers").json["dossiers"] == []  # nothing saved by row buttons

    bad = page.post("/dossiers/new?kind=creative_labour", {**form, "solutions-0-year": "hai nghìn"})
    assert bad.status_code == 422 and "Phải là số nguyên." in bad.get_data(as_text=True)
    saved = page.post("/dossiers/new?kind=creative_labour", {**form, "solutions-0-year": "2017",
                                                             "solutions-0-applied_on": "01/03/2017"})
    assert saved.status_code == 302
    number = int(re.search(r"/dossiers/(\d+)$", saved.headers["Location"]).group(1))
    data = api.get("officer", f"/api/v1/dossiers/{number}").json["data"]
    assert data["solutions"] == [{"title": "Giải pháp một", "benefit_vnd": 80_000_000, "year": 2017,
                                  "applied_on": "2017-03-01"}]
    edit = page.get(f"/dossiers/{number}/edit").get_data(as_text=True)
    assert 'value="80.000.000"' in edit and 'value="01/03/2017"' in edit


def test_a_recognition_counts_once(api):
    twice = solution(benefit=40_000_000)
    errors = submit_errors(api, nominee("A", [twice, dict(twice, title="Cùng giải pháp, tên khác")]))
    assert errors["solutions.1.recognition_number"][0].startswith("Trùng quyết định công nhận với giải pháp ở dòng 1")
    assert "40.000.000 đồng" in errors["solutions"][0]  # judged on 40,000,000, not 80,000,000


def test_three_consecutive_years_alternative_when_the_province_sets_it_apart(api, app):
    import json

    result = app.test_cli_runner().invoke(args=[
        "add-rule-set", "--kind", "creative_labour", "--jurisdiction", "ldld-binh-phuoc", "--from", "2018-01-01",
        "--basis", "Quy định thử nghiệm của LĐLĐ tỉnh", "--params", json.dumps({"categories": {
            "A": {"total_vnd": 200_000_000, "three_consecutive_years_vnd": 120_000_000},
            "B": {"total_vnd": 150_000_000}, "C": {"total_vnd": 200_000_000}}})])
    assert result.exit_code == 0, result.output
    three = [solution(2015, 40_000_000), solution(2016, 40_000_000), solution(2017, 40_000_000)]
    assert "solutions" not in submit_errors(api, nominee("A", three))
    short = [solution(2015, 40_000_000), solution(2016, 40_000_000), solution(2017, 39_999_999)]
    assert "solutions" in submit_errors(api, nominee("A", short))
    gap = [solution(2014, 40_000_000), solution(2015, 40_000_000), solution(2017, 40_000_000)]
    assert "solutions" in submit_errors(api, nominee("A", gap))


def test_every_category_needs_a_threshold(app, demo_data):
    result = app.test_cli_runner().invoke(args=[
        "add-rule-set", "--kind", "creative_labour", "--jurisdiction", "ldld-binh-phuoc", "--from", "2018-01-01",
        "--basis", "Thiếu đối tượng C", "--params", '{"categories": {"A": {"total_vnd": 1}, "B": {"total_vnd": 1}}}'])
    assert result.exit_code != 0 and "categories.C" in result.output


def test_benefit_year_not_before_the_solution_was_applied(api):
    errors = submit_errors(api, nominee("A", [solution(2015, 80_000_000, applied_on="2017-03-01")]))
    assert "solutions.0.year" in errors


def test_errors_land_on_the_card_that_was_typed(browser):
    page = browser("officer")
    response = page.post("/dossiers/new?kind=creative_labour", {
        "solutions-0-title": "", "solutions-1-title": "Giải pháp thật", "solutions-1-benefit_vnd": "abc"})
    body = response.get_data(as_text=True)
    card = body[body.index('name="solutions-1-title"'):]
    assert 'value="Giải pháp thật"' in card[:200]
    assert "Phải là số nguyên, ví dụ 1.500.000." in card[:card.index("Xóa dòng 2")]
