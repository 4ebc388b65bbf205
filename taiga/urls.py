"""URLs: the REST API under ``api/v1/`` (and its OpenAPI schema), then the web pages."""

from django.urls import include, path, re_path
from rest_framework.renderers import JSONOpenAPIRenderer
from rest_framework.routers import SimpleRouter
from rest_framework.schemas import get_schema_view

from taiga.auth.api import EventsPermissionsView, LoginView
from taiga.projects import api as projects
from taiga.projects.epics.api import EpicRelatedUserStoryViewSet, EpicViewSet
from taiga.projects.issues.api import IssueViewSet
from taiga.projects.milestones.api import MilestoneViewSet
from taiga.projects.notifications.api import NotifyPolicyViewSet, WebNotificationViewSet
from taiga.projects.tasks.api import TaskViewSet
from taiga.projects.userstories.api import UserStoryViewSet
from taiga.projects.wiki.api import WikiPageViewSet
from taiga.users.api import MeView

router = SimpleRouter()
# Taiga's API answers with and without a trailing slash: /userstories and /userstories/.
router.trailing_slash = "/?"
for prefix, viewset in (
    ("projects", projects.ProjectViewSet),
    ("roles", projects.RoleViewSet),
    ("memberships", projects.MembershipViewSet),
    ("userstory-statuses", projects.UserStoryStatusViewSet),
    ("task-statuses", projects.TaskStatusViewSet),
    ("issue-statuses", projects.IssueStatusViewSet),
    ("issue-types", projects.IssueTypeViewSet),
    ("priorities", projects.PriorityViewSet),
    ("severities", projects.SeverityViewSet),
    ("epic-statuses", projects.EpicStatusViewSet),
    ("swimlanes", projects.SwimlaneViewSet),
    ("swimlane-userstory-statuses", projects.SwimlaneUserStoryStatusViewSet),
    ("milestones", MilestoneViewSet),
    ("userstories", UserStoryViewSet),
    ("tasks", TaskViewSet),
    ("issues", IssueViewSet),
    ("epics", EpicViewSet),
    (r"epics/(?P<epic>\d+)/related_userstories", EpicRelatedUserStoryViewSet),
    ("wiki", WikiPageViewSet),
    ("notify-policies", NotifyPolicyViewSet),
    ("web-notifications", WebNotificationViewSet),
):
    router.register(prefix, viewset, basename=prefix.rsplit("/", 1)[-1])

schema_view = get_schema_view(
    title="Taiga events reference backend",
    version="1",
    description="The REST API whose changes emit the real-time events.",
    renderer_classes=[JSONOpenAPIRenderer],
    public=True,
)

api_urls = [
    re_path(r"^auth/?$", LoginView.as_view(), name="auth-login"),
    re_path(r"^users/me/?$", MeView.as_view(), name="users-me"),
    re_path(r"^events/permissions/?$", EventsPermissionsView.as_view(), name="events-permissions"),
    re_path(r"^schema/?$", schema_view, name="openapi-schema"),
    *router.urls,
]

urlpatterns = [
    path("api/v1/", include(api_urls)),
    path("", include("taiga.front.urls")),
]
