from django.conf import settings
from django.db import models

from taiga.base.ordering import timestamp_order
from taiga.projects.items import WorkItem
from taiga.projects.milestones.models import Milestone
from taiga.projects.models import Project, Swimlane, UserStoryStatus


class UserStory(WorkItem):
    """A piece of work on a project's backlog, sprints and kanban board.

    Each board keeps its own order: ``backlog_order``, ``sprint_order`` (within its
    milestone) and ``kanban_order`` (within its board cell: status and swimlane).
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="user_stories")
    # RESTRICT, not PROTECT: deleting the project deletes its stories and statuses together.
    status = models.ForeignKey(
        UserStoryStatus, on_delete=models.RESTRICT, related_name="user_stories"
    )
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user_stories",
    )
    swimlane = models.ForeignKey(
        Swimlane, on_delete=models.SET_NULL, null=True, blank=True, related_name="user_stories"
    )
    assigned_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    backlog_order = models.BigIntegerField(default=timestamp_order)
    sprint_order = models.BigIntegerField(default=timestamp_order)
    kanban_order = models.BigIntegerField(default=timestamp_order)

    class Meta(WorkItem.Meta):
        ordering = ["project", "backlog_order", "id"]
        verbose_name_plural = "user stories"
