from petitions.views import public, staff

app_name = "petitions"
urlpatterns = public.urlpatterns + staff.urlpatterns
