"""The signing step in the browser: the province's staff presents a decision, its leader signs it from the queue
on a phone, and the union sees the decision signed."""
import re

from .conftest import PHONE
from .pages import expect, main, no_horizontal_scroll


def test_the_staff_presents_and_the_leader_signs_on_a_phone(api, login, snap, signing_step):
    dossier, staff = api.at_decider("officer", "union_housing")
    liaison = login(staff)
    liaison.goto(f"/dossiers/{dossier['id']}")
    expect(main(liaison)).to_contain_text("được trình lãnh đạo ký")
    form = liaison.locator("form").filter(has=liaison.get_by_role("button", name="Chấp thuận", exact=True))
    form.get_by_role("textbox").fill("30.000.000")
    form.get_by_role("button", name="Chấp thuận", exact=True).click()
    liaison.get_by_role("button", name="Xác nhận: Chấp thuận").click()
    expect(liaison.get_by_text(re.compile(r"^Đã trình ký: Quyết định"))).to_be_visible()
    expect(main(liaison)).to_contain_text("Hồ sơ chờ lãnh đạo ký")
    expect(main(liaison).get_by_role("button", name="Chấp thuận", exact=True)).to_have_count(0)

    leader = login("leader", viewport=PHONE)
    leader.get_by_role("button", name="Mở menu").click()
    leader.get_by_role("link", name=re.compile("Trình ký")).click()
    expect(leader.get_by_role("heading", level=1)).to_have_text("Văn bản trình ký")
    no_horizontal_scroll(leader)
    snap(leader, "leader-signing-queue")
    main(leader).get_by_role("link", name=re.compile("Quyết định hỗ trợ nhà")).click()
    no_horizontal_scroll(leader)
    snap(leader, "leader-signing-request")
    leader.get_by_role("button", name="Ký và ban hành").click()
    expect(leader.get_by_text(re.compile(r"Đã ký và ban hành: \d+/QĐ-LĐLĐ"))).to_be_visible()

    officer = login("officer")
    officer.goto(f"/dossiers/{dossier['id']}")
    expect(main(officer)).to_contain_text("Được chấp thuận")
    expect(main(officer)).to_contain_text("ký số: Phạm Văn Lực")
