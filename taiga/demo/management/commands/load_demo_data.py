from typing import Any

from django.core.management.base import BaseCommand

from taiga.demo.data import DEMO_PASSWORD, load_demo_data


class Command(BaseCommand):
    help = "Create the demo users, project and user stories (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        demo = load_demo_data()
        self.stdout.write(
            f"Demo data ready: project {demo.project.name!r} (id {demo.project.pk}, "
            f"slug {demo.project.slug}), {len(demo.statuses)} statuses, "
            f"{len(demo.userstories)} user stories; users {', '.join(demo.users)} "
            f"(password {DEMO_PASSWORD})."
        )
