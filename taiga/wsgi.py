"""WSGI entry point of the backend, for a production server (docs/DEPLOY.md).

Production settings unless ``DJANGO_SETTINGS_MODULE`` names others: they refuse to start
without a ``SECRET_KEY`` of the site's own.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taiga.settings.production")

application = get_wsgi_application()

from taiga.events.relay import start_in_process  # noqa: E402  (needs the apps loaded)

start_in_process()
