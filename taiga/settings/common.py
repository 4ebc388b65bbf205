"""Settings for every environment, read from environment variables where they differ."""

import os
from pathlib import Path

from taiga.base.database_url import parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Production (taiga.settings.production) refuses to start with this key unless DEBUG is on.
DEV_SECRET_KEY = "django-insecure-dev-only-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

DATABASES = {
    "default": parse_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait their turn instead of failing with "database is locked": a
    # transaction takes the write lock when it begins (so it never has to upgrade a read
    # lock, which SQLite refuses under contention), waits up to 20 s for it, and readers
    # do not block the writer (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "rest_framework",
    "taiga.events",
    "taiga.users",
    "taiga.auth",
    "taiga.projects",
    "taiga.projects.milestones",
    "taiga.projects.userstories",
    "taiga.projects.tasks",
    "taiga.projects.issues",
    "taiga.projects.epics",
    "taiga.projects.wiki",
    "taiga.projects.history",
    "taiga.projects.notifications",
    "taiga.front",
    "taiga.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "taiga.events.middleware.SessionIDMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "taiga.urls"
WSGI_APPLICATION = "taiga.wsgi.application"
ASGI_APPLICATION = "taiga.asgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic gathers the board's files (the front app's static/front/) and the
# JavaScript client's (below, as taiga-events/) for nginx to serve (deploy/nginx/taiga.conf).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [("taiga-events", BASE_DIR / "clients" / "js")]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["taiga.auth.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["taiga.base.parsers.LimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "taiga.base.pagination.HeaderPagination",
    "DEFAULT_SCHEMA_CLASS": "taiga.base.schemas.AutoSchema",
    "EXCEPTION_HANDLER": "taiga.base.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Largest request body the API parses, and most objects one bulk operation may touch.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(1024 * 1024)))
API_MAX_BULK_ITEMS = int(os.environ.get("API_MAX_BULK_ITEMS", "1000"))

# Lifetime of the access tokens issued by POST /api/v1/auth.
ACCESS_TOKEN_LIFETIME_SECONDS = int(os.environ.get("ACCESS_TOKEN_LIFETIME_SECONDS", "86400"))
# Lifetime of the events permission claims (GET /api/v1/events/permissions): at most the
# events gateway's PERMISSION_CACHE_SECONDS, so that they revoke as promptly as its re-checks.
EVENTS_PERMISSIONS_LIFETIME_SECONDS = int(
    os.environ.get("EVENTS_PERMISSIONS_LIFETIME_SECONDS", "30")
)

# Events: where change events are pushed, and where clients connect to receive them.
EVENTS_PUSH_BACKEND = os.environ.get(
    "EVENTS_PUSH_BACKEND", "taiga.events.backends.memory.EventsPushBackend"
)
EVENTS_PUSH_BACKEND_URL = os.environ.get("EVENTS_PUSH_BACKEND_URL", "")
# The outbox relay (docs/EVENTS.md): in each web process unless relayed apart
# (manage.py events_relay); how long its lease lasts, how often it looks for rows other
# processes wrote (SQLite; PostgreSQL wakes it at their commits), and how long an event no
# queue takes is retried before it is dropped with a warning.
EVENTS_RELAY_IN_PROCESS = _env_bool("EVENTS_RELAY_IN_PROCESS", True)
EVENTS_RELAY_LEASE_SECONDS = float(os.environ.get("EVENTS_RELAY_LEASE_SECONDS", "10"))
EVENTS_RELAY_POLL_SECONDS = float(os.environ.get("EVENTS_RELAY_POLL_SECONDS", "1"))
EVENTS_OUTBOX_UNROUTABLE_SECONDS = float(os.environ.get("EVENTS_OUTBOX_UNROUTABLE_SECONDS", "60"))
# RabbitMQ's stream of events, which gateways resume clients from (docs/EVENTS.md); its
# retention applies when this side is the one that creates it.
EVENTS_RABBITMQ_STREAM = _env_bool("EVENTS_RABBITMQ_STREAM", True)
EVENTS_RABBITMQ_STREAM_NAME = os.environ.get("EVENTS_RABBITMQ_STREAM_NAME", "events.stream")
EVENTS_RABBITMQ_STREAM_MAX_AGE = os.environ.get("EVENTS_RABBITMQ_STREAM_MAX_AGE", "1h")
EVENTS_RABBITMQ_STREAM_MAX_BYTES = int(
    os.environ.get("EVENTS_RABBITMQ_STREAM_MAX_BYTES", "1000000000")
)
# How long the PostgreSQL backend keeps events for gateways to resume clients from.
EVENTS_HISTORY_SECONDS = float(os.environ.get("EVENTS_HISTORY_SECONDS", "3600"))
TAIGA_EVENTS_URL = os.environ.get("TAIGA_EVENTS_URL", "ws://localhost:8888/events")
# The front end that live notifications link to ({TAIGA_FRONT_URL}/project/{slug}/us/{ref}…).
TAIGA_FRONT_URL = os.environ.get("TAIGA_FRONT_URL", "http://localhost:9000")
