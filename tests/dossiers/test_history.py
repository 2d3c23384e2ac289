"""The history and the issued documents are append-only; a batch keeps what it was sent with."""
import pytest
import sqlalchemy as sa

from workflow.dossiers.models import DossierEvent
from workflow.extensions import db
from workflow.models import AppendOnlyViolation
from workflow.pdf.models import Document


def test_history_rows_cannot_be_changed_or_deleted(api, ctx):
    api.fire_ok("officer", api.create(), "submit")
    row = db.session.scalar(sa.select(DossierEvent))
    row.comment = "rewritten"
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(sa.select(DossierEvent)))
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()


def test_issued_documents_cannot_be_changed(api, ctx):
    api.fire_ok("officer", api.create(), "submit")
    document = db.session.scalar(sa.select(Document))
    document.number = "99/TTr-CĐCS"
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()


def test_a_resubmission_keeps_each_round_as_submitted(api):
    dossier = api.fire_ok("officer", api.create(), "submit")
    dossier = api.fire_ok("reviewer", dossier, "return", comment="Sai bệnh viện.")
    dossier = api.patch("officer", f"/api/v1/dossiers/{dossier['id']}",
                        {"version": dossier["version"], "data": {"hospital": "Bệnh viện Tim Tâm Đức"}}).json
    api.fire_ok("officer", dossier, "submit")
    with api.client.application.app_context():
        snapshots = db.session.scalars(
            sa.select(DossierEvent.data_snapshot).where(DossierEvent.event == "submit").order_by(DossierEvent.id)).all()
    assert [s["hospital"] for s in snapshots] == ["Bệnh viện Nhi Đồng 1", "Bệnh viện Tim Tâm Đức"]


def test_referred_back_and_forwarded_again_joins_a_new_batch(api):
    first_batch = api.forwarded(api.approved(kind="union_housing"))
    dossier = first_batch["dossiers"][0]
    dossier = api.get("liaison", f"/api/v1/dossiers/{dossier['id']}").json
    dossier = api.fire_ok("liaison", dossier, "refer_back", comment="Xác minh lại chi phí.")
    dossier = api.fire_ok("reviewer", dossier, "approve")
    second_batch = api.forwarded(dossier)
    assert second_batch["id"] != first_batch["id"]
    again = api.get("reviewer", f"/api/v1/batches/{first_batch['id']}").json
    assert [d["id"] for d in again["dossiers"]] == [dossier["id"]]  # the first batch still lists it
    assert api.get("liaison", f"/api/v1/dossiers/{dossier['id']}").json["batch_id"] == second_batch["id"]
    assert again["counts"]["pending"] == 0 and again["counts"]["sent_back"] == 1
