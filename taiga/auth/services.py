"""Checking a user's credentials."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from taiga.users.models import User


def authenticate_normal(username: str, password: str) -> User | None:
    """The active user whose username (or else email) and password match, else None.

    A login name that matches nobody still costs one password hash, so response times do
    not reveal which usernames exist.
    """
    user = _find_by_login_name(username) if username else None
    if user is None:
        make_password(password)
        return None
    if not user.is_active or not user.check_password(password):
        return None
    return user


def _find_by_login_name(login: str) -> User | None:
    return (
        User.objects.filter(username=login).first()
        or User.objects.filter(email__iexact=login).first()
    )
