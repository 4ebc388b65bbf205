"""Settings for production, behind nginx (deploy/nginx/taiga.conf): the common ones,
with the secret required and the site's public address deciding the rest.

``TAIGA_FRONT_URL`` (e.g. ``https://taiga.example.com``) is the one address an operator
sets: the host names the backend answers to, the origin trusted for CSRF, whether cookies
are sent over HTTPS only, and where the board's browsers reach the events gateway
(``/events`` on the same host) all follow from it, each overridable by its own variable.
``taiga.wsgi`` and ``taiga.asgi`` use these settings unless ``DJANGO_SETTINGS_MODULE``
says otherwise; ``manage.py`` (and so ``make run``) keeps the development ones.
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .common import *  # noqa: F403
from .common import DEBUG, DEV_SECRET_KEY, SECRET_KEY, TAIGA_FRONT_URL, _env_list

if SECRET_KEY in ("", DEV_SECRET_KEY) and not DEBUG:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: production needs a secret of its own (it signs the access "
        "tokens, and the events gateway's SECRET must be the same). Generate one with "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

_SITE = urlsplit(TAIGA_FRONT_URL)
if _SITE.scheme not in ("http", "https") or not _SITE.hostname:
    raise ImproperlyConfigured(
        f"TAIGA_FRONT_URL must be the site's public address, like https://taiga.example.com; "
        f"got {TAIGA_FRONT_URL!r}"
    )
_HTTPS = _SITE.scheme == "https"

# The public host name, and this machine's own (the events gateway asks the backend for
# permissions at TAIGA_API_URL, by default http://127.0.0.1:8000/api/v1, past nginx).
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", f"{_SITE.hostname},127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", f"{_SITE.scheme}://{_SITE.netloc}")
# nginx says which scheme the browser used (X-Forwarded-Proto, set by it, never passed on).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _HTTPS
TAIGA_EVENTS_URL = os.environ.get(
    "TAIGA_EVENTS_URL", f"{'wss' if _HTTPS else 'ws'}://{_SITE.netloc}/events"
)
