from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "taiga.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        # Importing connects the receivers; models opt in through taiga.events.registry.
        from . import signal_handlers  # noqa: F401
        from .backends import check_settings

        check_settings()
