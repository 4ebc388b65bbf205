from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "taiga.front"
    label = "front"
    verbose_name = "Live board"
