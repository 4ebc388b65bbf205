from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "taiga.projects.history"
    label = "history"
    verbose_name = "History"
