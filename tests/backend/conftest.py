"""Fixtures of the reference backend: people, projects and API clients acting as them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from taiga.auth.tokens import issue_access_token
from taiga.projects import services as project_services
from taiga.projects.models import Project
from taiga.users.models import User

PASSWORD = "s3cret-pass"


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(username: str, **fields) -> User:
        fields.setdefault("email", f"{username}@example.com")
        fields.setdefault("full_name", username.title())
        return User.objects.create_user(username=username, password=PASSWORD, **fields)

    return make


@pytest.fixture
def owner(make_user) -> User:
    return make_user("owner")


@pytest.fixture
def member(make_user) -> User:
    return make_user("member")


@pytest.fixture
def outsider(make_user) -> User:
    return make_user("outsider")


@pytest.fixture
def superuser(make_user) -> User:
    return make_user("root", is_superuser=True, is_staff=True)


@pytest.fixture
def project(owner, member) -> Project:
    """A public project of ``owner`` with ``member`` as a plain member."""
    project = project_services.create_project(owner=owner, name="Public Project")
    project_services.add_member(project, member)
    return project


@pytest.fixture
def stakeholder(make_user, project) -> User:
    """A member of ``project`` with the Stakeholder role: views everything, adds issues."""
    user = make_user("stakeholder")
    project_services.add_member(project, user, role=project.roles.get(slug="stakeholder"))
    return user


@pytest.fixture
def private_project(owner, member) -> Project:
    project = project_services.create_project(owner=owner, name="Secret", is_private=True)
    project_services.add_member(project, member)
    return project


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for() -> Callable[[User], APIClient]:
    """An API client sending ``Authorization: Bearer`` with a fresh token of the user."""

    def make(user: User) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(user)}")
        return client

    return make
