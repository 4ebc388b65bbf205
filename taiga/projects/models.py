from django.conf import settings
from django.db import models


class Project(models.Model):
    """A project: the unit of membership, visibility and event routing.

    ``anon_permissions`` and ``public_permissions`` are what a public project grants to
    anonymous people and to every signed-in user (see permissions.py).
    """

    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=250, unique=True)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_projects"
    )
    is_private = models.BooleanField(default=False)
    anon_permissions = models.JSONField(default=list, blank=True)
    public_permissions = models.JSONField(default=list, blank=True)
    # Last reference number handed out in this project; see services.allocate_ref.
    last_ref = models.PositiveBigIntegerField(default=0, editable=False)
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A named set of permissions that members of a project are given."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=250)
    order = models.IntegerField(default=10)
    permissions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["project", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "slug"], name="projects_role_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's membership of a project; admins have every permission in it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    # RESTRICT: a role in use cannot be deleted, but deleting the project deletes both.
    role = models.ForeignKey(Role, on_delete=models.RESTRICT, related_name="memberships")
    is_admin = models.BooleanField(default=False)

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="projects_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project}"


class ProjectValue(models.Model):
    """A value a project's items choose from (a status, a type…), in the project's order."""

    name = models.CharField(max_length=255)
    order = models.IntegerField(default=10)
    color = models.CharField(max_length=20, default="#999999")

    class Meta:
        abstract = True
        ordering = ["project", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Status(ProjectValue):
    """A value with a slug, unique in its project, that says whether items in it are done."""

    slug = models.SlugField(max_length=255)
    is_closed = models.BooleanField(default=False)

    class Meta(ProjectValue.Meta):
        abstract = True


def _unique_slug(model_name: str) -> list[models.UniqueConstraint]:
    return [models.UniqueConstraint(fields=["project", "slug"], name=f"projects_{model_name}_slug")]


class UserStoryStatus(Status):
    """A column of the project's kanban board."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="us_statuses")
    wip_limit = models.PositiveIntegerField(null=True, blank=True)

    class Meta(Status.Meta):
        verbose_name_plural = "user story statuses"
        constraints = _unique_slug("usstatus")


class TaskStatus(Status):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="task_statuses")

    class Meta(Status.Meta):
        verbose_name_plural = "task statuses"
        constraints = _unique_slug("taskstatus")


class IssueStatus(Status):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="issue_statuses")

    class Meta(Status.Meta):
        verbose_name_plural = "issue statuses"
        constraints = _unique_slug("issuestatus")


class EpicStatus(Status):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="epic_statuses")

    class Meta(Status.Meta):
        verbose_name_plural = "epic statuses"
        constraints = _unique_slug("epicstatus")


class IssueType(ProjectValue):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="issue_types")


class Priority(ProjectValue):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="priorities")

    class Meta(ProjectValue.Meta):
        verbose_name_plural = "priorities"


class Severity(ProjectValue):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="severities")

    class Meta(ProjectValue.Meta):
        verbose_name_plural = "severities"


class Swimlane(models.Model):
    """A row of the project's kanban board; each has a cell per user story status."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="swimlanes")
    name = models.CharField(max_length=255)
    order = models.IntegerField(default=10)

    class Meta:
        ordering = ["project", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="projects_swimlane_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SwimlaneUserStoryStatus(models.Model):
    """One cell of the kanban board (a swimlane and a status), with its own WIP limit.

    One exists for every pair, created and removed with swimlanes and statuses.
    ``project`` repeats the swimlane's so that events route without a join.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="swimlane_statuses", editable=False
    )
    swimlane = models.ForeignKey(Swimlane, on_delete=models.CASCADE, related_name="statuses")
    status = models.ForeignKey(UserStoryStatus, on_delete=models.CASCADE, related_name="swimlanes")
    wip_limit = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["swimlane__order", "status__order", "id"]
        verbose_name_plural = "swimlane user story statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["swimlane", "status"], name="projects_swimlane_status_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.swimlane} / {self.status}"
