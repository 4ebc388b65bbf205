from django.conf import settings
from django.db import models


class Project(models.Model):
    """A project: the unit of membership, visibility and event routing."""

    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=250, unique=True)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_projects"
    )
    is_private = models.BooleanField(default=False)
    # Last reference number handed out in this project; see services.allocate_ref.
    last_ref = models.PositiveBigIntegerField(default=0, editable=False)
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's membership of a project; admins may change the project and its members."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    is_admin = models.BooleanField(default=False)

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="projects_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project}"


class UserStoryStatus(models.Model):
    """A column of the project's kanban board."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="us_statuses")
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255)
    order = models.IntegerField(default=10)
    is_closed = models.BooleanField(default=False)
    color = models.CharField(max_length=20, default="#999999")
    wip_limit = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["project", "order", "id"]
        verbose_name_plural = "user story statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "slug"], name="projects_usstatus_unique_slug"
            ),
        ]

    def __str__(self) -> str:
        return self.name
