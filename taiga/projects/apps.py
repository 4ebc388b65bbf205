from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "taiga.projects"
    label = "projects"
    verbose_name = "Projects"

    def ready(self) -> None:
        from taiga.events import registry

        from .models import UserStoryStatus

        registry.watch(UserStoryStatus, "projects.userstorystatus")
