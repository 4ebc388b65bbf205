from django.conf import settings
from django.db import models
from django.utils import timezone

from taiga.projects.models import Project

from .choices import DEFAULT_NOTIFY_LEVEL, NotifyLevel, WebNotificationType


class NotifyPolicy(models.Model):
    """Which live notifications ``user`` gets about ``project`` (without one: involved)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="notify_policies")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_policies"
    )
    notify_level = models.PositiveSmallIntegerField(
        choices=NotifyLevel.choices, default=DEFAULT_NOTIFY_LEVEL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "id"]
        verbose_name_plural = "notify policies"
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="notifications_policy_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project}: {self.get_notify_level_display()}"


class WebNotification(models.Model):
    """A web notification as it was sent to ``user``: ``data`` is the event's data."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web_notifications"
    )
    type = models.CharField(max_length=32, choices=WebNotificationType.choices)
    data = models.JSONField()
    created = models.DateTimeField(default=timezone.now)
    read = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "-created"])]

    def __str__(self) -> str:
        return f"{self.type} for {self.user}"
