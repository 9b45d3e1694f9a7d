"""Console pages: the live-script checker (paste a script, see every hit marked with its suggestion) and
the copy assistant (drafts that passed the scanner)."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wxmall.compliance import assistant, external
from wxmall.compliance.actions import check_copy
from wxmall.core.http import staff_permission_required
from wxmall.core.validation import CleanCharField

MAX_SCRIPT_CHARS = 20_000


class ScriptForm(forms.Form):
    script = CleanCharField(
        multiline=True, max_length=MAX_SCRIPT_CHARS, widget=forms.Textarea(attrs={"rows": 12})
    )


def segments(text: str, hits) -> list[tuple[str, object]]:
    """Split `text` into (piece, hit-or-None) so the template marks hits up; pieces are escaped there."""
    out, pos = [], 0
    for h in hits:
        if h.start < pos:  # overlapping hit (pinyin inside a matched run): shown in the list only
            continue
        if h.start > pos:
            out.append((text[pos : h.start], None))
        out.append((text[h.start : h.end], h))
        pos = h.end
    if pos < len(text):
        out.append((text[pos:], None))
    return out


@staff_member_required
def live_script(request: HttpRequest) -> HttpResponse:
    form = ScriptForm(request.POST or None)
    verdict = pieces = None
    externals = []
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["script"]
        verdict = check_copy(text, context="live_script")
        pieces = segments(text, verdict.hits)
        if not verdict.hits:  # clean for the word check: ask external content security when it is on
            externals = external.check(text, user_facing=False)
    return render(
        request,
        "compliance/live_script.html",
        {"form": form, "verdict": verdict, "pieces": pieces, "externals": externals},
    )


class AssistantForm(forms.Form):
    product = forms.IntegerField(label="商品 ID", min_value=1, max_value=2**62)
    kind = forms.ChoiceField(label="文案类型", choices=list(assistant.KINDS.items()))
    tone = forms.ChoiceField(label="语气", choices=list(assistant.TONES.items()))


@staff_permission_required(what="使用文案助手")
def copy_assistant(request: HttpRequest) -> HttpResponse:
    """Drafts for one product; the product model is looked up by label (compliance imports no catalog)."""
    form = AssistantForm(request.POST or None)
    drafts = product = None
    if request.method == "POST" and form.is_valid():
        model = apps.get_model("catalog", "Product")
        product = model.objects.select_related("category").filter(pk=form.cleaned_data["product"]).first()
        if product is None:
            form.add_error("product", "商品不存在")
        else:
            drafts = assistant.draft(
                assistant.brief_of(product), form.cleaned_data["kind"], form.cleaned_data["tone"]
            )
    return render(request, "compliance/assistant.html", {"form": form, "drafts": drafts, "product": product})
