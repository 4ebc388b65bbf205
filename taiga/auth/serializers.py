from rest_framework import serializers


class LoginSerializer(serializers.Serializer):
    """The body of ``POST /api/v1/auth``: only the "normal" (password) login type exists."""

    type = serializers.ChoiceField(choices=["normal"])
    username = serializers.CharField(trim_whitespace=False)
    password = serializers.CharField(trim_whitespace=False)
