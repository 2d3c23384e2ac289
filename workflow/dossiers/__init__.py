from . import accident_aid, child_heart, creative_labour, union_housing  # noqa: F401  (each registers its kind)
from .kinds import KINDS, get_kind  # noqa: F401
