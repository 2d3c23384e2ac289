"""One commit per request: the unit of work commits, or rolls back and removes the files it stored."""
from contextlib import contextmanager

from flask_babel import gettext
from sqlalchemy.orm.exc import StaleDataError

from .errors import STALE_MESSAGE, Conflict
from .extensions import db
from .pdf import storage


@contextmanager
def unit_of_work():
    try:
        yield
        db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        storage.discard_new_files()
        if isinstance(exc, StaleDataError):
            # Someone else changed the row between our read and our write (version_id_col).
            raise Conflict(gettext(STALE_MESSAGE)) from exc
        raise
    else:
        storage.forget_new_files()
