from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_covers_the_api(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    validate(spec)
    for path in ("/tokens", "/dossiers", "/dossiers/{id}", "/dossiers/{id}/transitions", "/dossiers/{id}/documents",
                 "/documents/{id}", "/batches", "/batches/{id}", "/batches/{id}/bundle.pdf", "/kinds"):
        assert path in spec["paths"], path
    assert "child_heart_data" in spec["components"]["schemas"]


def test_every_documented_route_exists(app, client):
    import re

    spec = client.get("/api/v1/openapi.json").json
    rules = {re.sub(r"<(?:int:)?\w+>", "{x}", rule.rule) for rule in app.url_map.iter_rules()}
    for path in spec["paths"]:
        assert "/api/v1" + re.sub(r"\{\w+\}", "{x}", path) in rules, path


def test_token_shape(client, demo_data):
    response = client.post("/api/v1/tokens", json={"username": "officer", "password": "demo"})
    assert response.status_code == 201
    assert set(response.json) == {"token", "expires_at"}
    assert client.post("/api/v1/tokens", json={"username": "officer"}).status_code == 422
    assert client.post("/api/v1/tokens", data="not json").status_code == 422


def test_dossier_shape(api):
    dossier = api.create()
    assert {"id", "kind", "state", "version", "org", "data", "allowed_events", "documents"} <= set(dossier)
    assert set(dossier["org"]) == {"id", "name"}
    submitted = api.fire_ok("officer", dossier, "submit")
    document = submitted["documents"][0]
    assert {"id", "doc_type", "number", "issued_at", "sha256", "url"} <= set(document)
    batch_dossier = api.approved()
    batch = api.forwarded(batch_dossier)
    assert {"id", "number", "dossiers", "documents", "bundle_url"} <= set(batch)
