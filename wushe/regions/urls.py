from django.urls import path

from wushe.regions import views

app_name = "regions"
urlpatterns = [
    path("tree/", views.tree, name="tree"),
    path("<str:code>/", views.detail, name="detail"),
]
