"""WSGI entry point of the backend."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taiga.settings.common")

application = get_wsgi_application()
