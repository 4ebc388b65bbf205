from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.board, name="board"),
    # The front's addresses under a project (/project/{slug}/kanban, …/us/{ref}, …), which
    # live notifications link to: the page reads them itself.
    re_path(r"^project/(?P<slug>[-\w]+)/", views.board),
    path("assets/<slug:folder>/<str:name>", views.asset, name="front-asset"),
]
