from django.conf import settings
from django.db import models

from taiga.base.ordering import timestamp_order
from taiga.projects.models import Project, UserStoryStatus


class UserStory(models.Model):
    """A piece of work on a project's backlog and kanban board.

    ``ref`` is the number people use for it within the project (#1, #2…); ``version`` counts
    updates so that a client can refuse to overwrite a change it has not seen.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="user_stories")
    ref = models.PositiveBigIntegerField(editable=False)
    subject = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    # RESTRICT, not PROTECT: deleting the project deletes its stories and statuses together.
    status = models.ForeignKey(
        UserStoryStatus, on_delete=models.RESTRICT, related_name="user_stories"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_user_stories",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_user_stories",
    )
    backlog_order = models.BigIntegerField(default=timestamp_order)
    kanban_order = models.BigIntegerField(default=timestamp_order)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "backlog_order", "id"]
        verbose_name_plural = "user stories"
        constraints = [
            models.UniqueConstraint(fields=["project", "ref"], name="userstories_unique_ref"),
        ]

    def __str__(self) -> str:
        return f"#{self.ref} {self.subject}"
