"""Settings for the test suite: the common ones with a fast password hasher."""

from .common import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
