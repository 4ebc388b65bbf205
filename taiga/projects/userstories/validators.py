"""Bodies of the user story bulk operations, resolved to objects of one project."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from taiga.projects.validators import (
    BulkSerializer,
    bulk_change_serializers,
    ids_field,
    orders_field,
    resolve_anchors,
    resolve_many,
    resolve_one,
    resolve_orders,
)

from .models import UserStory


def _optional_id() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, required=False, allow_null=True)


class _PlaceSerializer(BulkSerializer):
    after_userstory_id = _optional_id()
    before_userstory_id = _optional_id()
    bulk_userstories = ids_field()

    def place(self, attrs: dict[str, Any], destination: dict[str, Any]) -> dict[str, Any]:
        """The stories to move and where: ``{project, userstories, after, before, …}``."""
        project = attrs["project"]
        stories = resolve_many(
            project.user_stories, attrs["bulk_userstories"], "bulk_userstories", "user story"
        )
        group = project.user_stories.filter(**destination)
        after, before = resolve_anchors(attrs, group, stories, "user story", "userstory")
        return {
            "project": project,
            "userstories": stories,
            "after": after,
            "before": before,
            **destination,
        }


class UserStoriesBacklogOrderSerializer(_PlaceSerializer):
    """``bulk_update_backlog_order``: move stories to the backlog (``milestone_id`` null or
    absent) or into a sprint, right after/before a story there, or first."""

    milestone_id = _optional_id()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        milestones = attrs["project"].milestones
        milestone = resolve_one(milestones, attrs.get("milestone_id"), "milestone_id", "milestone")
        return self.place(attrs, {"milestone": milestone})


class UserStoriesSprintOrderSerializer(UserStoriesBacklogOrderSerializer):
    """``bulk_update_sprint_order``: as the backlog order, into the sprint ``milestone_id``."""

    milestone_id = serializers.IntegerField(min_value=1)


class UserStoriesKanbanOrderSerializer(_PlaceSerializer):
    """``bulk_update_kanban_order``: move stories into the board cell (``status_id``,
    ``swimlane_id``, null or absent for unclassified), right after/before a story there."""

    status_id = serializers.IntegerField(min_value=1)
    swimlane_id = _optional_id()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs["project"]
        status = resolve_one(
            project.us_statuses, attrs["status_id"], "status_id", "user story status"
        )
        swimlane = resolve_one(
            project.swimlanes, attrs.get("swimlane_id"), "swimlane_id", "swimlane"
        )
        return self.place(attrs, {"status": status, "swimlane": swimlane})


class UserStoriesMilestoneSerializer(BulkSerializer):
    """``bulk_update_milestone``: ``{"project_id", "milestone_id", "bulk_stories":
    [{"us_id", "order"}]}`` moves the stories into the sprint at those sprint orders."""

    milestone_id = serializers.IntegerField(min_value=1)
    bulk_stories = orders_field("us_id")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs["project"]
        return {
            "project": project,
            "milestone": resolve_one(
                project.milestones, attrs["milestone_id"], "milestone_id", "milestone"
            ),
            "orders": resolve_orders(
                project.user_stories, attrs["bulk_stories"], "us_id", "bulk_stories", "user story"
            ),
        }


BULK_SERIALIZERS = {
    "bulk_update_backlog_order": UserStoriesBacklogOrderSerializer,
    "bulk_update_sprint_order": UserStoriesSprintOrderSerializer,
    "bulk_update_kanban_order": UserStoriesKanbanOrderSerializer,
    "bulk_update_milestone": UserStoriesMilestoneSerializer,
    **bulk_change_serializers(UserStory, "bulk_userstories", lambda project: project.us_statuses),
}
