from django.contrib import admin

from wushe.core.admin import ReadOnlyAdmin, site
from wushe.regions.models import Region


@admin.register(Region, site=site)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    show_full_result_count = False
    list_select_related = ("parent",)
