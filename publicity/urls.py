from django.urls import path

from publicity.views import home, ideology, lectures, ledger, newsroom, study

app_name = "publicity"
urlpatterns = [
    path("", home.home, name="home"),
    path("news/", newsroom.news, name="news"),
    path("news/<uuid:public_id>/", newsroom.news_detail, name="news_detail"),
    path("mine/", newsroom.workspace, name="workspace"),
    path("pieces/new/", newsroom.piece_new, name="piece_new"),
    path("pieces/<uuid:public_id>/", newsroom.piece_detail, name="piece"),
    path("pieces/<uuid:public_id>/<str:action>/", newsroom.piece_act, name="piece_act"),
    path("queue/", newsroom.queue, name="queue"),
    path("photos/<int:pk>/", newsroom.photo, name="photo"),
    path("ledger/", ledger.ledger_page, name="ledger"),
    path("ledger/export/", ledger.ledger_export, name="ledger_export"),
    path("ledger/new/", ledger.placement_new, name="placement_new"),
    path("lectures/", lectures.lecture_list, name="lectures"),
    path("lectures/new/", lectures.lecture_new, name="lecture_new"),
    path("lectures/<uuid:public_id>/", lectures.lecture_detail, name="lecture"),
    path("lectures/<uuid:public_id>/<str:action>/", lectures.lecture_act, name="lecture_act"),
    path("campaigns/", lectures.campaign_list, name="campaigns"),
    path("campaigns/new/", lectures.campaign_new, name="campaign_new"),
    path("study/", study.study_home, name="study"),
    path("study/first-topic/new/", study.first_topic_new, name="first_topic_new"),
    path("study/tasks/<int:pk>/done/", study.task_done, name="task_done"),
    path("study/plans/new/", study.plan_new, name="plan_new"),
    path("study/plans/<int:pk>/", study.plan_detail, name="plan"),
    path("ideology/", ideology.ideology_home, name="ideology"),
    path("ideology/incidents/new/", ideology.incident_new, name="incident_new"),
    path("ideology/incidents/<uuid:public_id>/", ideology.incident_detail, name="incident"),
    path("ideology/incidents/<uuid:public_id>/<str:action>/", ideology.incident_act, name="incident_act"),
    path("ideology/positions/new/", ideology.position_new, name="position_new"),
    path("ideology/agenda/new/", ideology.agenda_new, name="agenda_new"),
]
