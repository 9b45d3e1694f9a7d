"""Forms of the Official Account side, shared by the admin and the console: rule patterns are bounded
and compiled, and reply copy passes the compliance scanner (blocking hits refuse the save, shown)."""

from __future__ import annotations

from django import forms

from wxmall.core.validation import CleanCharField

from . import rules, scenes
from .models import FollowerTag, ReplyRule, SceneCode

RULE_FIELDS = [
    "name", "trigger", "match", "pattern", "reply_type", "text", "title", "description", "url", "pic_url",
    "priority", "is_active",
]  # fmt: skip


class ReplyRuleForm(forms.ModelForm):
    name = CleanCharField(label="规则名称", max_length=60)
    pattern = CleanCharField(label="关键词", max_length=rules.MAX_PATTERN_LENGTH, required=False)
    text = CleanCharField(
        label="回复文本",
        max_length=rules.MAX_TEXT_LENGTH,
        required=False,
        multiline=True,
        widget=forms.Textarea,
    )
    title = CleanCharField(label="标题", max_length=64, required=False)
    description = CleanCharField(label="摘要", max_length=120, required=False)
    url = forms.URLField(label="链接", max_length=1024, required=False, assume_scheme="https")
    pic_url = forms.URLField(label="图片链接", max_length=1024, required=False, assume_scheme="https")

    class Meta:
        model = ReplyRule
        fields = RULE_FIELDS

    def clean(self):
        from wxmall.compliance.forms import refuse_blocking_copy

        cleaned = super().clean()
        rules.clean_rule(cleaned, self.add_error)
        refuse_blocking_copy(cleaned, {"text": "oa_reply", "title": "oa_reply", "description": "oa_reply"})
        return cleaned


class SceneCodeForm(forms.Form):
    scene = forms.RegexField(
        label="场景值",
        regex=scenes.SCENE_SHAPE.pattern,
        max_length=64,
        help_text="字母、数字、下划线或连字符",
    )
    name = CleanCharField(label="名称", max_length=60)
    kind = forms.ChoiceField(label="类型", choices=SceneCode.Kind.choices)
    tag = CleanCharField(label="扫码打标签", max_length=30, required=False, help_text="留空则不打标签")

    def tag_object(self) -> FollowerTag | None:
        name = self.cleaned_data.get("tag")
        return FollowerTag.objects.get_or_create(name=name)[0] if name else None
