"""Console pages: the live-script checker (paste a script, see every hit marked with its suggestion)."""

from __future__ import annotations

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wxmall.compliance.actions import check_copy
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
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["script"]
        verdict = check_copy(text, context="live_script")
        pieces = segments(text, verdict.hits)
    return render(
        request, "compliance/live_script.html", {"form": form, "verdict": verdict, "pieces": pieces}
    )
