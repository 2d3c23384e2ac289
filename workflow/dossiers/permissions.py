"""Who may do what: shared by the pages (which buttons), the API and the operations (which refuse). Who may see
what is visibility.py's."""
from __future__ import annotations

from .. import clock
from ..states import EDITABLE_STATES, DossierWorkflow
from .models import Dossier


def acts_today(user) -> bool:
    """A user acts only while their organisation does: the users of an organisation that ended with nobody to take
    its work over may still read what it saw, and do nothing."""
    return user.organisation is not None and user.organisation.in_force(clock.today())


def can_create(user) -> bool:
    return user.role == "officer" and acts_today(user)


def can_edit(user, dossier: Dossier) -> bool:
    return (user.role == "officer" and dossier.organisation_id == user.organisation_id
            and dossier.state in EDITABLE_STATES and acts_today(user))


def allowed_events(user, dossier: Dossier) -> list[str]:
    """What the user may do now: nothing while a step on it waits for a signature (signing/step.py)."""
    if not acts_today(user) or dossier.open_signing_requests:
        return []
    return DossierWorkflow(dossier, user).allowed_event_ids()


def can_forward(user) -> bool:
    return user.role == "staff" and acts_today(user)
