"""Many dossiers at once: the commune union sends a selection of its approved dossiers up from its home page; the
province decides several houses of a batch in one go (with a confirmation step) and the union sees the outcome."""
import re

from .pages import expect, main, section

CHILDREN = ["Trần Minh Khang", "Lê Thị Thu Hà", "Phạm Gia Bảo"]
MEMBERS = ["Trần Văn Khang", "Lê Thị Hà", "Phạm Văn Bảo"]  # houses, which the province decides


def subject(child: str) -> str:
    return f"{child} (con của Nguyễn Văn Ánh)"


def row(page, child: str):
    return main(page).get_by_role("row").filter(has_text=child)


def test_reviewer_forwards_only_the_ticked_dossiers(api, login, snap):
    approved = [api.approved(child_full_name=child) for child in CHILDREN]
    kept_back = approved[1]

    reviewer = login("reviewer")
    waiting = section(reviewer, "Hồ sơ đã thẩm định đạt")
    card = waiting.locator("form").filter(has_text="tim bẩm sinh")
    expect(card).to_contain_text("(3)")
    boxes = {d["id"]: card.get_by_role("checkbox", name=f"Số {d['id']} · {subject(CHILDREN[i])}")
             for i, d in enumerate(approved)}
    for box in boxes.values():
        expect(box).to_be_checked()  # all ticked to start with
    boxes[kept_back["id"]].uncheck()
    expect(boxes[kept_back["id"]]).not_to_be_checked()
    snap(reviewer, "reviewer-home-forward")
    card.get_by_role("button", name="Chuyển các hồ sơ đã chọn lên cấp trên").click()

    confirm = reviewer.locator("table.forward-confirm")  # nothing is sent before the reviewer confirms
    expect(confirm).to_contain_text(subject(CHILDREN[0]))
    expect(confirm).to_contain_text(subject(CHILDREN[2]))
    expect(confirm).not_to_contain_text(subject(CHILDREN[1]))
    assert api.get("reviewer", f"/api/v1/dossiers/{approved[0]['id']}").json["state"] == "approved"
    snap(reviewer, "forward-confirm")
    expect(main(reviewer)).to_contain_text("sẽ được chuyển lên Liên đoàn Lao động tỉnh Đồng Nai")
    reviewer.get_by_role("button", name="Xác nhận: Chuyển lên cấp trên").click()

    expect(reviewer.get_by_text("Đã chuyển hồ sơ lên Liên đoàn Lao động tỉnh Đồng Nai.")).to_be_visible()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text(re.compile(r"Tờ trình số \d+/TTr-CĐX"))
    expect(main(reviewer)).to_contain_text("2 hồ sơ")
    for child in (CHILDREN[0], CHILDREN[2]):
        expect(row(reviewer, child)).to_contain_text("Đã chuyển cấp trên")
    expect(row(reviewer, CHILDREN[1])).to_have_count(0)
    snap(reviewer, "batch-reviewer")

    states = {d["id"]: api.get("reviewer", f"/api/v1/dossiers/{d['id']}").json["state"] for d in approved}
    assert states == {approved[0]["id"]: "forwarded", kept_back["id"]: "approved", approved[2]["id"]: "forwarded"}
    reviewer.goto("/")
    card = section(reviewer, "Hồ sơ đã thẩm định đạt").locator("form")
    expect(card).to_have_count(1)
    expect(card.get_by_role("checkbox")).to_have_count(1)
    expect(card.get_by_role("checkbox")).to_have_accessible_name(
        re.compile("^" + re.escape(f"Số {kept_back['id']} · {subject(CHILDREN[1])}")))


def test_liaison_decides_several_dossiers_of_a_batch(api, login, snap):
    dossiers = [api.approved(kind="union_housing", full_name=name, citizen_id=f"07008500{i:04d}")
                for i, name in enumerate(MEMBERS)]
    batch = api.forwarded(*dossiers)
    khang, ha, bao = (d["id"] for d in dossiers)

    liaison = login("liaison")
    pending = section(liaison, "Đợt chuyển đã nhận còn hồ sơ chờ xử lý").get_by_role("listitem")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("3/3 hồ sơ chờ xử lý")
    expect(pending).to_contain_text("Công đoàn xã Phú Riềng")
    snap(liaison, "liaison-home")

    unread = liaison.get_by_role("navigation").get_by_role("link", name=re.compile("^Thông báo"))
    expect(unread).to_contain_text("1")  # the unread count
    unread.click()
    expect(liaison.get_by_role("heading", level=1)).to_have_text("Thông báo")
    notice = main(liaison).get_by_role("listitem").filter(has_text="Đã nhận đợt chuyển số")
    expect(notice).to_contain_text("Công đoàn xã Phú Riềng: 3 hồ sơ chờ xử lý.")
    expect(notice).to_contain_text("Mới")
    snap(liaison, "notifications")
    notice.get_by_role("button").click()  # opening it marks it read and leads to the batch

    expect(liaison).to_have_url(re.compile(rf"/batches/{batch['id']}$"))
    expect(liaison.get_by_role("heading", level=1)).to_contain_text("Tờ trình số")
    for member in MEMBERS:
        expect(row(liaison, member)).to_contain_text("30.000.000 đ")
        expect(row(liaison, member)).to_contain_text("Đã chuyển cấp trên")
    snap(liaison, "batch-liaison")

    # Accept two, one of them with less than requested.
    row(liaison, MEMBERS[0]).get_by_role("checkbox").check()
    row(liaison, MEMBERS[1]).get_by_role("checkbox").check()
    row(liaison, MEMBERS[1]).get_by_role("textbox").fill("25.000.000")
    expect(liaison.get_by_role("radio", name=re.compile("^Chấp thuận"))).to_be_checked()
    liaison.get_by_role("button", name="Xem lại trước khi quyết định").click()
    expect(liaison.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Xác nhận: chấp thuận 2 hồ sơ"))
    expect(row(liaison, MEMBERS[0])).to_contain_text("30.000.000 đ")
    expect(row(liaison, MEMBERS[1])).to_contain_text("25.000.000 đ")
    expect(row(liaison, MEMBERS[2])).to_have_count(0)
    snap(liaison, "batch-decide-confirm")
    liaison.get_by_role("button", name=re.compile("^Xác nhận chấp thuận")).click()

    expect(liaison.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Kết quả: chấp thuận"))
    expect(main(liaison)).to_contain_text(re.compile(r"Đã ban hành Quyết định số \d+/QĐ-LĐLĐ"))
    for member in MEMBERS[:2]:
        expect(row(liaison, member)).to_contain_text("Được chấp thuận")
    snap(liaison, "batch-decide-results")

    # Then the third one is not accepted, with a reason.
    liaison.get_by_role("link", name="Về đợt chuyển").click()
    expect(row(liaison, MEMBERS[0]).get_by_role("checkbox")).to_have_count(0)  # decided: nothing to tick
    row(liaison, MEMBERS[2]).get_by_role("checkbox").check()
    liaison.get_by_role("radio", name=re.compile("^Không chấp thuận")).check()
    liaison.get_by_label("Lý do / ghi chú").fill("Gia đình đã được hỗ trợ từ nguồn khác.")
    liaison.get_by_role("button", name="Xem lại trước khi quyết định").click()
    expect(liaison.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Xác nhận: không chấp thuận 1 hồ sơ"))
    expect(main(liaison)).to_contain_text("Gia đình đã được hỗ trợ từ nguồn khác.")
    liaison.get_by_role("button", name=re.compile("^Xác nhận không chấp thuận")).click()
    expect(row(liaison, MEMBERS[2])).to_contain_text("Không được chấp thuận")

    liaison.goto("/")
    expect(section(liaison, "Đợt chuyển đã nhận còn hồ sơ chờ xử lý")).to_contain_text(
        "Không có đợt chuyển nào còn hồ sơ chờ xử lý.")
    liaison.goto("/batches")
    expect(main(liaison).get_by_role("row").filter(has_text="Công đoàn xã Phú Riềng")).to_contain_text("Đã xử lý xong")

    officer = login("officer")
    results = section(officer, "Hồ sơ đã nộp và kết quả")
    expect(results.get_by_role("row").filter(has_text=f"Số {khang} ·")).to_contain_text(
        "Được chấp thuận · 30.000.000 đ")
    expect(results.get_by_role("row").filter(has_text=f"Số {ha} ·")).to_contain_text("Được chấp thuận · 25.000.000 đ")
    refused = results.get_by_role("row").filter(has_text=f"Số {bao} ·")
    expect(refused).to_contain_text("Không được chấp thuận")
    expect(refused).to_contain_text("Lý do: Gia đình đã được hỗ trợ từ nguồn khác.")
    snap(officer, "officer-home-results")
