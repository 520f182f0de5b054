from django.urls import path

from wushe.groupwork import views

app_name = "groupwork"
urlpatterns = [
    path("groups/", views.GroupList.as_view(), name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("groups/<int:pk>/members/", views.group_member_add, name="group_member_add"),
    path("groups/<int:pk>/sessions/new/", views.group_session_add, name="group_session_add"),
    path("groups/<int:pk>/start/", views.group_start, name="group_start"),
    path("groups/<int:pk>/end/", views.group_end, name="group_end"),
    path("activities/", views.ActivityList.as_view(), name="activity_list"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path(
        "activities/<int:pk>/beneficiaries/",
        views.activity_beneficiary_add,
        name="activity_beneficiary_add",
    ),
    path("activities/<int:pk>/photos/<int:photo_id>/", views.activity_photo, name="activity_photo"),
]
