from django.urls import path

from wushe.stats import report_views

app_name = "reports"
urlpatterns = [
    path("", report_views.report_list, name="list"),
    path("<str:template>/", report_views.report_build, name="build"),
    path("<str:template>/<str:code>.xlsx", report_views.report_download, name="download"),
]
