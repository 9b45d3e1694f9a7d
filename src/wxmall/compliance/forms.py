"""Form validation other apps attach to their admin forms: blocking hits refuse the save, listing each
hit's (escaped) original text and its suggestion."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from wxmall.compliance.actions import check_copy

MAX_LISTED = 5


def refuse_blocking_copy(cleaned: dict, fields: dict[str, str]) -> None:
    """Raise a per-field ValidationError for every field in `fields` (name -> context) whose text has a
    blocking hit. Django escapes the messages when it renders them."""
    errors = {}
    for name, context in fields.items():
        value = cleaned.get(name)
        if not isinstance(value, str) or not value:
            continue
        verdict = check_copy(value, context=context)
        blocking = [h for h in verdict.hits if h.severity == "block"][:MAX_LISTED]
        if blocking:
            errors[name] = [
                ValidationError(
                    "违反广告法/平台规则：“%(text)s” — %(suggestion)s",
                    params={"text": h.text, "suggestion": h.suggestion},
                )
                for h in blocking
            ]
    if errors:
        raise ValidationError(errors)


def refuse_restricted_category(cleaned: dict, field: str = "category") -> None:
    """A product form's category that this shop may not sell (shop type, qualifications) is refused."""
    from wxmall.compliance import category_rules

    category = cleaned.get(field)
    if category is None:
        return
    reason = category_rules.problem(category_rules.category_names(category), category_rules.shop_type())
    if reason:
        raise ValidationError({field: reason})
