from taiga.base import apps as base_apps


class MilestonesConfig(base_apps.WatchingAppConfig):
    name = "taiga.projects.milestones"
    label = "milestones"
    verbose_name = "Milestones"
    watched = {"Milestone": "milestones.milestone"}
