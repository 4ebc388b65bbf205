"""Abstract models of what belongs to a project's work (see services/items.py)."""

from django.conf import settings
from django.db import models


def user_reference() -> models.ForeignKey:
    """A reference to a user that becomes nobody if the user is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )


class OwnedItem(models.Model):
    """Created by someone (``owner``, kept as nobody if they go), at some date."""

    owner = user_reference()
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class VersionedItem(OwnedItem):
    """``version`` counts updates, so that a client can refuse to overwrite a change it has
    not seen (HTTP 409)."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class WorkItem(VersionedItem):
    """A user story, task, issue or epic: numbered by ``ref`` within its project (#1, #2…,
    one sequence for all four), with a subject, an assignee and watchers (who are told of
    comments on it)."""

    ref = models.PositiveBigIntegerField(editable=False)
    subject = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    assigned_to = user_reference()
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["project", "ref"], name="%(app_label)s_%(class)s_unique_ref"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ref} {self.subject}"
