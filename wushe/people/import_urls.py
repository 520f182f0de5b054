from django.urls import path

from wushe.people import import_views as views

app_name = "people_imports"
urlpatterns = [
    path("", views.import_index, name="index"),
    path("template.xlsx", views.import_template, name="template"),
    path("export.xlsx", views.people_export, name="export"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/status/", views.batch_status, name="status"),
    path("<int:pk>/check/", views.batch_check, name="check"),
    path("<int:pk>/commit/", views.batch_commit, name="commit"),
    path("<int:pk>/undo/", views.batch_undo, name="undo"),
    path("<int:pk>/failed.xlsx", views.batch_failed, name="failed"),
]
