from django.urls import path

from wushe.people import views

app_name = "people"
urlpatterns = [
    path("", views.PersonList.as_view(), name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("id-info/", views.id_info, name="id_info"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("<int:pk>/categories/", views.category_add, name="category_add"),
]
