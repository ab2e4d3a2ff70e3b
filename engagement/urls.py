from django.urls import path

from engagement.views import library, meetings, pages, qa, screening, training, visits

app_name = "engagement"
urlpatterns = [
    path("", pages.home, name="home"),
    path("rules/", pages.rules, name="rules"),
    path("rules/poster.docx", pages.poster, name="rules_poster"),
    # Q&A board
    path("qa/", qa.faq, name="qa"),
    path("qa/ask/", qa.ask, name="qa_ask"),
    path("qa/mine/", qa.mine, name="qa_mine"),
    path("qa/staff/", qa.staff, name="qa_staff"),
    path("qa/<uuid:public_id>/", qa.detail, name="qa_detail"),
    path("qa/<uuid:public_id>/answer/", qa.answer, name="qa_answer"),
    path("qa/<uuid:public_id>/review/", qa.review, name="qa_review"),
    path("qa/<uuid:public_id>/convert/", qa.convert, name="qa_convert"),
    # case library
    path("library/", library.index, name="library"),
    path("library/<int:pk>/", library.detail, name="library_detail"),
    path("library/<int:pk>/edit/", library.edit, name="library_edit"),
    path("library/<int:pk>/review/", library.review, name="library_review"),
    path("library/<int:pk>/share/", library.share, name="library_share"),
    path("library/from/<uuid:public_id>/", library.from_petition, name="library_from_petition"),
    # cadre visits
    path("visits/", visits.index, name="visits"),
    path("visits/plan/", visits.plan_create, name="visit_plan_create"),
    path("visits/assignment/<int:pk>/", visits.assignment, name="visit_assignment"),
    path("visits/<int:pk>/", visits.visit_detail, name="visit_detail"),
    path("visits/matter/<int:pk>/petition/", visits.matter_petition, name="visit_matter_petition"),
    path("visits/matter/<int:pk>/screening/", visits.matter_screening, name="visit_matter_screening"),
    path("visits/matter/<int:pk>/answered/", visits.matter_answered, name="visit_matter_answered"),
    # stability meetings
    path("meetings/", meetings.index, name="meetings"),
    path("meetings/schedule/", meetings.schedule, name="meeting_schedule"),
    path("meetings/<int:pk>/", meetings.detail, name="meeting_detail"),
    path("meetings/<int:pk>/briefing.docx", meetings.briefing, name="meeting_briefing"),
    path("meetings/<int:pk>/minutes/", meetings.minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/decision/", meetings.decision_add, name="meeting_decision_add"),
    path("decisions/<int:pk>/done/", meetings.decision_done, name="decision_done"),
    # screening ledger
    path("screening/", screening.index, name="screening"),
    path("screening/entry/", screening.entry_create, name="screening_entry_create"),
    path("screening/<int:pk>/", screening.entry_detail, name="screening_entry"),
    path("screening/round/", screening.round_complete, name="screening_round_complete"),
    path("screening/export.xlsx", screening.export, name="screening_export"),
    # training
    path("training/", training.index, name="training"),
    path("training/exam/", training.exam_create, name="exam_create"),
    path("training/exam/<int:pk>/", training.exam_detail, name="exam_detail"),
    path("training/attempt/<int:pk>/", training.attempt, name="attempt"),
    path("training/answer/<int:pk>/mark/", training.mark, name="answer_mark"),
]
