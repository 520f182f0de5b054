from django.urls import path

from wushe.audit import views

app_name = "audit"
urlpatterns = [path("", views.EventList.as_view(), name="event_list")]
