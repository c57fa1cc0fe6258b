from django.apps import AppConfig


class HotelsConfig(AppConfig):
    name = "hotels"
    verbose_name = "Hotels"

    def ready(self):
        import oauth_provider.resource.openapi  # noqa: F401 (registers the drf-spectacular extension)
