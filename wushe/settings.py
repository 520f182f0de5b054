"""One settings module, read from the environment; the defaults run on a laptop."""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WUSHE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


DEBUG = env_bool("WUSHE_DEBUG", True)
PRODUCTION = not DEBUG

# A development key only works while DEBUG is on; production refuses to start without one.
SECRET_KEY = os.environ.get("WUSHE_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("WUSHE_SECRET_KEY must be set when WUSHE_DEBUG is off")
    SECRET_KEY = "dev-only-not-secret-wushe"  # noqa: S105

# HMAC-SM3 key of the audit chain; changing it breaks verification of older events.
AUDIT_KEY = os.environ.get("WUSHE_AUDIT_KEY", "")
if not AUDIT_KEY:
    if PRODUCTION:
        raise RuntimeError("WUSHE_AUDIT_KEY must be set when WUSHE_DEBUG is off")
    AUDIT_KEY = "dev-only-audit-key"  # noqa: S105
AUDIT_CHAINS = env_int("WUSHE_AUDIT_CHAINS", 64)


def _derived_key(purpose: str, length: int) -> bytes:
    """A development-only key derived from SECRET_KEY, so a laptop needs no key setup."""
    import hashlib

    return hashlib.sha256(f"{purpose}:{SECRET_KEY}".encode()).digest()[:length]


def _field_keys(spec: str) -> list[tuple[str, bytes]]:
    """`id:base64key,id:base64key`: the first encrypts, every one decrypts (rotation)."""
    import base64

    keys = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, _, encoded = item.partition(":")
        key = base64.b64decode(encoded)
        if not key_id or len(key) != 16:
            raise RuntimeError(f"WUSHE_FIELD_KEYS: “{key_id}” needs a 16-byte base64 SM4 key")
        keys.append((key_id, key))
    return keys


# Personal data at rest (SM4-GCM) and its blind index (HMAC-SM3): docs/adr/0004.
FIELD_KEYS = _field_keys(os.environ.get("WUSHE_FIELD_KEYS", ""))
BLIND_INDEX_KEY = os.environ.get("WUSHE_BLIND_INDEX_KEY", "").encode()
if not FIELD_KEYS or not BLIND_INDEX_KEY:
    if PRODUCTION:
        raise RuntimeError(
            "WUSHE_FIELD_KEYS and WUSHE_BLIND_INDEX_KEY must be set when WUSHE_DEBUG is off"
        )
    FIELD_KEYS = FIELD_KEYS or [("dev", _derived_key("field", 16))]
    BLIND_INDEX_KEY = BLIND_INDEX_KEY or _derived_key("blind-index", 32)

# How many reverse proxies stand in front (nginx: 1); their X-Forwarded-For hops are trusted.
TRUSTED_PROXIES = env_int("WUSHE_TRUSTED_PROXIES", 0)

ALLOWED_HOSTS = [h for h in os.environ.get("WUSHE_ALLOWED_HOSTS", "").split(",") if h]
if DEBUG:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver", "[::1]"]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("WUSHE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "wushe.core",
    "wushe.accounts",
    "wushe.audit",
    "wushe.regions",
    "wushe.catalog",
    "wushe.network",
    "wushe.people",
    "wushe.casework",
    "wushe.groupwork",
    "wushe.stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wushe.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "wushe.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "wushe.urls"
WSGI_APPLICATION = "wushe.wsgi.application"
ASGI_APPLICATION = "wushe.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "wushe" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wushe.core.context_processors.navigation",
            ],
        },
    },
]

# SQLite under var/ by default (WAL, immediate transactions so writers queue instead of
# failing); PostgreSQL when WUSHE_DATABASE_URL says so.
DATABASE_URL = os.environ.get("WUSHE_DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("WUSHE_SQLITE_PATH", str(VAR_DIR / "wushe.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
            # The tests' database is a file too, not SQLite's shared in-memory one: there a
            # second connection (the live server's thread, the task worker) is answered
            # "table is locked" at once, where a file in WAL mode lets readers read and
            # makes a writer wait its turn, as in a deployment.
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("WUSHE_PASSWORD_MIN_LENGTH", 8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "wushe.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]

# Lockout after repeated failed logins, and the idle timeout (等保 2.0 level 3).
LOGIN_FAILURE_LIMIT = env_int("WUSHE_LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("WUSHE_LOGIN_LOCKOUT_MINUTES", 30)
SESSION_IDLE_MINUTES = env_int("WUSHE_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # every request pushes the expiry: an idle, not absolute, limit
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("WUSHE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("WUSHE_HSTS_SECONDS", 31536000)
    # A gov.cn host usually shares its parent domain with other agencies' sites, so HSTS for
    # subdomains and the preload list are the deployer's call, not ours.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("WUSHE_HSTS_INCLUDE_SUBDOMAINS", False)
    SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]

# No inline scripts or styles anywhere: every script is a vendored or project static file.
# Boundary maps for the data wall: <region code>.json (GeoJSON) supplied by the deployment
# (published maps need an approval number, so none is shipped); without one, the ranking.
GEOJSON_DIR = Path(os.environ.get("WUSHE_GEOJSON_DIR", VAR_DIR / "geojson"))

# A visit synced from a phone carries its photos in the JSON body: up to 9 photos of at most
# 3 MB each, base64-encoded (wushe.core.photos). Django's default of 2.5 MB would refuse it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 40 * 1024 * 1024

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "wushe" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("WUSHE_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "wushe" / "static"]

TASKS = {
    "default": {
        "BACKEND": os.environ.get("WUSHE_TASK_BACKEND", "django_tasks_db.backend.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WUSHE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
