"""One commit per request: the unit of work commits, or rolls back and removes the files it stored."""
from contextlib import contextmanager

from .extensions import db
from .pdf import storage


@contextmanager
def unit_of_work():
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        storage.discard_new_files()
        raise
    else:
        storage.forget_new_files()
