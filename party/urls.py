from django.urls import path

from party import pages, views

app_name = "party"
urlpatterns = [
    path("", views.home, name="home"),
    path("orgs/", views.org_list, name="orgs"),
    path("orgs/<int:pk>/", views.org_detail, name="org"),
    path("orgs/<int:pk>/children/", views.org_create, name="org_create"),
    path("orgs/<int:pk>/election/", views.org_election, name="org_election"),
    path("orgs/<int:pk>/posts/", views.org_post, name="org_post"),
    path("orgs/<int:pk>/register/", views.member_register_view, name="member_register"),
    path("members/", views.member_list, name="members"),
    path("members/export/", views.member_export, name="member_export"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("members/<int:pk>/transfer/", views.letter_issue_view, name="letter_issue"),
    path("members/import/", views.roster_upload, name="roster_upload"),
    path("members/import/<uuid:public_id>/", views.roster_preview, name="roster_preview"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/<int:pk>/", views.letter_detail, name="letter"),
    path("development/", views.dev_list, name="dev_list"),
    path("development/<int:pk>/", views.dev_detail, name="dev"),
    path("development/<int:pk>/record.docx", views.dev_docx, name="dev_docx"),
    path("orgs/<int:pk>/apply/", views.dev_open_view, name="dev_open"),
    path("orgs/<int:pk>/life/", views.life_calendar, name="life"),
    path("orgs/<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/photos/<int:pk>/", views.meeting_photo, name="meeting_photo"),
    path("development/documents/<int:pk>/", views.dev_document, name="dev_document"),
    path("signin/", views.signin, name="signin"),
    path("dues/", views.dues_page, name="dues"),
    path("dashboard/", views.login_required(pages.dashboard_page), name="dashboard"),
    path("dashboard/drill/", views.login_required(pages.drill_page), name="drill"),
    path("orgs/<int:pk>/responsibility/", views.responsibility, name="responsibility"),
    path("orgs/<int:pk>/education/", views.education, name="education"),
]
