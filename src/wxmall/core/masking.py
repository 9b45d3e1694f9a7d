"""Masking of personal data for logs, admin lists and exports: enough to recognise, not to reuse."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """'13812345678' -> '138****5678'; anything short is masked whole."""
    digits = (phone or "").strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(name: str) -> str:
    """'张三丰' -> '张**'. Chinese names are short; keep only the family name."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_address(address: str) -> str:
    """Keep the first six characters (province/city), hide the rest: '广东省深圳市南山区科技园' -> '广东省深圳市******'."""
    address = (address or "").strip()
    return address[:6] + "*" * min(max(len(address) - 6, 0), 8)


def mask_email(email: str) -> str:
    """'zhangsan@example.com' -> 'z***@example.com': the domain stays (it is rarely personal)."""
    email = (email or "").strip()
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}" if local else ""
