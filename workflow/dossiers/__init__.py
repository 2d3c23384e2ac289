from . import child_heart, creative_labour  # noqa: F401  (each registers its kind)
from .kinds import KINDS, get_kind  # noqa: F401
