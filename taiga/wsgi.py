"""WSGI entry point of the backend."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taiga.settings.common")

application = get_wsgi_application()

from taiga.events.relay import start_in_process  # noqa: E402  (needs the apps loaded)

start_in_process()
