from django.db import models

from taiga.projects.items import OwnedItem
from taiga.projects.models import Project


class Milestone(OwnedItem):
    """A sprint: a time box that user stories, tasks and issues are planned into."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=250)
    estimated_start = models.DateField()
    estimated_finish = models.DateField()
    closed = models.BooleanField(default=False)
    order = models.IntegerField(default=1)

    class Meta:
        ordering = ["project", "-estimated_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "slug"], name="milestones_unique_slug"),
            models.UniqueConstraint(fields=["project", "name"], name="milestones_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
