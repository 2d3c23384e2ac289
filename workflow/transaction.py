"""One commit per request: the unit of work commits, or rolls back and removes the files it stored.

On SQLite a unit of work is a writer's transaction (BEGIN IMMEDIATE, extensions.py), kept short: a step that issues
documents is rehearsed first, so that they are rendered with no lock held (rehearsed, pdf/ahead.py)."""
from collections.abc import Callable
from contextlib import contextmanager

from flask_babel import gettext
from sqlalchemy.orm.exc import StaleDataError

from . import storage
from .errors import STALE_MESSAGE, Conflict
from .extensions import WRITE_INTENT, begin_writing, db, is_busy, sqlite_wrote
from .i18n import N_
from .pdf import ahead

BUSY_MESSAGE = N_("Hệ thống đang bận xử lý thao tác khác cùng lúc; thao tác của bạn chưa được thực hiện. Vui lòng "
                  "thử lại sau giây lát.")
MAX_REHEARSALS = 3


def _on_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _restartable() -> bool:
    """Whether the session's transaction, if any, has only read (on SQLite): it can be ended and begun again."""
    session = db.session()  # the request's Session (the scoped proxy lacks in_transaction)
    if session.new or session.dirty or session.deleted or session.in_nested_transaction():
        return False
    if not session.in_transaction():
        return True
    return not sqlite_wrote(session.connection())


@contextmanager
def unit_of_work():
    token = WRITE_INTENT.set(True)
    try:
        if _on_sqlite() and db.session().in_transaction():
            begin_writing(db.session.connection())  # else at the unit's first statement (extensions.py)
        yield
        db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        storage.discard_new_files()
        if isinstance(exc, StaleDataError):
            # Someone else changed the row between our read and our write (version_id_col).
            raise Conflict(gettext(STALE_MESSAGE)) from exc
        if is_busy(exc):  # SQLite: another writer held the lock past the busy timeout
            raise Conflict(gettext(BUSY_MESSAGE)) from exc
        raise
    else:
        storage.forget_new_files()
    finally:
        WRITE_INTENT.reset(token)


def rehearsed(run: Callable[[], object]):
    """Run a step that may issue documents (`run`, which reads everything it needs from the database again) so that,
    on SQLite, they are rendered with no write lock held: rehearsed under the lock, rolled back, rendered, then taken
    again with the rendered documents at hand (pdf/ahead.py). Elsewhere (PostgreSQL locks rows, not the database),
    inside another rehearsal, or after the transaction has written (the rollback would undo it): run as it is."""
    if ahead.active() or not _on_sqlite() or not _restartable():
        return run()
    renders = ahead.Renders()
    for _ in range(MAX_REHEARSALS):
        with ahead.attempt(renders, rehearsing=True):
            result = run()
        if not renders.wanted:
            return result  # every document was found rendered (or the step issues none): this attempt stands
        wanted = dict(renders.wanted)
        db.session.rollback()  # the lock released; nothing of the attempt stands
        for key, render in wanted.items():
            renders.done[key] = render()
    with ahead.attempt(renders, rehearsing=False):  # the numbers keep moving: rendered under the lock this time
        return run()
