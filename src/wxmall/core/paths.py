"""Folders the embedded backends need under VAR_DIR, created when the hub starts rather than when
settings are imported (importing settings must have no side effects: `check`, tools and tests read them).

Only what the configuration uses: the SQLite file's folder, the filesystem broker's folders, the vendor
and static folders WhiteNoise and staticfiles look in. A PostgreSQL + Redis deployment gets none of the
database or broker folders."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def needed_dirs() -> list[Path]:
    dirs = [Path(settings.VAR_DIR) / "vendor", Path(settings.STATIC_ROOT)]
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        for name in (database["NAME"], database.get("TEST", {}).get("NAME")):
            if name and str(name) != ":memory:":
                dirs.append(Path(name).parent)
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            if options.get(key):
                dirs.append(Path(options[key]))
    return dirs


def ensure_var_dirs() -> None:
    for folder in needed_dirs():
        folder.mkdir(parents=True, exist_ok=True)
