app_name = "people_imports"
urlpatterns: list = []
