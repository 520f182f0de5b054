from django.contrib import admin

from wushe.audit.models import AuditEvent
from wushe.core.admin import ReadOnlyAdmin, site


@admin.register(AuditEvent, site=site)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "object_repr", "region_code", "ip")
    list_filter = ("action",)
    search_fields = ("actor_name", "object_repr", "request_id")
    date_hierarchy = "at"
    actions = None
