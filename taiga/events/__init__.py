"""Emission of real-time events from Django: models, bulk operations and notifications.

Add ``taiga.events`` to ``INSTALLED_APPS``, ``taiga.events.middleware.SessionIDMiddleware``
to ``MIDDLEWARE`` and choose a backend with ``EVENTS_PUSH_BACKEND``.
"""
