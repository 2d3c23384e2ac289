"""The API's view of the tree and the routes: organisations with their dated place, a dossier's route and where it
is now, the routes in force."""
from datetime import date


def test_organisations_lists_the_tree_past_and_present_for_any_signed_in_user(api, client):
    assert client.get("/api/v1/organisations").status_code == 401
    for user in ("officer", "reviewer", "admin"):
        assert api.get(user, "/api/v1/organisations").status_code == 200
    body = api.get("officer4", "/api/v1/organisations").json
    by_code = {o["code"]: o for o in body["organisations"]}
    assert body["total"] == len(by_code) == 12
    district = by_code["ldld-phu-rieng"]
    assert set(district) >= {"id", "code", "name", "level", "parent", "valid_from", "valid_to", "successor"}
    assert district["level"] == "upper_grassroots" and district["valid_to"] == "2025-06-30"
    assert district["successor"] == {"id": by_code["cd-xa-phu-rieng"]["id"], "code": "cd-xa-phu-rieng",
                                     "name": "Công đoàn xã Phú Riềng"}
    assert district["parent"]["code"] == "ldld-binh-phuoc"  # where it sat when it ended
    union = by_code["cdcs-cao-su-phu-rieng"]
    assert union["parent"]["code"] == "cd-xa-phu-rieng" and union["successor"] is None and union["valid_to"] is None
    assert [(p["parent"]["code"], p["valid_from"], p["valid_to"]) for p in union["placements"]] == [
        ("ldld-phu-rieng", None, "2025-06-30"), ("cd-xa-phu-rieng", "2025-07-01", None)]
    assert by_code["tld"]["parent"] is None

    today = api.get("officer", "/api/v1/organisations?in_force_on=2026-01-05&level=upper_grassroots").json
    assert sorted(o["code"] for o in today["organisations"]) == ["cd-xa-bu-dang", "cd-xa-phu-rieng"]
    then = api.get("officer", "/api/v1/organisations?in_force_on=2018-01-05&level=upper_grassroots").json
    assert sorted(o["code"] for o in then["organisations"]) == ["ldld-bu-dang", "ldld-phu-rieng"]
    assert api.get("officer", "/api/v1/organisations?in_force_on=hôm-nay").status_code == 422
    paged = api.get("officer", "/api/v1/organisations?per_page=5&page=3").json
    assert (paged["pages"], len(paged["organisations"])) == (3, 2)
    assert api.get("officer", f"/api/v1/organisations?page={2**70}").status_code == 200


def test_a_dossier_carries_its_route_and_where_it_is(api):
    draft = api.create()
    assert draft["route"] == [] and draft["current_org"]["code"] == "cdcs-cao-su-phu-rieng"
    dossier = api.fire_ok("officer", draft, "submit")
    assert dossier["route"] == [
        {"org": {"id": dossier["route"][0]["org"]["id"], "code": "cd-xa-phu-rieng", "name": "Công đoàn xã Phú Riềng"},
         "role": "review"},
        {"org": {"id": dossier["route"][1]["org"]["id"], "code": "ldld-dong-nai",
                 "name": "Liên đoàn Lao động tỉnh Đồng Nai"}, "role": "review"},
        {"org": {"id": dossier["route"][2]["org"]["id"], "code": "tld", "name": "Tổng Liên đoàn Lao động Việt Nam"},
         "role": "decide"}]
    assert dossier["current_org"]["code"] == "cd-xa-phu-rieng"
    listed = api.get("officer", "/api/v1/dossiers").json["dossiers"][0]
    assert listed["route"] == dossier["route"] and listed["current_org"] == dossier["current_org"]
    returned = api.fire_ok("reviewer", dossier, "return", comment="Bổ sung.")
    assert returned["current_org"]["code"] == "cdcs-cao-su-phu-rieng"  # back in the union's hands
    # The route is kept from the first submission: a later route does not change it.
    assert api.fire_ok("officer", api.view("officer", returned), "submit")["route"] == dossier["route"]


def test_a_reviewing_level_that_decides_small_amounts_shows_as_deciding(api):
    small = api.submitted(kind="accident_aid")
    assert [(s["org"]["code"], s["role"]) for s in small["route"]] == [("cd-xa-phu-rieng", "decide")]


def test_routes_in_force_for_the_caller(api, app):
    routes = api.get("officer", "/api/v1/routes").json
    assert routes["on"] == "2026-01-05"
    by_kind = {r["kind"]: r for r in routes["routes"]}
    assert set(by_kind) == {"child_heart", "creative_labour", "union_housing", "accident_aid"}
    assert [s["level"] for s in by_kind["creative_labour"]["steps"]] == ["upper_grassroots", "province",
                                                                        "confederation"]
    assert by_kind["accident_aid"]["steps"][0]["decides_up_to_vnd"] == 2_000_000
    assert "1564/QĐ-TLĐ" in by_kind["creative_labour"]["basis"]
    assert by_kind["union_housing"]["jurisdiction"]["code"] == "tld"


def test_add_route_refuses_what_is_no_route(app, demo_data):
    cases = [
        ('[{"level": "province", "role": "review"}]', "Cấp cuối cùng của tuyến phải là cấp quyết định."),
        ('[{"level": "province", "role": "decide"}, {"level": "upper_grassroots", "role": "decide"}]',
         "Các cấp phải đi từ dưới lên"),
        ('[{"level": "province", "role": "decide", "decides_up_to_vnd": 5}]', "chỉ ghi cho cấp thẩm định"),
        ('[{"level": "grassroots", "role": "decide"}]', "steps.0.level"),
        ('[{"level": "province", "role": "decide", "decides_up_to_vnd": -1}]', "steps.0.decides_up_to_vnd"),
        ('[]', "ít nhất một cấp"),
        ('{"level": "province"}', "steps: phải là một danh sách"),
    ]
    for steps, message in cases:
        result = app.test_cli_runner().invoke(args=[
            "add-route", "--kind", "union_housing", "--jurisdiction", "ldld-dong-nai", "--from", "2027-01-01",
            "--basis", "Thử nghiệm tuyến", "--steps", steps])
        assert result.exit_code != 0 and message in result.output, (steps, result.output)
    result = app.test_cli_runner().invoke(args=[
        "add-route", "--kind", "union_housing", "--jurisdiction", "cd-xa-phu-rieng", "--from", "2027-01-01",
        "--basis", "Thử nghiệm tuyến", "--steps", '[{"level": "province", "role": "decide"}]'])
    assert result.exit_code != 0 and "Chỉ Tổng Liên đoàn và Liên đoàn Lao động cấp tỉnh" in result.output


def test_a_route_whose_deciding_level_is_missing_is_refused_at_submission(api, app, today):
    result = app.test_cli_runner().invoke(args=[
        "add-route", "--kind", "child_heart", "--jurisdiction", "tld", "--from", "2026-01-05",
        "--basis", "Tuyến thử: LĐLĐ tỉnh quyết định", "--steps",
        '[{"level": "upper_grassroots", "role": "review"}, {"level": "province", "role": "decide"}]'])
    assert result.exit_code == 0, result.output
    # Under a route from the Confederation straight down, a union with no province above it cannot submit.
    with app.app_context():
        from workflow.extensions import db
        from workflow.orgs.models import Organisation, OrganisationPlacement

        national = db.session.query(Organisation).filter_by(code="tld").one()
        lone = Organisation(code="cdcs-tw", level="grassroots", name="Công đoàn cơ sở thử", header_name="CĐCS THỬ",
                            abbreviation="CĐCS", place_name="Hà Nội", signing_body="BAN CHẤP HÀNH")
        db.session.add_all([lone, OrganisationPlacement(organisation=lone, parent=national,
                                                        valid_from=date(2026, 1, 1))])
        from workflow.auth.models import User
        user = User(username="lone", full_name="Cán bộ thử", role="officer", organisation=lone)
        user.set_password("demo")
        db.session.add(user)
        db.session.commit()
    dossier = api.create("lone")
    api.attach_required("lone", dossier["id"])
    refused = api.fire("lone", dossier, "submit", attach=False)
    assert refused.status_code == 422
    assert "cần cấp “Công đoàn cấp tỉnh, ngành trung ương” quyết định" in refused.json["errors"]["kind"][0]
    assert api.view("lone", dossier)["state"] == "draft"
