from . import child_heart  # noqa: F401  (registers the kind)
from .kinds import KINDS, get_kind  # noqa: F401
