from rest_framework import serializers

from .models import User


class UserSerializer(serializers.ModelSerializer):
    """The public view of a user, as the API returns it everywhere."""

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "photo", "is_superuser"]
        read_only_fields = fields
