from taiga.base import apps as base_apps


class EpicsConfig(base_apps.WatchingAppConfig):
    name = "taiga.projects.epics"
    label = "epics"
    verbose_name = "Epics"
    watched = {"Epic": "epics.epic"}
