from taiga.base import apps as base_apps


class IssuesConfig(base_apps.WatchingAppConfig):
    name = "taiga.projects.issues"
    label = "issues"
    verbose_name = "Issues"
    watched = {"Issue": "issues.issue"}
