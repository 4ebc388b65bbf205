from django.apps import AppConfig


class UserStoriesConfig(AppConfig):
    name = "taiga.projects.userstories"
    label = "userstories"
    verbose_name = "User stories"

    def ready(self) -> None:
        from taiga.events import registry

        from .models import UserStory

        registry.watch(UserStory, "userstories.userstory")
