"""Creating projects and changing what belongs to them: members, statuses, references."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Max, RestrictedError

from taiga.base.exceptions import Conflict, WrongArguments
from taiga.base.slugs import unique_slug
from taiga.users.models import User

from .models import Membership, Project, UserStoryStatus

# (name, is_closed, color) of the statuses every new project starts with, in board order.
DEFAULT_USERSTORY_STATUSES = (
    ("New", False, "#999999"),
    ("Ready", False, "#ff8a84"),
    ("In progress", False, "#ff9900"),
    ("Ready for test", False, "#fcc000"),
    ("Done", True, "#669900"),
    ("Archived", True, "#5c3566"),
)


@transaction.atomic
def create_project(
    *, owner: User, name: str, description: str = "", is_private: bool = False
) -> Project:
    """A new project with its owner as admin member and the default user story statuses."""
    project = Project.objects.create(
        owner=owner,
        name=name,
        slug=unique_slug(Project.objects.all(), name, fallback="project", max_length=250),
        description=description,
        is_private=is_private,
    )
    add_member(project, owner, is_admin=True)
    for name_, is_closed, color in DEFAULT_USERSTORY_STATUSES:
        create_userstory_status(project=project, name=name_, is_closed=is_closed, color=color)
    return project


def add_member(project: Project, user: User, *, is_admin: bool = False) -> Membership:
    """Make ``user`` a member of ``project``."""
    return Membership.objects.create(project=project, user=user, is_admin=is_admin)


def remove_member(membership: Membership) -> None:
    """End a membership; the owner's cannot end, or the project would have no admin left."""
    if membership.user_id == membership.project.owner_id:
        raise WrongArguments("The project owner's membership cannot be removed.")
    membership.delete()


def create_userstory_status(
    *,
    project: Project,
    name: str,
    order: int | None = None,
    is_closed: bool = False,
    color: str = "#999999",
    wip_limit: int | None = None,
) -> UserStoryStatus:
    """A new board column, with a slug unique in the project; placed last unless ``order``."""
    statuses = UserStoryStatus.objects.filter(project=project)
    if order is None:
        order = (statuses.aggregate(last=Max("order"))["last"] or 0) + 1
    return UserStoryStatus.objects.create(
        project=project,
        name=name,
        slug=unique_slug(statuses, name, fallback="status", max_length=255),
        order=order,
        is_closed=is_closed,
        color=color,
        wip_limit=wip_limit,
    )


def delete_userstory_status(status: UserStoryStatus) -> None:
    """Delete a board column that no user story is in."""
    try:
        status.delete()
    except RestrictedError:
        raise Conflict(
            f"Status {status.name!r} still has user stories; move them to another status first."
        ) from None


def allocate_ref(project: Project) -> int:
    """Reserve the next reference number of ``project`` (1, 2, 3…; never reused).

    The increment is one UPDATE, which locks the project row until the caller's
    transaction ends, so concurrent creations get distinct, ordered numbers.
    """
    with transaction.atomic():
        Project.objects.filter(pk=project.pk).update(last_ref=F("last_ref") + 1)
        return Project.objects.values_list("last_ref", flat=True).get(pk=project.pk)
