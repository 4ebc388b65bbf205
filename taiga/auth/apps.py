from django.apps import AppConfig


class TaigaAuthConfig(AppConfig):
    name = "taiga.auth"
    # "auth" is django.contrib.auth's label.
    label = "taiga_auth"
    verbose_name = "Authentication"
