from django.db import models

from taiga.base.ordering import timestamp_order
from taiga.projects.items import WorkItem
from taiga.projects.milestones.models import Milestone
from taiga.projects.models import Project, TaskStatus
from taiga.projects.userstories.models import UserStory


class Task(WorkItem):
    """A step of a user story (or of a sprint), on the sprint's taskboard.

    ``us_order`` is its place within its user story, ``taskboard_order`` within its
    taskboard cell.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    user_story = models.ForeignKey(
        UserStory, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    status = models.ForeignKey(TaskStatus, on_delete=models.RESTRICT, related_name="tasks")
    us_order = models.BigIntegerField(default=timestamp_order)
    taskboard_order = models.BigIntegerField(default=timestamp_order)

    class Meta(WorkItem.Meta):
        ordering = ["project", "us_order", "id"]
