from django import forms
from django.core.exceptions import ValidationError


class FilterForm(forms.Form):
    """The search form above a list; `filter` narrows an already scoped queryset, and may
    need to know who is asking (what a filter reveals depends on the viewer's rights)."""

    def __init__(self, data=None, *, user=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.user = user

    def filter(self, qs):
        raise NotImplementedError


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's validation errors on the form fields they name."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
