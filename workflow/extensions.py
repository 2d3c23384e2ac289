import logging
import sqlite3
from contextvars import ContextVar

import sqlalchemy as sa
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

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


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()

# JSON columns: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")



# --- SQLite under concurrent use ---------------------------------------------------------------------------------
# pysqlite opens a transaction only before a write and never for SAVEPOINT (a savepoint taken with none open was the
# outermost, and releasing it committed: a failed item of a bulk decision kept the ones before it), and its reads ran
# outside any transaction. So the driver is told to leave transactions alone and SQLAlchemy begins them itself:
# every transaction (reads included) is one snapshot, savepoints nest in it. A unit of work that will write begins
# with BEGIN IMMEDIATE (transaction.unit_of_work sets WRITE_INTENT): it takes the write lock first and waits for it
# (the busy timeout), rather than reading, then failing to write at once because another writer committed meanwhile
# (SQLITE_BUSY_SNAPSHOT). The file is in WAL mode, so readers never wait for the writer nor it for them.
WRITE_INTENT: ContextVar[bool] = ContextVar("sqlite_write_intent", default=False)


def _is_sqlite(dbapi_connection) -> bool:
    return isinstance(dbapi_connection, sqlite3.Connection)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None  # the driver begins nothing; _sqlite_begin does
    cursor = dbapi_connection.cursor()
    try:
        # An in-memory database answers "memory" and stays so (WAL needs a file): nothing to do there.
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:  # another process holds the file while switching it: it is WAL next time
        logging.getLogger(__name__).warning("SQLite: could not switch to WAL now", exc_info=True)
    finally:
        cursor.close()


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(connection):
    dbapi_connection = connection.connection.dbapi_connection
    if not _is_sqlite(dbapi_connection):
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if WRITE_INTENT.get() else "BEGIN")
    connection.info["sqlite_changes_at_begin"] = dbapi_connection.total_changes


def sqlite_wrote_since_begin(connection) -> bool:
    """Whether the SQLite connection's transaction has written anything (a transaction that only read can be ended
    and begun again as a writer's)."""
    dbapi_connection = connection.connection.dbapi_connection
    return dbapi_connection.total_changes != connection.info.get("sqlite_changes_at_begin")


def is_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" (the busy timeout passed, or a snapshot another writer made stale)."""
    orig = getattr(exc, "orig", None)
    return isinstance(orig, sqlite3.OperationalError) and (
        "locked" in str(orig) or getattr(orig, "sqlite_errorname", "").startswith("SQLITE_BUSY"))
