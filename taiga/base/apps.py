"""App configuration shared by the apps of the reference backend."""

from django.apps import AppConfig

from taiga.events import registry


class WatchingAppConfig(AppConfig):
    """An app whose models emit change events: ``watched`` maps model names to the type
    names they are registered with (the seed's table; DESIGN.md 2.1).

    Subclass it through its module (``base_apps.WatchingAppConfig``): Django picks an app's
    configuration among the classes named in its ``apps`` module, so naming this one there
    too would hide the subclass.
    """

    watched: dict[str, str] = {}

    def ready(self) -> None:
        for model_name, type_name in self.watched.items():
            registry.watch(self.get_model(model_name), type_name)
