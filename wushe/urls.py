from django.urls import include, path

from wushe.api import api
from wushe.core.admin import site as admin_site

urlpatterns = [
    path("", include("wushe.core.urls")),
    path("accounts/", include("wushe.accounts.urls")),
    path("regions/", include("wushe.regions.urls")),
    path("network/", include("wushe.network.urls")),
    path("catalog/", include("wushe.catalog.urls")),
    path("people/", include("wushe.people.urls")),
    path("people/imports/", include("wushe.people.import_urls")),
    path("casework/", include("wushe.casework.urls")),
    path("dossier/", include("wushe.casework.dossier_urls")),
    path("groupwork/", include("wushe.groupwork.urls")),
    path("stats/reports/", include("wushe.stats.report_urls")),
    path("stats/", include("wushe.stats.urls")),
    path("audit/", include("wushe.audit.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin_site.urls),
]
