"""The dossier state machine (DESIGN §3): states, events, and who may fire them, along any route.

It knows nothing of the database or the request (only gettext, which outside a request gives the Vietnamese
msgid): it reads the dossier's `state`, `organisation_id` (the owning union), `position` on its route,
`current_org_id` (the organisation it waits at), `current_step_decides` and `has_next_step`, and the actor's
`role` and `organisation_id`, so it can be tested with plain objects. The operations module is the only caller
that fires events; it moves the dossier along its route, records the history and issues the documents.

- submitted: waiting at the first level of its route (sent by the union); forwarded: waiting at a higher level
  (sent by the level below); approved: a reviewing level found it in order and will send it up.
- At a reviewing level: return (to the union), approve, then forward to the next level.
- At the deciding level: accept, reject, refer back to the level below, or return when it is the first level.
- close: the union was dissolved with nobody to take its work over; transfer: the organisation the dossier
  waits at ended and a successor takes it over (an approval given by the ended level lapses when the successor
  is the level that decides).

The labels are Vietnamese msgids marked with N_: whoever shows one translates it then (`_(STATES[code])`).
"""
from flask_babel import gettext
from statemachine import Event, State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from .i18n import N_

__all__ = ["DossierWorkflow", "ReasonRequired", "TransitionNotAllowed", "STATES", "EVENTS", "EDITABLE_STATES",
           "WAITING_STATES", "FINAL_STATES"]

STATES = {
    "draft": N_("Dự thảo"),
    "submitted": N_("Đã nộp, chờ xử lý"),
    "returned": N_("Bị trả lại"),
    "approved": N_("Đã thẩm định đạt"),
    "forwarded": N_("Đã chuyển cấp trên"),
    "accepted": N_("Được chấp thuận"),
    "rejected": N_("Không được chấp thuận"),
    "withdrawn": N_("Đã rút"),
    "closed": N_("Đã đóng"),
}

EVENTS = {
    "submit": N_("Nộp hồ sơ"),
    "return": N_("Trả lại hồ sơ"),
    "approve": N_("Thẩm định đạt"),
    "forward": N_("Chuyển lên cấp trên"),
    "accept": N_("Chấp thuận"),
    "reject": N_("Không chấp thuận"),
    "refer_back": N_("Chuyển lại cấp dưới"),
    "withdraw": N_("Rút hồ sơ"),
    "close": N_("Đóng hồ sơ"),
    "transfer": N_("Chuyển đơn vị xử lý"),
}

# Events that need a reason from the person acting (withdraw needs one unless the dossier is a draft).
EVENTS_NEEDING_REASON = {"return", "reject", "refer_back", "withdraw", "close"}
# Events only the restructuring of the tree fires (never offered as a button).
TREE_EVENTS = {"close", "transfer"}

EDITABLE_STATES = {"draft", "returned"}
WAITING_STATES = {"submitted", "approved", "forwarded"}  # at a step of the route
FINAL_STATES = {"accepted", "rejected", "withdrawn", "closed"}


class ReasonRequired(ValueError):
    """The event needs a reason (a comment) and none was given."""

    def __init__(self, event_id):
        super().__init__(gettext("Vui lòng nhập lý do."))
        self.event_id = event_id


class DossierWorkflow(StateMachine):
    draft = State(STATES["draft"], value="draft", initial=True)
    submitted = State(STATES["submitted"], value="submitted")
    returned = State(STATES["returned"], value="returned")
    approved = State(STATES["approved"], value="approved")
    forwarded = State(STATES["forwarded"], value="forwarded")
    accepted = State(STATES["accepted"], value="accepted", final=True)
    rejected = State(STATES["rejected"], value="rejected", final=True)
    withdrawn = State(STATES["withdrawn"], value="withdrawn", final=True)
    closed = State(STATES["closed"], value="closed", final=True)

    submit = Event(
        draft.to(submitted, cond="acts_for_owning_union") | returned.to(submitted, cond="acts_for_owning_union"),
        name=EVENTS["submit"],
    )
    send_back = Event(
        submitted.to(returned, cond="acts_here", validators="needs_reason")
        | forwarded.to(returned, cond="reviews_here", validators="needs_reason"),
        id="return",
        name=EVENTS["return"],
    )
    approve = Event(submitted.to(approved, cond="reviews_here") | forwarded.to(approved, cond="reviews_here"),
                    name=EVENTS["approve"])
    forward = Event(approved.to(forwarded, cond=["reviews_here", "has_next_step"]), name=EVENTS["forward"])
    accept = Event(submitted.to(accepted, cond="decides_here") | forwarded.to(accepted, cond="decides_here"),
                   name=EVENTS["accept"])
    reject = Event(
        submitted.to(rejected, cond="decides_here", validators="needs_reason")
        | forwarded.to(rejected, cond="decides_here", validators="needs_reason"),
        name=EVENTS["reject"],
    )
    refer_back = Event(
        forwarded.to(submitted, cond=["decides_here", "below_is_first_level"], validators="needs_reason")
        | forwarded.to.itself(cond="decides_here", unless="below_is_first_level", validators="needs_reason"),
        name=EVENTS["refer_back"],
    )
    withdraw = Event(
        draft.to(withdrawn, cond="acts_for_owning_union")
        | returned.to(withdrawn, cond="acts_for_owning_union", validators="needs_reason")
        | submitted.to(withdrawn, cond="acts_for_owning_union", validators="needs_reason"),
        name=EVENTS["withdraw"],
    )
    close = Event(
        draft.to(closed, cond="restructures", validators="needs_reason")
        | submitted.to(closed, cond="restructures", validators="needs_reason")
        | returned.to(closed, cond="restructures", validators="needs_reason")
        | approved.to(closed, cond="restructures", validators="needs_reason")
        | forwarded.to(closed, cond="restructures", validators="needs_reason"),
        name=EVENTS["close"],
    )
    transfer = Event(
        approved.to(submitted, cond=["restructures", "decides_now", "at_first_level"])
        | approved.to(forwarded, cond=["restructures", "decides_now"], unless="at_first_level")
        | approved.to.itself(cond="restructures", unless="decides_now")
        | draft.to.itself(cond="restructures") | submitted.to.itself(cond="restructures")
        | returned.to.itself(cond="restructures")
        | forwarded.to(submitted, cond=["restructures", "at_first_level"])  # the level below it merged into it
        | forwarded.to.itself(cond="restructures"),
        name=EVENTS["transfer"],
    )

    def __init__(self, dossier, actor):
        self.dossier = dossier
        self.actor = actor
        super().__init__(model=dossier, state_field="state")

    # Guards: one role, acting for the organisation the dossier's route gives the step.
    def acts_for_owning_union(self):
        return self.actor.role == "officer" and self.actor.organisation_id == self.dossier.organisation_id

    def acts_here(self):
        return (self.actor.role == "staff" and self.dossier.current_org_id is not None
                and self.actor.organisation_id == self.dossier.current_org_id)

    def reviews_here(self):
        return self.acts_here() and not self.dossier.current_step_decides

    def decides_here(self):
        return self.acts_here() and self.dossier.current_step_decides

    def decides_now(self):
        return self.dossier.current_step_decides

    def has_next_step(self):
        return self.dossier.has_next_step

    def at_first_level(self):
        return self.dossier.position == 0

    def below_is_first_level(self):
        return self.dossier.position == 1

    def restructures(self):
        """The tree changed: the server's operator, or an admin ending an organisation."""
        return self.actor.role in ("operator", "admin")

    def needs_reason(self, event, comment=None):
        if not (comment or "").strip():
            raise ReasonRequired(event)

    def allowed_event_ids(self) -> list[str]:
        """The events this actor may fire now (guards evaluated; reasons are asked for later), never those only
        the restructuring of the tree fires."""
        return [event.id for event in self.enabled_events() if event.id not in TREE_EVENTS]

    def exists_in_state(self, event_id: str) -> bool:
        """Whether the event leads anywhere from the current state, whoever fires it."""
        return any(event.id == event_id for event in self.allowed_events)
