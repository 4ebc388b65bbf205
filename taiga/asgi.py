"""ASGI entry point of the backend."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taiga.settings.common")

application = get_asgi_application()
