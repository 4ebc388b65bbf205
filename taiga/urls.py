"""URLs: the REST API under ``api/v1/``, then the web pages."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from taiga.auth.api import LoginView
from taiga.projects.api import MembershipViewSet, ProjectViewSet, UserStoryStatusViewSet
from taiga.projects.userstories.api import UserStoryViewSet
from taiga.users.api import MeView

router = SimpleRouter()
# Taiga's API answers with and without a trailing slash: /userstories and /userstories/.
router.trailing_slash = "/?"
router.register("projects", ProjectViewSet, basename="projects")
router.register("memberships", MembershipViewSet, basename="memberships")
router.register("userstory-statuses", UserStoryStatusViewSet, basename="userstory-statuses")
router.register("userstories", UserStoryViewSet, basename="userstories")

api_urls = [
    re_path(r"^auth/?$", LoginView.as_view(), name="auth-login"),
    re_path(r"^users/me/?$", MeView.as_view(), name="users-me"),
    *router.urls,
]

urlpatterns = [
    path("api/v1/", include(api_urls)),
    path("", include("taiga.front.urls")),
]
