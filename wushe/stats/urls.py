from django.urls import path

from wushe.stats import views

app_name = "stats"
urlpatterns = [
    path("", views.home, name="home"),
    path("platform/<int:pk>/", views.platform_dashboard, name="platform"),
    path("<code>/", views.region_dashboard, name="dashboard"),
    path("<code>/wall/", views.wall, name="wall"),
    path("<code>/wall/map.json", views.wall_map, name="wall_map"),
    path("<code>/targets/", views.target_list, name="targets"),
    path("<code>/targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
    path("<code>/export/<str:table>.xlsx", views.export, name="export"),
]
