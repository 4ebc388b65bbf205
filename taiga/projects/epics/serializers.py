from rest_framework import serializers

from taiga.projects.serializers import WorkItemSerializer, work_item_fields

from .models import Epic, RelatedUserStory


class EpicSerializer(WorkItemSerializer):
    """An epic; without ``status``, it takes the project's first epic status."""

    class Meta(WorkItemSerializer.Meta):
        model = Epic
        fields = work_item_fields("color", "status", "epics_order")


class RelatedUserStorySerializer(serializers.ModelSerializer):
    """A user story's place in an epic (the epic comes from the URL)."""

    class Meta:
        model = RelatedUserStory
        fields = ["id", "epic", "user_story", "order"]
        read_only_fields = ["epic"]
        extra_kwargs = {"order": {"required": False}}
        validators = []  # the epic comes from the URL; services.relate_userstory checks

    def validate_user_story(self, user_story: object) -> object:
        if self.instance is not None and user_story != self.instance.user_story:
            raise serializers.ValidationError("A relation stays with its user story.")
        return user_story
