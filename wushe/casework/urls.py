from django.urls import path

from wushe.casework import views

app_name = "casework"
urlpatterns = [
    path("todo/", views.todo_list, name="todo"),
    path("visits/", views.VisitList.as_view(), name="visit_list"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/photos/<int:photo>/", views.visit_photo, name="visit_photo"),
    path("visits/<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("needs/", views.NeedList.as_view(), name="need_list"),
    path("needs/new/", views.need_create, name="need_create"),
    path("needs/<int:pk>/resolve/", views.need_resolve, name="need_resolve"),
    path("cases/", views.CaseList.as_view(), name="case_list"),
    path("cases/new/", views.case_open, name="case_open"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/<slug:step>/", views.case_step, name="case_step"),
    path("closure-policy/", views.closure_policy, name="closure_policy"),
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/<int:pk>/decide/", views.referral_decide, name="referral_decide"),
]
