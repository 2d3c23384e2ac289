"""What people look through: the home page per role, the dossier list with its filters, search and pages, and
its exports."""
from . import entries  # noqa: F401  (keeps the list columns in step on every flush)
