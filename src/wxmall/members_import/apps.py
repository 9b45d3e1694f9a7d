from django.apps import AppConfig


class MembersImportConfig(AppConfig):
    name = "wxmall.members_import"
    label = "members_import"
    verbose_name = "会员导入"

    def ready(self) -> None:
        from wxmall.accounts.lookups import unionid_owner

        from .queries import imported_unionid_owner

        unionid_owner.connect(imported_unionid_owner, dispatch_uid="members_import.unionid_owner")
