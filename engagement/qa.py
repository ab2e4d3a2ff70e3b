"""Employee Q&A board (网上职工问答栏): ask → answer → review → publish (or deliver privately);
a question that is really a demand becomes a petition in one step through the petition core's
intake service, keeping the link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from engagement.choices import QuestionState
from engagement.models import Question
from engagement.scoping import ANSWER_ROLES, REVIEW_ROLES, holds, questions_visible_to
from orgs.models import Unit, User
from petitions.choices import Category, PetitionType
from petitions.identity import Identity
from petitions.intake import IntakeResult, PetitionDraft, petition_submit
from petitions.notify import notify_user
from tongxin.lib.textsim import bigrams

SEARCH_FALLBACK_LIMIT = 500  # published questions ranked by similarity when no substring matches
SIMILAR_MIN = 0.12


def _lock(question: Question) -> Question:
    return Question.objects.select_for_update().get(pk=question.pk)


def may_answer(user: User, question: Question) -> bool:
    return holds(user, ANSWER_ROLES, question.unit) and question.asker_id != user.pk


def may_review(user: User, question: Question) -> bool:
    """A reviewer is desk staff of the unit, never the person who wrote the answer."""
    return holds(user, REVIEW_ROLES, question.unit) and question.answered_by_id not in (None, user.pk)


@transaction.atomic
def question_ask(*, asker: User, unit: Unit, category: str, title: str, body: str = "", anonymous: bool = False,
                 now: datetime | None = None) -> Question:
    now = now or timezone.now()
    errors = []
    if not 4 <= len(title.strip()) <= 120:
        errors.append("问题须为4至120个字")
    if len(body) > 5000:
        errors.append("详细说明不能超过5000字")
    if category not in Category.values:
        errors.append("请选择分类")
    if errors:
        raise InvalidInput("invalid_question", "；".join(errors), errors=errors)
    question = Question.objects.create(unit=unit, asker=asker, is_anonymous=anonymous, category=category,
                                       title=title.strip(), body=body.strip(), created_at=now)
    # The audit row names no one for an anonymous question.
    audit_record(actor=None if anonymous else asker, action="engagement.question.ask", target=question,
                 data={"unit": unit.code, "anonymous": anonymous})
    return question


@transaction.atomic
def question_answer(*, question: Question, acting_user: User, answer: str, public: bool = True,
                    now: datetime | None = None) -> Question:
    """Staff answer; nobody sees the answer until a reviewer approves it."""
    now = now or timezone.now()
    q = _lock(question)
    if q.state not in (QuestionState.OPEN, QuestionState.IN_REVIEW):
        raise InvalidState("invalid_state", f"当前状态为“{q.get_state_display()}”，不能答复")
    if not may_answer(acting_user, q):
        raise NotAllowed("not_allowed", "您不是该单位的信访或政策工作人员，不能答复")
    if len(answer.strip()) < 10:
        raise InvalidInput("invalid_answer", "答复至少10个字")
    q.answer, q.answer_public = answer.strip(), public
    q.answered_by, q.answered_at, q.state = acting_user, now, QuestionState.IN_REVIEW
    q.reviewed_by, q.reviewed_at, q.review_note = None, None, ""
    q.save()
    audit_record(actor=acting_user, action="engagement.question.answer", target=q, data={"public": public})
    for reviewer in User.objects.filter(roles__role__in=REVIEW_ROLES, roles__unit__in=[*q.unit.ancestors(), q.unit]) \
            .exclude(pk=acting_user.pk).distinct()[:10]:
        notify_user(reviewer, None, f"职工问答待审核：{q.title}")
    return q


@transaction.atomic
def question_review(*, question: Question, acting_user: User, approve: bool, note: str = "",
                    now: datetime | None = None) -> Question:
    """Approve: a public answer is published to the FAQ, a private one delivered to the asker.
    Return: the answer goes back to staff (the question is open again)."""
    now = now or timezone.now()
    q = _lock(question)
    if q.state != QuestionState.IN_REVIEW:
        raise InvalidState("invalid_state", "没有待审核的答复")
    if not may_review(acting_user, q):
        raise NotAllowed("not_allowed", "审核须由本单位其他信访工作人员或负责人进行，答复人不能审核自己的答复")
    if not approve and len(note.strip()) < 2:
        raise InvalidInput("note_required", "退回须写明意见")
    q.reviewed_by, q.reviewed_at, q.review_note = acting_user, now, note.strip()
    if approve:
        q.state = QuestionState.PUBLISHED if q.answer_public else QuestionState.ANSWERED
    else:
        q.state = QuestionState.OPEN
    q.save()
    audit_record(actor=acting_user, action="engagement.question." + ("approve" if approve else "return"),
                 target=q, data={"note": q.review_note, "state": q.state})
    if approve and q.asker_id:
        notify_user(q.asker, None, f"您的提问“{q.title}”已有答复")
    elif not approve and q.answered_by_id:
        notify_user(q.answered_by, None, f"您对“{q.title}”的答复被退回：{q.review_note}")
    return q


def may_convert(user: User, question: Question) -> bool:
    return question.asker_id == user.pk and question.state != QuestionState.CONVERTED and question.petition_id is None


@transaction.atomic
def question_to_petition(*, question: Question, acting_user: User, content: str = "",
                         now: datetime | None = None) -> IntakeResult:
    """The asker turns the question into a petition in one step (it was a demand, not a question):
    the petition core's intake registers it, with its periods, notices and notifications. An
    anonymous question becomes an anonymous petition (receipt code) and drops its account link."""
    now = now or timezone.now()
    q = _lock(question)
    if not may_convert(acting_user, q):
        raise NotAllowed("not_allowed", "只有提问人本人可以把问题转为信访事项")
    text = (content or q.body or q.title).strip()
    if len(text) < 10:
        text = f"{q.title}。{text}" if text != q.title else q.title
    draft = PetitionDraft(title=q.title[:120], content=text, category=q.category, unit=q.unit,
                          ptype=PetitionType.REQUEST, identity=Identity(), anonymous=q.is_anonymous)
    result = petition_submit(petitioner=acting_user, draft=draft, now=now)
    q.petition, q.state = result.petition, QuestionState.CONVERTED
    if q.is_anonymous:
        q.asker = None
    q.save()
    audit_record(actor=None if q.is_anonymous else acting_user, action="engagement.question.to_petition", target=q,
                 data={"petition": result.petition.number})
    return result


def question_viewed(question: Question) -> None:
    Question.objects.filter(pk=question.pk).update(views=F("views") + 1)


# --------------------------------------------------------------------------- reads


def faq(user: User, *, q: str = "", category: str = "") -> list[Question]:
    """Published questions matching every term of ``q`` (Chinese substrings), most read first; with
    no substring match, the most similar ones by character bigrams (typos, word order)."""
    qs = questions_visible_to(user).filter(state=QuestionState.PUBLISHED).select_related("unit")
    if category:
        qs = qs.filter(category=category)
    terms = [t for t in (q or "").split() if t][:5]
    if not terms:
        return list(qs.order_by("-views", "-created_at")[:100])
    matched = qs
    for term in terms:
        matched = matched.filter(Q(title__icontains=term) | Q(body__icontains=term) | Q(answer__icontains=term))
    found = list(matched.order_by("-views", "-created_at")[:100])
    if found:
        return found
    return similar_questions(q, qs[:SEARCH_FALLBACK_LIMIT])


def similar_questions(text: str, candidates, limit: int = 20) -> list[Question]:
    probe = bigrams(text)
    if not probe:
        return []
    scored = []
    for c in candidates:
        other = bigrams(f"{c.title}{c.body}")
        score = len(probe & other) / len(probe | other) if other else 0.0
        if score >= SIMILAR_MIN:
            scored.append((score, c))
    scored.sort(key=lambda sc: (-sc[0], -sc[1].views))
    return [c for _s, c in scored[:limit]]


@dataclass
class StaffBoard:
    unanswered: list[Question]
    in_review: list[Question]
    popular: list[Question]


def staff_board(user: User) -> StaffBoard:
    scoped = questions_visible_to(user).select_related("unit", "answered_by")
    mine = scoped.exclude(asker=user) if not user.is_superuser else scoped
    return StaffBoard(
        unanswered=list(mine.filter(state=QuestionState.OPEN).order_by("created_at")[:50]),
        in_review=list(mine.filter(state=QuestionState.IN_REVIEW).order_by("answered_at")[:50]),
        popular=list(scoped.filter(state=QuestionState.PUBLISHED).order_by("-views")[:10]),
    )


def my_questions(user: User) -> QuerySet[Question]:
    return Question.objects.filter(asker=user).select_related("petition").order_by("-created_at")
