"""Who hears of what (DESIGN §3): the union when its dossier is returned, approved, sent up, decided, moved to
another organisation or closed; the organisation a dossier reaches when it is submitted or referred back to it or
moved to it; the recipient of a batch when it arrives. An item names the dossier as its recipient's organisation
knows it (visibility.py)."""
from __future__ import annotations

from ..notifications.service import notify
from .visibility import data_seen, viewer_for

# event -> topic (a submission is "resubmitted" after the first round)
EVENT_TOPICS = {"return": "returned", "approve": "approved", "forward": "forwarded", "accept": "accepted",
                "reject": "rejected", "refer_back": "referred_back", "close": "closed", "transfer": "transferred"}
# Topics for the organisation the dossier waits at now (its staff); the others go to the union's officers.
TO_CURRENT = {"submitted", "resubmitted", "referred_back", "transferred_in"}


def notify_dossier_event(event_name: str, dossier, comment: str | None, *, moved_here: bool = False) -> None:
    """moved_here: a transfer brought the dossier to the organisation it now waits at (whose staff are told, and
    its union). A transfer that changed only a level behind or ahead of where it waits tells nobody: its history
    says it."""
    topics = [("resubmitted" if dossier.round > 1 else "submitted") if event_name == "submit"
              else EVENT_TOPICS.get(event_name)]
    if event_name == "transfer":
        if moved_here:
            topics.append("transferred_in")
        elif dossier.current_org_id is not None:
            return
    for topic in filter(None, topics):
        if topic in TO_CURRENT:
            organisation_id, role = dossier.current_org_id, "staff"
        else:
            organisation_id, role = dossier.organisation_id, "officer"
        if organisation_id is None:
            continue
        # Who did it (the history row just written), or for a forward where it went.
        acting = (dossier.current_step.organisation.name if event_name == "forward"
                  else dossier.events[-1].organisation.name)
        seen = data_seen(viewer_for(organisation_id, owner_side=role == "officer"), dossier)
        params = {"id": dossier.id, "subject": dossier.kind_spec.subject(seen or dossier.submitted_data or {}),
                  "union": dossier.organisation.name, "reason": comment or "", "round": dossier.round, "org": acting}
        notify(topic, role, organisation_id, params, dossier_id=dossier.id)


def notify_batch_received(batch) -> None:
    params = {"number": batch.document.number if batch.document else batch.id, "sender": batch.organisation.name,
              "count": len(batch.dossiers)}
    notify("batch_received", "staff", batch.recipient_id, params, batch_id=batch.id)
