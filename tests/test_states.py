"""The state machine alone, without Flask or a database: every event, in every place a dossier can be on its
route, by every kind of actor."""
from types import SimpleNamespace

import pytest

from workflow.states import EVENTS, STATES, DossierWorkflow, ReasonRequired, TransitionNotAllowed

UNION, OTHER_UNION, COMMUNE, PROVINCE, TLD, OTHER_COMMUNE = 30, 31, 20, 10, 1, 21

ACTORS = {
    "owning officer": SimpleNamespace(role="officer", organisation_id=UNION),
    "other officer": SimpleNamespace(role="officer", organisation_id=OTHER_UNION),
    "commune staff": SimpleNamespace(role="staff", organisation_id=COMMUNE),
    "province staff": SimpleNamespace(role="staff", organisation_id=PROVINCE),
    "tld staff": SimpleNamespace(role="staff", organisation_id=TLD),
    "other commune staff": SimpleNamespace(role="staff", organisation_id=OTHER_COMMUNE),
    "admin": SimpleNamespace(role="admin", organisation_id=PROVINCE),
    "operator": SimpleNamespace(role="operator", organisation_id=None),
    # right organisation, wrong role: the organisation alone never grants a step
    "officer of the commune": SimpleNamespace(role="officer", organisation_id=COMMUNE),
    "staff of the union": SimpleNamespace(role="staff", organisation_id=UNION),
}

# Where a dossier can be: (state, position on its route, organisation it waits at, whether that step decides, whether
# a step follows). A route here is commune (reviews) → province (reviews or decides) → Confederation (decides).
PLACES = {
    "draft": ("draft", None, None, False, False),
    "at the commune": ("submitted", 0, COMMUNE, False, True),
    "at a deciding first level": ("submitted", 0, PROVINCE, True, False),
    "returned": ("returned", 0, None, False, False),
    "approved at the commune": ("approved", 0, COMMUNE, False, True),
    "at the reviewing province": ("forwarded", 1, PROVINCE, False, True),
    "approved at the province": ("approved", 1, PROVINCE, False, True),
    "at the deciding province": ("forwarded", 1, PROVINCE, True, False),
    "at the Confederation": ("forwarded", 2, TLD, True, False),
    "accepted": ("accepted", None, None, False, False),
    "rejected": ("rejected", None, None, False, False),
    "withdrawn": ("withdrawn", None, None, False, False),
    "closed": ("closed", None, None, False, False),
}

OPEN = ["draft", "at the commune", "at a deciding first level", "returned", "approved at the commune",
        "at the reviewing province", "approved at the province", "at the deciding province", "at the Confederation"]

# (event, place) -> (state after, the only actor allowed)
ALLOWED = {
    ("submit", "draft"): ("submitted", "owning officer"),
    ("submit", "returned"): ("submitted", "owning officer"),
    ("return", "at the commune"): ("returned", "commune staff"),
    ("return", "at a deciding first level"): ("returned", "province staff"),
    ("return", "at the reviewing province"): ("returned", "province staff"),
    ("approve", "at the commune"): ("approved", "commune staff"),
    ("approve", "at the reviewing province"): ("approved", "province staff"),
    ("forward", "approved at the commune"): ("forwarded", "commune staff"),
    ("forward", "approved at the province"): ("forwarded", "province staff"),
    ("accept", "at a deciding first level"): ("accepted", "province staff"),
    ("accept", "at the deciding province"): ("accepted", "province staff"),
    ("accept", "at the Confederation"): ("accepted", "tld staff"),
    ("reject", "at a deciding first level"): ("rejected", "province staff"),
    ("reject", "at the deciding province"): ("rejected", "province staff"),
    ("reject", "at the Confederation"): ("rejected", "tld staff"),
    ("refer_back", "at the deciding province"): ("submitted", "province staff"),  # back to the first level
    ("refer_back", "at the Confederation"): ("forwarded", "tld staff"),  # back to the province, reached by a forward
    ("withdraw", "draft"): ("withdrawn", "owning officer"),
    ("withdraw", "returned"): ("withdrawn", "owning officer"),
    ("withdraw", "at the commune"): ("withdrawn", "owning officer"),
    ("withdraw", "at a deciding first level"): ("withdrawn", "owning officer"),
    **{("close", place): ("closed", "operator") for place in OPEN},
}
# The tree's events, fired by the restructuring: the operator or an admin, in any open place.
TREE_ACTORS = {"operator", "admin"}


def dossier(place):
    state, position, at, decides, has_next = PLACES[place]
    return SimpleNamespace(state=state, organisation_id=UNION, position=position, current_org_id=at,
                           current_step_decides=decides, has_next_step=has_next)


def test_states_and_events_are_those_of_the_design():
    assert set(STATES) == {"draft", "submitted", "returned", "approved", "forwarded", "accepted", "rejected",
                           "withdrawn", "closed"}
    assert set(EVENTS) == {"submit", "return", "approve", "forward", "accept", "reject", "refer_back", "withdraw",
                           "close", "transfer"}
    machine = DossierWorkflow(dossier("draft"), ACTORS["admin"])
    assert {s.value for s in machine.final_states} == {"accepted", "rejected", "withdrawn", "closed"}


@pytest.mark.parametrize("actor_name", list(ACTORS))
@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("event", [e for e in EVENTS if e != "transfer"])
def test_event_place_actor(event, place, actor_name):
    d = dossier(place)
    machine = DossierWorkflow(d, ACTORS[actor_name])
    expected = ALLOWED.get((event, place))
    allowed = expected is not None and (expected[1] == actor_name or (event == "close" and actor_name in TREE_ACTORS))
    if allowed:
        if event != "close":
            assert event in machine.allowed_event_ids()
        machine.send(event, comment="Lý do đầy đủ")
        assert d.state == expected[0]
    else:
        assert event not in machine.allowed_event_ids()
        with pytest.raises(TransitionNotAllowed):
            machine.send(event, comment="Lý do đầy đủ")
        assert PLACES[place][0] == d.state


@pytest.mark.parametrize("place", OPEN)
def test_a_transfer_keeps_the_state_except_a_lapsed_approval(place):
    d = dossier(place)
    DossierWorkflow(d, ACTORS["operator"]).send("transfer")
    assert d.state == PLACES[place][0]
    with pytest.raises(TransitionNotAllowed):
        DossierWorkflow(dossier(place), ACTORS["province staff"]).send("transfer")


@pytest.mark.parametrize("position,expected", [(0, "submitted"), (1, "forwarded")])
def test_an_approval_lapses_when_the_successor_is_the_level_that_decides(position, expected):
    """The ended level approved it; where its successor decides, the dossier waits for that decision."""
    d = SimpleNamespace(state="approved", organisation_id=UNION, position=position, current_org_id=PROVINCE,
                        current_step_decides=True, has_next_step=False)
    DossierWorkflow(d, ACTORS["operator"]).send("transfer")
    assert d.state == expected


@pytest.mark.parametrize("event,place,actor_name", [
    ("return", "at the commune", "commune staff"),
    ("reject", "at the Confederation", "tld staff"),
    ("refer_back", "at the Confederation", "tld staff"),
    ("withdraw", "at the commune", "owning officer"),
    ("withdraw", "returned", "owning officer"),
    ("close", "returned", "operator"),
])
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_events_that_need_a_reason_refuse_without_one(event, place, actor_name, comment):
    d = dossier(place)
    with pytest.raises(ReasonRequired):
        DossierWorkflow(d, ACTORS[actor_name]).send(event, comment=comment)
    assert d.state == PLACES[place][0]


def test_withdrawing_a_draft_needs_no_reason():
    d = dossier("draft")
    DossierWorkflow(d, ACTORS["owning officer"]).send("withdraw")
    assert d.state == "withdrawn"


def test_a_new_dossier_starts_as_draft():
    d = SimpleNamespace(state=None, organisation_id=UNION, position=None, current_org_id=None,
                        current_step_decides=False, has_next_step=False)
    DossierWorkflow(d, ACTORS["owning officer"])
    assert d.state == "draft"


def test_exists_in_state_ignores_who_asks():
    machine = DossierWorkflow(dossier("at the commune"), ACTORS["other officer"])
    assert machine.exists_in_state("approve")
    assert not machine.exists_in_state("forward")


def test_the_tree_events_are_never_offered_as_buttons():
    machine = DossierWorkflow(dossier("returned"), ACTORS["operator"])
    assert machine.allowed_event_ids() == []
