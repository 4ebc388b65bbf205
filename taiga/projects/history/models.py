from django.db import models
from django.utils import timezone

from taiga.projects.items import user_reference
from taiga.projects.models import Project


class HistoryEntry(models.Model):
    """One thing that happened to an object of a project: who (``user``) did what
    (``type``) to which object (``content_type``, ``object_id``), when (``created_at``).

    A comment is an entry of type ``comment`` with its text. Entries stay when their object
    is deleted; the id of an item's entry is the ``id`` of its live notifications.
    """

    class Type(models.TextChoices):
        CREATE = "create"
        CHANGE = "change"
        DELETE = "delete"
        COMMENT = "comment"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="history")
    user = user_reference()
    type = models.CharField(max_length=16, choices=Type.choices)
    # The object's type name, as in the events: "userstories.userstory", "wiki.wiki_page".
    content_type = models.CharField(max_length=100)
    object_id = models.PositiveBigIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "history entries"
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.type} of {self.content_type} {self.object_id}"
