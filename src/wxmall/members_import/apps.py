from django.apps import AppConfig


class MembersImportConfig(AppConfig):
    name = "wxmall.members_import"
    label = "members_import"
    verbose_name = "会员导入"
