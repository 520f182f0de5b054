from django.urls import path

app_name = "people_imports"
urlpatterns: list = []
