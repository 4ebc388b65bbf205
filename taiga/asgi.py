"""ASGI entry point of the backend."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taiga.settings.common")

application = get_asgi_application()

from taiga.events.relay import start_in_process  # noqa: E402  (needs the apps loaded)

start_in_process()
