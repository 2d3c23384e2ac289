"""The registry of dossier kinds: a kind module registers itself with @register."""
KINDS: dict = {}


def register(kind):
    KINDS[kind.code] = kind
    return kind


def get_kind(code: str):
    return KINDS.get(code)
