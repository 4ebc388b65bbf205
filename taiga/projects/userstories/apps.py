from taiga.base import apps as base_apps


class UserStoriesConfig(base_apps.WatchingAppConfig):
    name = "taiga.projects.userstories"
    label = "userstories"
    verbose_name = "User stories"
    watched = {"UserStory": "userstories.userstory"}
