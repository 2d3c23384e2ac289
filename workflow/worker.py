"""What the background consumer runs: `huey_consumer workflow.worker.huey`. Importing the modules that declare
tasks registers them with the queue (workflow/jobs.py)."""
from .batches import bundles  # noqa: F401  (build_bundle_task)
from .jobs import huey  # noqa: F401
from .notifications import service  # noqa: F401  (send_mail_task)
from .signing import step  # noqa: F401  (sign_when_confirmed)
