"""Configuration read from the environment, with safe defaults for the embedded set-up."""
import os
from datetime import timedelta


def _bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = os.environ.get("WORKFLOW_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # default set in create_app (instance folder)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # A PostgreSQL streaming replica (same form as DATABASE_URL), unset by default: the lists, home pages and dossier
    # pages read from it (replica.py), except in a request that wrote and for the REPLICA_READ_YOUR_WRITES_SECONDS
    # after the same user's last write; a replica out of reach is left alone REPLICA_RETRY_AFTER_SECONDS, the
    # primary read meanwhile.
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
    READYZ_CACHE_SECONDS = float(os.environ.get("READYZ_CACHE_SECONDS", 2))  # /readyz: one round of checks that often
    REPLICA_READ_YOUR_WRITES_SECONDS = float(os.environ.get("REPLICA_READ_YOUR_WRITES_SECONDS", 10))
    REPLICA_RETRY_AFTER_SECONDS = float(os.environ.get("REPLICA_RETRY_AFTER_SECONDS", 30))
    # SQLite: how long a writer waits for another's write lock before "database is locked" (answered 409). Documents
    # are rendered before the lock is taken (transaction.rehearsed), so a writer holds it for milliseconds.
    SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", 15))
    STORAGE_DIR = os.environ.get("STORAGE_DIR")  # default set in create_app (instance folder)
    # Documents, attachments and bundles in S3-compatible storage shared by every host: s3://bucket/prefix, the
    # endpoint and credentials from boto3's AWS_* variables (storage/backends.py). Unset: the folder above.
    STORAGE_URL = os.environ.get("STORAGE_URL", "")
    STORAGE_S3_ADDRESSING_STYLE = os.environ.get("STORAGE_S3_ADDRESSING_STYLE", "")  # path, virtual (default: auto)
    # Downloads from S3 redirected to a signed URL valid this many seconds (0: streamed through the app).
    STORAGE_SIGNED_URL_SECONDS = int(os.environ.get("STORAGE_SIGNED_URL_SECONDS", 0))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024))
    MAX_ATTACHMENT_BYTES = int(os.environ.get("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))
    MAX_DOSSIER_ATTACHMENT_BYTES = int(os.environ.get("MAX_DOSSIER_ATTACHMENT_BYTES", 50 * 1024 * 1024))
    MAX_DOSSIER_ATTACHMENTS = int(os.environ.get("MAX_DOSSIER_ATTACHMENTS", 30))  # files per dossier, all rounds
    API_TOKEN_LIFETIME = timedelta(hours=12)

    # Password guessing (auth/guessing.py). Failed sign-ins (web and API together) are limited per address and per
    # account name by Flask-Limiter, kept in Redis when RATELIMIT_STORAGE_URI names it ("redis://host:6379/1"; in
    # memory otherwise, which with N worker processes lets N times through). Past LOGIN_LOCKOUT_FAILURES wrong
    # passwords in a row, each further one locks the account's sign-in LOGIN_LOCKOUT_MINUTES, until an admin lifts it.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # No X-RateLimit-* headers: the account's remaining count would show anyone when its owner signed in (a sign-in
    # clears it). The 429 brings its own Retry-After (auth/guessing.py).
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_STRATEGY = "moving-window"  # "30 per minute": in any 60 seconds, not 30 at the end of one and 30 more
    # Redis down: sign-in goes on, limited in this process's memory meanwhile. Other errors are not swallowed: a
    # limit that silently stopped counting would be worse than a failed sign-in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = False
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per minute;300 per hour")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute;30 per hour")
    LOGIN_LOCKOUT_FAILURES = int(os.environ.get("LOGIN_LOCKOUT_FAILURES", 10))
    LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15))
    LOGIN_ATTEMPT_RETENTION_DAYS = int(os.environ.get("LOGIN_ATTEMPT_RETENTION_DAYS", 90))
    # Behind a reverse proxy: how many proxies' X-Forwarded-For to believe, so that the per-address limit counts
    # the people's addresses, not the proxy's (0: the address the connection comes from).
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", 0))
    # Batches with more dossiers than this get their bundle built in the background (batches/bundles.py).
    BUNDLE_INLINE_MAX_DOSSIERS = int(os.environ.get("BUNDLE_INLINE_MAX_DOSSIERS", 5))
    # werkzeug.security method; tests lower the cost, production keeps the default (scrypt).
    PASSWORD_HASH_METHOD = "scrypt"

    # Official document types (NĐ 30/2020, Phụ lục III) and how they are numbered.
    DOCUMENT_TYPES = {
        "TTr": "Tờ trình",
        "TB": "Thông báo",
        "BB": "Biên bản",
        "QĐ": "Quyết định",
    }
    # "organisation": one yearly sequence per issuing organisation (NĐ 30/2020 Điều 15);
    # "organisation_type": one yearly sequence per organisation and document type.
    DOCUMENT_SEQUENCE_SCOPE = os.environ.get("DOCUMENT_SEQUENCE_SCOPE", "organisation")
    # Organisations' signing keys: `<organisation code>.p12` in this folder (none: documents issued unsigned), the
    # passphrase from the environment, the roots signatures are validated against (default: trust-roots.pem there).
    SIGNING_KEY_DIR = os.environ.get("SIGNING_KEY_DIR", "")
    SIGNING_KEY_PASSPHRASE = os.environ.get("SIGNING_KEY_PASSPHRASE", "")
    SIGNING_TRUST_ROOTS = os.environ.get("SIGNING_TRUST_ROOTS", "")
    SIGNING_TSA_URL = os.environ.get("SIGNING_TSA_URL", "")  # RFC 3161: the signer's signature PAdES B-T
    SIGNING_TSA_TIMEOUT = float(os.environ.get("SIGNING_TSA_TIMEOUT", 10))
    SIGNING_IMAGE_DIR = os.environ.get("SIGNING_IMAGE_DIR", "")  # default: SIGNING_KEY_DIR/images
    # Where keys live (signing/stores.py): "pkcs12" (the files above), "pkcs11" (a token or HSM: its module, token
    # label and PIN; keys labelled `<code>` / `people/<username>`) or "csc" (a remote signing service, CSC API: the
    # signer confirms on their phone; credential ID = SIGNING_CSC_CREDENTIAL_ID with {name} replaced).
    SIGNING_KEY_STORE = os.environ.get("SIGNING_KEY_STORE", "pkcs12")
    SIGNING_PKCS11_MODULE = os.environ.get("SIGNING_PKCS11_MODULE", "")
    SIGNING_PKCS11_TOKEN = os.environ.get("SIGNING_PKCS11_TOKEN", "")
    SIGNING_PKCS11_PIN = os.environ.get("SIGNING_PKCS11_PIN", "")
    SIGNING_CSC_URL = os.environ.get("SIGNING_CSC_URL", "")
    SIGNING_CSC_TOKEN = os.environ.get("SIGNING_CSC_TOKEN", "")
    SIGNING_CSC_CREDENTIAL_ID = os.environ.get("SIGNING_CSC_CREDENTIAL_ID", "{name}")
    SIGNING_CSC_API_VERSION = os.environ.get("SIGNING_CSC_API_VERSION", "v1")
    SIGNING_CSC_TIMEOUT = float(os.environ.get("SIGNING_CSC_TIMEOUT", 300))  # seconds to wait for the confirmation

    # E-mail notifications go out only when an SMTP server is named (off by default; the in-app list always works).
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_ENABLED = bool(MAIL_SERVER)
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "ho-so-cong-doan@localhost")
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", 30))
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")  # e.g. https://hoso.ldld.example — for links in mail sent by commands

    # Work older than this shows as overdue on the home pages (days a district has to review, a province to decide).
    REVIEW_DUE_DAYS = int(os.environ.get("REVIEW_DUE_DAYS", 10))
    DECISION_DUE_DAYS = int(os.environ.get("DECISION_DUE_DAYS", 15))
    PAGE_SIZE = 50
