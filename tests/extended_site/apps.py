from django.apps import AppConfig


class ExtendedSiteConfig(AppConfig):
    name = "tests.extended_site"
    label = "extended_site"
    default_auto_field = "django.db.models.BigAutoField"
