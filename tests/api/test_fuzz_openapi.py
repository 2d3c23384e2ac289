"""The API fuzzed from its own OpenAPI document (schemathesis, issue 13): every operation, for each role (a union's
officer, the district's reviewer, the province's liaison, the admin), with data that fits the document and data that
does not, on existing ids and on any; no answer may be a server error (schemathesis' `not_a_server_error`).

Bounded and reproducible: Hypothesis derandomized (the same examples on every run), no example database, a fixed
number of examples per operation; everything goes through the app's WSGI interface (no network). The app runs with
TESTING, so an exception in a view is raised here rather than answered 500: both count as a server error."""
from __future__ import annotations

import os
import traceback

import pytest
import sqlalchemy as sa

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from workflow.auth.models import User  # noqa: E402
from workflow.dossiers.models import Attachment, Batch, Dossier  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.orgs.models import Organisation  # noqa: E402
from workflow.pdf.models import Document  # noqa: E402
from workflow.signing.models import SigningRequest  # noqa: E402

from ..conftest import Api  # noqa: E402

# Per operation and role: about 20 s a role here. FUZZ_EXAMPLES=200 fuzzes deeper (a few minutes a role).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 20))
ROLES = ["officer", "reviewer", "liaison", "admin"]

# The rows an operation's {id} names, by the path's first segment.
ROWS = {"dossiers": Dossier, "batches": Batch, "documents": Document, "attachments": Attachment, "users": User,
        "organisations": Organisation, "signing-requests": SigningRequest}


def _existing_ids(app) -> dict[str, list[int]]:
    with app.app_context():
        return {segment: list(db.session.scalars(sa.select(model.id).order_by(model.id).limit(4)))
                for segment, model in ROWS.items()}


def _strategy(operation, ids: dict[str, list[int]]):
    """Examples that fit the document and examples that do not; for an operation on one row, on the rows that
    exist (so that the operation itself runs, not only its 404) as well as on any id."""
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    strategies = [operation.as_strategy(mode) for mode in modes]
    if "{id}" in operation.path:
        existing = ids.get(operation.path.strip("/").split("/")[0]) or []
        strategies += [operation.as_strategy(mode, path_parameters={"id": row}) for row in existing for mode in modes]
    return st.one_of(strategies)


def _work_in_progress(api):
    """A dossier at each stage, so that the ids above name documents, attachments and a batch."""
    api.create()
    api.submitted(citizen_id="070085000111")
    api.forwarded(api.approved(citizen_id="070085000222"))


@pytest.mark.parametrize("role", ROLES)
def test_no_operation_answers_a_server_error(app, client, today, demo_data, role):
    api = Api(client)
    _work_in_progress(api)
    ids = _existing_ids(app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda op: op.label == "DELETE /tokens")  # the token's revocation last
    headers = api.headers(role)
    failures = []

    for operation in operations:
        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=_strategy(operation, ids))
        def fuzz(case):
            case.headers = {**(case.headers or {}), **headers}  # the role's token, whatever else was generated
            response = None
            try:
                # Sent through the test client and closed after, as a WSGI server does (case.call() leaves a
                # downloaded file open until the garbage collector finds it).
                response = client.open(**case.as_transport_kwargs())
                response.get_data()
                case.validate_response(response, checks=[not_a_server_error])
            except Exception:  # noqa: BLE001 - a view's exception (TESTING) or the check's failure: both reported
                failures.append(f"{case.method} {case.formatted_path} query={case.query!r} "
                                f"body={str(case.body)[:300]!r}\n{traceback.format_exc(limit=-3)}")
            finally:
                if response is not None:
                    response.close()
        fuzz()

    assert not failures, f"{len(failures)} server errors as {role}:\n" + "\n".join(failures[:10])
