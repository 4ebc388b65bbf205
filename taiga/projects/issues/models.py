from django.db import models

from taiga.projects.items import WorkItem
from taiga.projects.milestones.models import Milestone
from taiga.projects.models import IssueStatus, IssueType, Priority, Project, Severity


class Issue(WorkItem):
    """A bug, question or request reported on a project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="issues")
    status = models.ForeignKey(IssueStatus, on_delete=models.RESTRICT, related_name="issues")
    type = models.ForeignKey(IssueType, on_delete=models.RESTRICT, related_name="issues")
    priority = models.ForeignKey(Priority, on_delete=models.RESTRICT, related_name="issues")
    severity = models.ForeignKey(Severity, on_delete=models.RESTRICT, related_name="issues")
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="issues"
    )

    class Meta(WorkItem.Meta):
        ordering = ["project", "-created_date", "id"]
