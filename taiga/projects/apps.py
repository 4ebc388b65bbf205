from taiga.base import apps as base_apps


class ProjectsConfig(base_apps.WatchingAppConfig):
    name = "taiga.projects"
    label = "projects"
    verbose_name = "Projects"
    watched = {
        "UserStoryStatus": "projects.userstorystatus",
        "Swimlane": "projects.swimlane",
        "SwimlaneUserStoryStatus": "projects.swimlaneuserstorystatus",
    }
