from taiga.base import apps as base_apps


class TasksConfig(base_apps.WatchingAppConfig):
    name = "taiga.projects.tasks"
    label = "tasks"
    verbose_name = "Tasks"
    watched = {"Task": "tasks.task"}
