"""At a phone's width (390x844) the tables of dossiers become cards: the province's amount inputs stay on the screen
(they sat off its right edge, in a table scrolled sideways) and names run over the card's width (they wrapped to
seven or eight lines in a narrow column); an amount it cannot grant is said before the confirmation, at its card."""
from .conftest import PHONE
from .pages import expect, main, no_horizontal_scroll

LONG_NAME = "Nguyễn Thị Phương Thảo Nguyên"


def lines(cell) -> float:
    """How many lines of text a cell's content takes."""
    return cell.evaluate("""e => {
        const range = document.createRange(); range.selectNodeContents(e);
        return range.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight); }""")


def within_screen(locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def test_the_provinces_batch_page_on_a_phone(api, login, snap):
    long = api.approved(kind="union_housing", full_name=LONG_NAME, citizen_id="070190001111")
    other = api.approved("officer2", "union_housing", full_name="Trần Thị Lệ Thủy", citizen_id="070190004321")
    batch = api.forwarded(long, other)

    liaison = login("liaison", viewport=PHONE)
    liaison.goto(f"/batches/{batch['id']}")
    amounts = main(liaison).locator("input.amount-input")
    expect(amounts).to_have_count(2)
    for index in range(2):
        within_screen(amounts.nth(index))
        within_screen(main(liaison).get_by_role("checkbox").nth(index))
    name = main(liaison).locator("td.card-title").filter(has_text=LONG_NAME)
    assert lines(name) <= 2.2, lines(name)
    no_horizontal_scroll(liaison)
    snap(liaison, "batch-cards")

    # A mistake made on purpose: five billion for a house. Said at once, at its card, naming the dossier.
    card = main(liaison).get_by_role("row").filter(has_text="Trần Thị Lệ Thủy")
    card.get_by_role("checkbox").check()
    card.get_by_role("textbox").fill("5.000.000.000")
    liaison.get_by_role("button", name="Xem lại trước khi quyết định").click()
    problems = liaison.get_by_role("alert").filter(has_text="Chưa thể quyết định")
    expect(problems).to_contain_text(f"Hồ sơ số {other['id']} · Trần Thị Lệ Thủy")
    expect(problems).to_contain_text("không vượt quá số tiền đề nghị (30.000.000 đồng)")
    card = main(liaison).get_by_role("row").filter(has_text="Trần Thị Lệ Thủy")
    expect(card.get_by_role("textbox")).to_have_value("5.000.000.000")
    expect(card.get_by_role("checkbox")).to_be_checked()
    within_screen(card.get_by_role("textbox"))
    no_horizontal_scroll(liaison)
    snap(liaison, "batch-refused-amount")

    problems.get_by_role("link", name=f"Hồ sơ số {other['id']} · Trần Thị Lệ Thủy").click()
    expect(card.get_by_role("textbox")).to_be_in_viewport()
    card.get_by_role("textbox").fill("30.000.000")
    liaison.get_by_role("button", name="Xem lại trước khi quyết định").click()
    expect(liaison.get_by_role("heading", level=1)).to_have_text("Xác nhận: chấp thuận 1 hồ sơ")
    no_horizontal_scroll(liaison)


def test_dossier_lists_are_cards_on_a_phone(api, login):
    api.submitted(child_full_name=LONG_NAME)
    officer = login("officer", viewport=PHONE)
    officer.goto("/dossiers")
    row = main(officer).get_by_role("row").filter(has_text=LONG_NAME)
    expect(row).to_have_count(1)
    state = row.locator("td[data-label='Trạng thái']")
    assert state.evaluate("e => getComputedStyle(e, '::before').content") == '"Trạng thái"'
    name = row.locator("td[data-label='Người được đề nghị'] a")
    assert lines(name) <= 2.2, lines(name)
    within_screen(state)
    no_horizontal_scroll(officer)
