from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "wxmall.compliance"
    label = "compliance"
    verbose_name = "合规与风控"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from . import subjects
        from .actions import on_subject_saved

        # By model label: compliance imports none of the apps whose copy it guards.
        for subject in subjects.installed():
            post_save.connect(
                on_subject_saved, sender=subjects.model(subject), dispatch_uid=f"compliance.{subject.label}"
            )
