from django.urls import path

from wushe.casework import dossier_views as views

app_name = "dossier"
urlpatterns = [
    path("person/<int:pk>.pdf", views.person_dossier, {"fmt": "pdf"}, name="person_pdf"),
    path("person/<int:pk>.docx", views.person_dossier, {"fmt": "docx"}, name="person_docx"),
    path("household/<int:pk>.pdf", views.household_dossier, {"fmt": "pdf"}, name="household_pdf"),
    path(
        "household/<int:pk>.docx", views.household_dossier, {"fmt": "docx"}, name="household_docx"
    ),
]
