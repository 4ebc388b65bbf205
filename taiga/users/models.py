from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """A person using the tracker; ``full_name`` and ``photo`` are what other people see."""

    full_name = models.CharField(max_length=256, blank=True)
    photo = models.URLField(max_length=500, blank=True)

    class Meta:
        constraints = [
            # Email doubles as a login name, so two accounts may not share one; blank is allowed.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="users_user_email_unique_ci",
                violation_error_message="A user with this email already exists.",
            ),
        ]
