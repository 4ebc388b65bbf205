from django.db import models

from taiga.base.ordering import timestamp_order
from taiga.projects.items import WorkItem
from taiga.projects.models import EpicStatus, Project
from taiga.projects.userstories.models import UserStory


class Epic(WorkItem):
    """A large feature that groups user stories of its project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="epics")
    color = models.CharField(max_length=32, blank=True)
    status = models.ForeignKey(EpicStatus, on_delete=models.RESTRICT, related_name="epics")
    epics_order = models.BigIntegerField(default=timestamp_order)
    user_stories = models.ManyToManyField(
        UserStory, through="RelatedUserStory", related_name="epics", blank=True
    )

    class Meta(WorkItem.Meta):
        ordering = ["project", "epics_order", "id"]


class RelatedUserStory(models.Model):
    """A user story's place in an epic."""

    epic = models.ForeignKey(Epic, on_delete=models.CASCADE, related_name="related_user_stories")
    user_story = models.ForeignKey(
        UserStory, on_delete=models.CASCADE, related_name="related_epics"
    )
    order = models.BigIntegerField(default=timestamp_order)

    class Meta:
        ordering = ["epic", "order", "id"]
        verbose_name_plural = "related user stories"
        constraints = [
            models.UniqueConstraint(fields=["epic", "user_story"], name="epics_related_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_story} in {self.epic}"
