"""The dossier kinds (DESIGN §5): one module each, declaring its fields, rules, attachment types, documents and
list columns (base.py holds what they share). These four are the ones the system ships with."""
from .accident_aid import AccidentAid
from .child_heart import ChildHeart
from .creative_labour import CreativeLabour
from .registry import KindRegistry
from .union_housing import UnionHousing

KINDS = KindRegistry([ChildHeart, CreativeLabour, UnionHousing, AccidentAid])


def get_kind(code) -> type | None:
    return KINDS.get(code) if isinstance(code, str) else None
