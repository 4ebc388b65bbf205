from rest_framework import serializers

from .models import User


class UserSerializer(serializers.ModelSerializer):
    """The public view of a user, as the API returns it everywhere."""

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "photo", "is_superuser"]
        read_only_fields = fields


def user_summary(user: User | None) -> dict | None:
    """``{id, username, full_name, photo}``: how notifications and comments name a person
    (``full_name`` falls back to the username, ``photo`` is null without one)."""
    if user is None:
        return None
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name or user.username,
        "photo": user.photo or None,
    }
