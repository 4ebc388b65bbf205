from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "taiga.demo"
    label = "demo"
    verbose_name = "Demo data"
