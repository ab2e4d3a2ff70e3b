from django.urls import path

from orgs import views

app_name = "orgs"
urlpatterns = [
    path("units/", views.unit_tree, name="units"),
    path("people/", views.people_list, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    # 工号 in the URL: readable, and the page is scoped (people_visible_to), not secret.
    path("person/<str:employee_no>/", views.person_detail, name="person"),
    path("person/<str:employee_no>/roles/", views.role_grant, name="role_grant"),
    path("person/<str:employee_no>/roles/<int:assignment_id>/revoke/", views.role_revoke, name="role_revoke"),
]
