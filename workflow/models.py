"""All tables, imported in one place for the metadata; issued rows are append-only."""
from sqlalchemy import event
from sqlalchemy.orm import Session

from .audit.models import AdminChange  # noqa: F401
from .auth.models import ApiToken, LoginAttempt, User  # noqa: F401
from .campaigns.models import Campaign, CampaignPhase  # noqa: F401
from .dossiers.models import Batch, Dossier, DossierAccess, DossierEvent, DossierStep, Route, RuleSet  # noqa: F401
from .notifications.models import Notification  # noqa: F401
from .orgs.models import Organisation, OrganisationFormerName, OrganisationPlacement  # noqa: F401
from .pdf.models import BundleBuild, Document, DocumentCounter  # noqa: F401
from .reports.models import CampaignReport  # noqa: F401
from .signing.models import DocumentSignature, SigningRequest  # noqa: F401
from .verification.models import Verification  # noqa: F401

APPEND_ONLY = (DossierEvent, Document, AdminChange, Verification, DocumentSignature, CampaignReport)


class AppendOnlyViolation(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_issued_rows(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, APPEND_ONLY) and (
                obj in session.deleted or session.is_modified(obj, include_collections=False)):
            raise AppendOnlyViolation(f"{type(obj).__name__} rows are append-only")

