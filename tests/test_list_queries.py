"""The list page and API list run a bounded number of SQL queries, however many rows they show."""
from contextlib import contextmanager

from sqlalchemy import event

from workflow.extensions import db


@contextmanager
def count_queries(app):
    with app.app_context():
        engine = db.engine
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def make_submitted(api, n, user="officer"):
    for _ in range(n):
        api.fire_ok(user, api.create(user), "submit")


def queries_for(app, page, url):
    page.get(url)  # warm up: the login's user row, the CSRF session
    with count_queries(app) as statements:
        response = page.get(url)
    assert response.status_code == 200
    return len(statements)


def test_list_page_queries_do_not_grow_with_rows(api, browser, app):
    make_submitted(api, 2)
    make_submitted(api, 1, "officer2")
    officer, reviewer = browser("officer"), browser("reviewer")
    few = queries_for(app, officer, "/dossiers"), queries_for(app, reviewer, "/dossiers")
    make_submitted(api, 12)
    make_submitted(api, 5, "officer2")
    many = queries_for(app, officer, "/dossiers"), queries_for(app, reviewer, "/dossiers")
    assert many == few
    # The user, the organisations they speak for (one query), the page's ids, its rows with their steps, their access
    # rows and the events the reader was sent (one query each: no other organisation's snapshot is read), the
    # count, the filters' unions and plans (the chain and its predecessors: one query each), the unread
    # notifications: a fixed set, whatever the number of rows.
    assert max(many) <= 16


def test_api_list_queries_do_not_grow_with_rows(api, app):
    make_submitted(api, 2)
    headers = api.headers("reviewer")

    def run():
        with count_queries(app) as statements:
            response = api.client.get("/api/v1/dossiers", headers=headers)
        assert response.status_code == 200
        return len(statements), len(response.json["dossiers"])

    few, rows_few = run()
    make_submitted(api, 10)
    many, rows_many = run()
    assert (rows_few, rows_many) == (2, 12)
    assert many == few


def test_list_filters(api, browser):
    make_submitted(api, 1)
    api.create(full_name="Đinh Thị Hoa")
    page = browser("officer")
    drafts = page.get("/dossiers?state=draft").get_data(as_text=True)
    assert "Đinh Thị Hoa" in drafts and "Nguyễn Thị Bảo Ngọc (con của Nguyễn Văn Ánh)" not in drafts
    assert len(api.get("officer", "/api/v1/dossiers?state=submitted").json["dossiers"]) == 1
    assert api.get("officer", "/api/v1/dossiers?kind=child_heart").status_code == 200
    assert api.get("officer", "/api/v1/dossiers?state=bogus").status_code == 422
