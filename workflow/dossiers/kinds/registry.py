"""The registry of dossier kinds: code -> kind class. The built-in kinds are listed in kinds/__init__.py; a
deployment (or a test) adds another with KINDS.register(TheKind), which refuses a code already taken."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping


class KindRegistry(Mapping):
    def __init__(self, kinds: Iterable[type]):
        self._kinds: dict[str, type] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: type) -> type:
        if kind.code in self._kinds:
            raise ValueError(f"A dossier kind with code {kind.code!r} is already registered.")
        self._kinds[kind.code] = kind
        return kind

    def unregister(self, code: str) -> None:
        del self._kinds[code]

    def __getitem__(self, code: str) -> type:
        return self._kinds[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)
