from django.db import models

from taiga.projects.items import VersionedItem, user_reference
from taiga.projects.models import Project


class WikiPage(VersionedItem):
    """A page of the project's wiki, addressed by its slug within the project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="wiki_pages")
    slug = models.SlugField(max_length=500)
    content = models.TextField(blank=True)
    last_modifier = user_reference()

    class Meta:
        ordering = ["project", "slug", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "slug"], name="wiki_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.slug
