from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "taiga.projects.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Importing connects the receivers of the project services' signals.
        from . import signals  # noqa: F401
