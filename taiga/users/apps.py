from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "taiga.users"
    label = "users"
    verbose_name = "Users"
