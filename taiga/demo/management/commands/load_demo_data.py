from typing import Any

from django.core.management.base import BaseCommand

from taiga.demo.data import DEMO_PASSWORD, load_demo_data


class Command(BaseCommand):
    help = "Create the demo users, projects and their content (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        demo = load_demo_data()
        project, private = demo.project, demo.private_project
        self.stdout.write(
            f"Demo data ready: project {project.name!r} (id {project.pk}, slug {project.slug}) "
            f"with {len(demo.statuses)} statuses, {len(demo.swimlanes)} swimlanes, sprint "
            f"{demo.milestone.name!r}, {len(demo.userstories)} user stories, "
            f"{len(demo.issues)} issues, epic {demo.epic.subject!r}, "
            f"{len(demo.wiki_pages)} wiki pages; private project {private.name!r} "
            f"(id {private.pk}); users {', '.join(demo.users)} (password {DEMO_PASSWORD})."
        )
