"""The dossier state machine (DESIGN §3): states, the eight events, and who may fire them.

It knows nothing of the database or the request (only gettext, which outside a request gives the
Vietnamese msgid): it reads `dossier.state`, `dossier.organisation_id`,
`dossier.reviewing_org_id` and `dossier.deciding_org_id`, and `actor.role` and
`actor.organisation_id`, so it can be tested with plain objects. The operations module is the only
caller that fires events; it records the history and issues the documents.

The labels are Vietnamese msgids marked with N_: whoever shows one translates it then (`_(STATES[code])`).
"""
from flask_babel import gettext
from statemachine import Event, State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from .i18n import N_

__all__ = ["DossierWorkflow", "ReasonRequired", "TransitionNotAllowed", "STATES", "EVENTS", "EDITABLE_STATES"]

STATES = {
    "draft": N_("Dự thảo"),
    "submitted": N_("Đã nộp, chờ thẩm định"),
    "returned": N_("Bị trả lại"),
    "approved": N_("Đã thẩm định đạt"),
    "forwarded": N_("Đã chuyển LĐLĐ tỉnh"),
    "accepted": N_("Được chấp thuận"),
    "rejected": N_("Không được chấp thuận"),
    "withdrawn": N_("Đã rút"),
}

EVENTS = {
    "submit": N_("Nộp hồ sơ"),
    "return": N_("Trả lại hồ sơ"),
    "approve": N_("Thẩm định đạt"),
    "forward": N_("Chuyển lên LĐLĐ tỉnh"),
    "accept": N_("Chấp thuận"),
    "reject": N_("Không chấp thuận"),
    "refer_back": N_("Chuyển lại cấp trên trực tiếp"),
    "withdraw": N_("Rút hồ sơ"),
}

# Events that need a reason from the person acting (withdraw needs one unless the dossier is a draft).
EVENTS_NEEDING_REASON = {"return", "reject", "refer_back", "withdraw"}

EDITABLE_STATES = {"draft", "returned"}


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

    submit = Event(
        draft.to(submitted, cond="acts_for_owning_union") | returned.to(submitted, cond="acts_for_owning_union"),
        name=EVENTS["submit"],
    )
    send_back = Event(
        submitted.to(returned, cond="acts_for_reviewing_org", validators="needs_reason"),
        id="return",
        name=EVENTS["return"],
    )
    approve = Event(submitted.to(approved, cond="acts_for_reviewing_org"), name=EVENTS["approve"])
    forward = Event(approved.to(forwarded, cond="acts_for_reviewing_org"), name=EVENTS["forward"])
    accept = Event(forwarded.to(accepted, cond="acts_for_deciding_org"), name=EVENTS["accept"])
    reject = Event(
        forwarded.to(rejected, cond="acts_for_deciding_org", validators="needs_reason"), name=EVENTS["reject"]
    )
    refer_back = Event(
        forwarded.to(submitted, cond="acts_for_deciding_org", validators="needs_reason"),
        name=EVENTS["refer_back"],
    )
    withdraw = Event(
        draft.to(withdrawn, cond="acts_for_owning_union")
        | returned.to(withdrawn, cond="acts_for_owning_union", validators="needs_reason")
        | submitted.to(withdrawn, cond="acts_for_owning_union", validators="needs_reason"),
        name=EVENTS["withdraw"],
    )

    def __init__(self, dossier, actor):
        self.dossier = dossier
        self.actor = actor
        super().__init__(model=dossier, state_field="state")

    # Guards: one role, acting for the organisation the design assigns to the step.
    def acts_for_owning_union(self):
        return self.actor.role == "officer" and self.actor.organisation_id == self.dossier.organisation_id

    def acts_for_reviewing_org(self):
        return self.actor.role == "reviewer" and self.actor.organisation_id == self.dossier.reviewing_org_id

    def acts_for_deciding_org(self):
        return self.actor.role == "liaison" and self.actor.organisation_id == self.dossier.deciding_org_id

    def needs_reason(self, event, comment=None):
        if not (comment or "").strip():
            raise ReasonRequired(event)

    def allowed_event_ids(self) -> list[str]:
        """The events this actor may fire now (guards evaluated; reasons are asked for later)."""
        return [event.id for event in self.enabled_events()]

    def exists_in_state(self, event_id: str) -> bool:
        """Whether the event leads anywhere from the current state, whoever fires it."""
        return any(event.id == event_id for event in self.allowed_events)
