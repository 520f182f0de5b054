from django.urls import path

from wushe.network import views

app_name = "network"
urlpatterns = [
    path("platforms/", views.PlatformList.as_view(), name="platform_list"),
    path("platforms/new/", views.platform_create, name="platform_create"),
    path("platforms/<int:pk>/", views.PlatformDetail.as_view(), name="platform_detail"),
    path("platforms/<int:pk>/edit/", views.platform_edit, name="platform_edit"),
    path("platforms/<int:pk>/items/", views.platform_items, name="platform_items"),
    path("platforms/<int:pk>/postings/new/", views.posting_create, name="posting_create"),
    path("postings/<int:pk>/end/", views.posting_end, name="posting_end"),
    path("workers/", views.WorkerList.as_view(), name="worker_list"),
]
