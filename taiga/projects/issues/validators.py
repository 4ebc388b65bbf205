"""Bodies of the issue bulk operations, resolved to objects of one project."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from taiga.projects.validators import (
    BulkSerializer,
    bulk_change_serializers,
    orders_field,
    resolve_many,
    resolve_one,
)

from .models import Issue


class IssuesMilestoneSerializer(BulkSerializer):
    """``bulk_update_milestone``: ``{"project_id", "milestone_id", "bulk_issues":
    [{"issue_id"}]}`` moves the issues into the sprint."""

    milestone_id = serializers.IntegerField(min_value=1)
    bulk_issues = orders_field("issue_id", with_order=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs["project"]
        ids = [item["issue_id"] for item in attrs["bulk_issues"]]
        milestones = project.milestones
        return {
            "project": project,
            "objects": resolve_many(project.issues, ids, "bulk_issues", "issue"),
            "fields": {
                "milestone": resolve_one(
                    milestones, attrs["milestone_id"], "milestone_id", "milestone"
                )
            },
        }


BULK_SERIALIZERS = {
    "bulk_update_milestone": IssuesMilestoneSerializer,
    **bulk_change_serializers(Issue, "bulk_issues", lambda project: project.issue_statuses),
}
