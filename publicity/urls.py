from django.urls import path

from publicity.views import home, lectures, ledger, newsroom

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
]
