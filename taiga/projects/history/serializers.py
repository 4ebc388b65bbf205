from rest_framework import serializers

from taiga.users.serializers import user_summary

from .models import HistoryEntry


class CommentSerializer(serializers.ModelSerializer):
    """A comment: its text (``comment``), who wrote it (``user``) and when."""

    user = serializers.SerializerMethodField()
    comment = serializers.CharField(trim_whitespace=True, max_length=50_000)

    class Meta:
        model = HistoryEntry
        fields = ["id", "user", "comment", "created_at"]
        read_only_fields = ["created_at"]

    def get_user(self, entry: HistoryEntry) -> dict | None:
        return user_summary(entry.user)
