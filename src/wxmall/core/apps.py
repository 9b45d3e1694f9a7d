from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wxmall.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from wxmall.core import checks  # noqa: F401  (registers the deployment checks)
        from wxmall.core.paths import ensure_var_dirs

        # Every process of the hub (web, worker, beat, manage.py, tests) passes here before it opens the
        # SQLite file or the broker folders.
        ensure_var_dirs()
