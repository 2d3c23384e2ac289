"""Documents rendered ahead, outside the write transaction (transaction.rehearsed drives it).

Rendering a document (WeasyPrint, then pyHanko's signatures; a remote signer's phone confirmation too) takes from a
tenth of a second to minutes, and on SQLite a transaction that has written holds the one write lock of the whole
database until it ends: every other writer waits. So a step is first rehearsed: taken as usual under the lock, its
documents' HTML made (number, day and verification code included) but not rendered; rolled back, which releases the
lock; its documents rendered and signed with no lock held; then taken again, where each document's HTML is the same
(the same number, since no one else took one meanwhile; the same verification code, drawn once for the step) and
its rendered bytes are found here. Should the HTML differ (another step of the organisation took the number in
between), the step is rehearsed again, and at last rendered under the lock: slower, never wrong."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

PLACEHOLDER_SHA256 = "0" * 64  # a rehearsal's document: its row is rolled back, nothing is stored


@dataclass
class Renders:
    """One step's renders across its attempts."""

    done: dict[str, object] = field(default_factory=dict)  # key -> what render() returned
    wanted: dict[str, Callable[[], object]] = field(default_factory=dict)  # key -> render, in issuing order
    drawn: list = field(default_factory=list)  # values stable() drew, in order: the same in every attempt
    position: int = 0
    rehearsing: bool = True
    rendered_under_lock: int = 0  # what the last attempt had to render itself (for tests and benches)


_current: ContextVar[Renders | None] = ContextVar("rendered_ahead", default=None)


@contextmanager
def attempt(renders: Renders, *, rehearsing: bool):
    renders.rehearsing, renders.position = rehearsing, 0
    renders.wanted = {}
    token = _current.set(renders)
    try:
        yield renders
    finally:
        _current.reset(token)


def active() -> bool:
    return _current.get() is not None


def key_of(*parts) -> str:
    return hashlib.sha256("\x00".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).hexdigest()


def rendered(key: str, render: Callable[[], object]):
    """What `render()` returns for this key: rendered ahead; or, while rehearsing, None (the render is noted and
    the caller stores nothing); or rendered now, outside any rehearsal. `render` must not touch the database (it
    runs with no transaction open, between two attempts)."""
    renders = _current.get()
    if renders is None:
        return render()
    if key in renders.done:
        return renders.done[key]
    if renders.rehearsing:
        renders.wanted[key] = render
        return None
    renders.rendered_under_lock += 1
    return render()


def stable(draw: Callable[[], object]):
    """A value drawn once for the step (a verification code, the time a record is held at): every attempt gets
    the same, so that the documents' HTML comes out the same."""
    renders = _current.get()
    if renders is None:
        return draw()
    if renders.position == len(renders.drawn):
        renders.drawn.append(draw())
    value = renders.drawn[renders.position]
    renders.position += 1
    return value
