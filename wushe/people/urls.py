from django.urls import path

from wushe.people import views

app_name = "people"
urlpatterns = [
    path("", views.PersonList.as_view(), name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("id-info/", views.id_info, name="id_info"),
    path("duplicates/", views.duplicate_list, name="duplicate_list"),
    path("duplicates/decide/", views.duplicate_decide, name="duplicate_decide"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/new/", views.transfer_request, name="transfer_request"),
    path("transfers/<int:pk>/decide/", views.transfer_decide, name="transfer_decide"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("<int:pk>/consent/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<int:pk>/categories/", views.category_add, name="category_add"),
]
