"""A service that saves a record it was handed starts from the row as stored, locked: a copy
read before another writer's change would put that change back, or a record moved by
区划调整 back in its old village."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

GONE = _("这条记录已被其他人删除，请刷新页面。")


def lock_fresh(obj: models.Model) -> None:
    """Bring the caller's copy up to date from its row, locked until the transaction ends
    (FOR NO KEY UPDATE: rows referring to it are still written meanwhile). A record deleted
    meanwhile is refused in plain words, never saved back to life."""
    model = type(obj)
    try:
        obj.refresh_from_db(from_queryset=model._default_manager.select_for_update(no_key=True))
    except model.DoesNotExist:
        raise ValidationError(GONE) from None
