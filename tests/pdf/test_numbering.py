"""Document numbers: one yearly sequence per issuing organisation, no duplicates under concurrency."""
import threading
from datetime import date

import sqlalchemy as sa

from workflow.extensions import db
from workflow.orgs.models import Organisation
from workflow.pdf.models import Document
from workflow.pdf.numbering import format_number, next_sequence


def test_format():
    assert format_number(5, "TTr", "LĐLĐ") == "05/TTr-LĐLĐ"
    assert format_number(123, "QĐ", "LĐLĐ") == "123/QĐ-LĐLĐ"


def test_each_organisation_has_its_own_yearly_sequence(api, today):
    officer_dossier = api.fire_ok("officer", api.create(), "submit")
    officer2_dossier = api.fire_ok("officer2", api.create("officer2"), "submit")
    assert officer_dossier["documents"][0]["number"] == "01/TTr-CĐCS"
    assert officer2_dossier["documents"][0]["number"] == "01/TTr-CĐCS"  # another union, its own sequence
    assert api.fire_ok("officer", api.create(), "submit")["documents"][0]["number"] == "02/TTr-CĐCS"
    today(date(2019, 1, 1))
    fresh = api.fire_ok("officer", api.create(surgery_indicated_on="2018-12-30"), "submit")
    assert fresh["documents"][0]["number"] == "01/TTr-CĐCS"  # a new year starts again from 01
    assert fresh["documents"][0]["issued_on"] == "2019-01-01"


def test_types_share_the_organisation_sequence_by_default(api):
    a = api.fire_ok("officer", api.create(), "submit")
    b = api.fire_ok("officer", api.create(), "submit")
    api.fire_ok("reviewer", a, "return", comment="Bổ sung.")
    approved = api.fire_ok("reviewer", b, "approve")
    assert approved["documents"][-1]["number"] == "02/BB-CĐX"  # the commune union: one sequence for all its types


def test_sequence_per_type_when_configured(api, app):
    app.config["DOCUMENT_SEQUENCE_SCOPE"] = "organisation_type"
    try:
        a = api.fire_ok("officer", api.create(), "submit")
        b = api.fire_ok("officer", api.create(), "submit")
        api.fire_ok("reviewer", a, "return", comment="Bổ sung.")
        assert api.fire_ok("reviewer", b, "approve")["documents"][-1]["number"] == "01/BB-CĐX"
    finally:
        app.config["DOCUMENT_SEQUENCE_SCOPE"] = "organisation"


def test_concurrent_issuers_never_share_a_number(app, demo_data):
    """Eight transactions take numbers from the same counter at once; all commit, none collide."""
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id).where(Organisation.code == "ldld-phu-rieng"))
    numbers, errors = [], []
    barrier = threading.Barrier(8)

    def take():
        try:
            with app.app_context():
                barrier.wait()
                numbers.append(next_sequence(org_id, 2018, ""))
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 9))


def test_two_documents_issued_at_once_get_distinct_numbers(api, app):
    first = api.fire_ok("officer", api.create(), "submit")
    second = api.fire_ok("officer2", api.create("officer2"), "submit")
    headers = api.headers("reviewer")
    results = []
    barrier = threading.Barrier(2)

    def approve(dossier):
        client = app.test_client()
        barrier.wait()
        results.append(client.post(f"/api/v1/dossiers/{dossier['id']}/transitions",
                                   json={"event": "approve", "version": dossier["version"]}, headers=headers))

    threads = [threading.Thread(target=approve, args=(d,)) for d in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200, 200]
    with app.app_context():
        numbers = db.session.scalars(sa.select(Document.number).where(Document.doc_type == "BB")).all()
    assert sorted(numbers) == ["01/BB-CĐX", "02/BB-CĐX"]
