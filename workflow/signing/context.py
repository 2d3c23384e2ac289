"""How the documents of the step being taken are issued: drafted for a signer to read (trình ký), or issued and
signed by a person (the signer, or the acting person who signs at once). Set by signing/step.py around an
operation; read by pdf/issue.py, which the operations reach through several layers (fire, decide, forward)."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class Drafting:
    """The step is presented for signature: its documents are rendered as drafts and described here (the rows
    the step wrote are rolled back; signing/step.py keeps these)."""

    drafts: list[dict] = field(default_factory=list)  # Document columns of each draft, in issuing order
    dossier_ids: set[int] = field(default_factory=set)  # what the step would change


@dataclass
class Signing:
    """The step takes effect now, its documents signed by `signer` (a User: their key and signature image, their
    name under the signing block) for the signing request it came from, if any."""

    signer: object
    request_id: int | None = None


_current: ContextVar[Drafting | Signing | None] = ContextVar("signing_context", default=None)


def current() -> Drafting | Signing | None:
    return _current.get()


@contextmanager
def taking(mode: Drafting | Signing):
    token = _current.set(mode)
    try:
        yield mode
    finally:
        _current.reset(token)
