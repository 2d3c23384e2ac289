"""The state machine alone, without Flask or a database: every event from every state by every role."""
from types import SimpleNamespace

import pytest

from workflow.states import EVENTS, STATES, DossierWorkflow, ReasonRequired, TransitionNotAllowed

UNION, OTHER_UNION, DISTRICT, OTHER_DISTRICT, PROVINCE, OTHER_PROVINCE = 30, 31, 20, 21, 10, 11

ACTORS = {
    "owning officer": SimpleNamespace(role="officer", organisation_id=UNION),
    "other officer": SimpleNamespace(role="officer", organisation_id=OTHER_UNION),
    "reviewer": SimpleNamespace(role="reviewer", organisation_id=DISTRICT),
    "other reviewer": SimpleNamespace(role="reviewer", organisation_id=OTHER_DISTRICT),
    "liaison": SimpleNamespace(role="liaison", organisation_id=PROVINCE),
    "other liaison": SimpleNamespace(role="liaison", organisation_id=OTHER_PROVINCE),
    "admin": SimpleNamespace(role="admin", organisation_id=PROVINCE),
    # right organisation, wrong role: the organisation alone never grants a step
    "officer of the district": SimpleNamespace(role="officer", organisation_id=DISTRICT),
    "reviewer of the union": SimpleNamespace(role="reviewer", organisation_id=UNION),
    "liaison of the district": SimpleNamespace(role="liaison", organisation_id=DISTRICT),
}

# (event, from state) -> (to state, the only actor allowed)
ALLOWED = {
    ("submit", "draft"): ("submitted", "owning officer"),
    ("submit", "returned"): ("submitted", "owning officer"),
    ("return", "submitted"): ("returned", "reviewer"),
    ("approve", "submitted"): ("approved", "reviewer"),
    ("forward", "approved"): ("forwarded", "reviewer"),
    ("accept", "forwarded"): ("accepted", "liaison"),
    ("reject", "forwarded"): ("rejected", "liaison"),
    ("refer_back", "forwarded"): ("submitted", "liaison"),
    ("withdraw", "draft"): ("withdrawn", "owning officer"),
    ("withdraw", "returned"): ("withdrawn", "owning officer"),
    ("withdraw", "submitted"): ("withdrawn", "owning officer"),
}


def dossier(state):
    return SimpleNamespace(state=state, organisation_id=UNION, reviewing_org_id=DISTRICT, deciding_org_id=PROVINCE)


def test_states_and_events_are_those_of_the_design():
    assert set(STATES) == {"draft", "submitted", "returned", "approved", "forwarded", "accepted", "rejected", "withdrawn"}
    assert set(EVENTS) == {"submit", "return", "approve", "forward", "accept", "reject", "refer_back", "withdraw"}
    machine = DossierWorkflow(dossier("draft"), ACTORS["admin"])
    assert {s.value for s in machine.final_states} == {"accepted", "rejected", "withdrawn"}


@pytest.mark.parametrize("actor_name", list(ACTORS))
@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("event", list(EVENTS))
def test_event_state_role(event, state, actor_name):
    d = dossier(state)
    machine = DossierWorkflow(d, ACTORS[actor_name])
    expected = ALLOWED.get((event, state))
    if expected is not None and expected[1] == actor_name:
        assert event in machine.allowed_event_ids()
        machine.send(event, comment="Lý do đầy đủ")
        assert d.state == expected[0]
    else:
        assert event not in machine.allowed_event_ids()
        with pytest.raises(TransitionNotAllowed):
            machine.send(event, comment="Lý do đầy đủ")
        assert d.state == state


@pytest.mark.parametrize("event,state,actor_name", [
    ("return", "submitted", "reviewer"),
    ("reject", "forwarded", "liaison"),
    ("refer_back", "forwarded", "liaison"),
    ("withdraw", "submitted", "owning officer"),
    ("withdraw", "returned", "owning officer"),
])
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_events_that_need_a_reason_refuse_without_one(event, state, actor_name, comment):
    d = dossier(state)
    with pytest.raises(ReasonRequired):
        DossierWorkflow(d, ACTORS[actor_name]).send(event, comment=comment)
    assert d.state == state


def test_withdrawing_a_draft_needs_no_reason():
    d = dossier("draft")
    DossierWorkflow(d, ACTORS["owning officer"]).send("withdraw")
    assert d.state == "withdrawn"


def test_a_new_dossier_starts_as_draft():
    d = SimpleNamespace(state=None, organisation_id=UNION, reviewing_org_id=DISTRICT, deciding_org_id=PROVINCE)
    DossierWorkflow(d, ACTORS["owning officer"])
    assert d.state == "draft"


def test_exists_in_state_ignores_who_asks():
    machine = DossierWorkflow(dossier("submitted"), ACTORS["other officer"])
    assert machine.exists_in_state("approve")
    assert not machine.exists_in_state("accept")
