from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.8333 → 83.3%; no denominator → “—” rather than a made-up 0%."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"
