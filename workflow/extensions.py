import logging
import sqlite3
from contextvars import ContextVar

import sqlalchemy as sa
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

from .replica import RoutingSession

# Stable constraint names, so that Alembic migrations (batch mode on SQLite) can address them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})  # reads may go to a replica (replica.py)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
limiter = Limiter(key_func=get_remote_address)  # on the sign-in routes only (auth/guessing.py)

# JSON columns: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")



# --- SQLite under concurrent use ---------------------------------------------------------------------------------
# The file is in WAL mode: readers never wait for the writer, nor it for them. pysqlite begins a transaction only
# before a write, so a unit of work (transaction.unit_of_work sets WRITE_INTENT) begins its own with BEGIN IMMEDIATE
# at its first statement: it takes the write lock first, waiting for it up to the busy timeout, and its reads and
# writes are one snapshot; a deferred transaction that read, then wrote after another writer committed, would fail
# at once (SQLITE_BUSY_SNAPSHOT) whatever the timeout. Reads outside a unit of work stay as they were (each its own).
WRITE_INTENT: ContextVar[bool] = ContextVar("sqlite_write_intent", default=False)


def _is_sqlite(dbapi_connection) -> bool:
    return isinstance(dbapi_connection, sqlite3.Connection)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_wal(dbapi_connection, _record):
    if not _is_sqlite(dbapi_connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        # An in-memory database answers "memory" and stays so (WAL needs a file): nothing to do there.
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:  # another process holds the file while switching it: it is WAL next time
        logging.getLogger(__name__).warning("SQLite: could not switch to WAL now", exc_info=True)
    finally:
        cursor.close()


def _begin(connection, statement: str) -> None:
    connection.exec_driver_sql(statement)
    connection.info["sqlite_changes_at_begin"] = connection.connection.dbapi_connection.total_changes


def begin_writing(connection) -> None:
    """Begin the writer's transaction on this SQLite connection now, unless one is open."""
    dbapi_connection = connection.connection.dbapi_connection
    if _is_sqlite(dbapi_connection) and not dbapi_connection.in_transaction:
        _begin(connection, "BEGIN IMMEDIATE")


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(connection):
    if WRITE_INTENT.get():
        begin_writing(connection)


@sa.event.listens_for(sa.engine.Engine, "savepoint")
def _sqlite_savepoint_inside_a_transaction(connection, _name):
    """pysqlite opens a transaction only before a write, never for SAVEPOINT: a savepoint taken with none open is the
    outermost, and releasing it commits (a failed item of a bulk decision kept the ones before it; a step drafted for
    its signer, then rolled back, stayed decided). Open the transaction first, so the savepoint nests in it."""
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        _begin(connection, "BEGIN IMMEDIATE" if WRITE_INTENT.get() else "BEGIN")


def sqlite_wrote(connection) -> bool:
    """Whether the SQLite connection's transaction has written anything: one that has not can be rolled back and
    begun again without losing anything."""
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:  # only reads so far, each its own
        return False
    return dbapi_connection.total_changes != connection.info.get("sqlite_changes_at_begin")


def is_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" (the busy timeout passed, or a snapshot another writer made stale)."""
    orig = getattr(exc, "orig", None)
    return isinstance(orig, sqlite3.OperationalError) and (
        "locked" in str(orig) or getattr(orig, "sqlite_errorname", "").startswith("SQLITE_BUSY"))
