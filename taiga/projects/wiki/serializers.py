from taiga.projects.serializers import VersionedSerializer

from .models import WikiPage


class WikiPageSerializer(VersionedSerializer):
    """A wiki page, addressed by its ``slug`` within the project."""

    class Meta:
        model = WikiPage
        fields = [
            "id",
            "project",
            "slug",
            "content",
            "owner",
            "last_modifier",
            "version",
            "created_date",
            "modified_date",
        ]
        read_only_fields = ["owner", "last_modifier"]
