"""pub.three_reviews: 三审三校 at its boundaries, embargo, photos (EXIF stripped, permission-checked),
versions and comments, the news page and its search."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from audit.models import AuditEvent
from core.errors import InvalidInput, InvalidState, NotAllowed
from publicity import newsroom
from publicity.choices import Decision, PieceState, ReviewLevel
from publicity.models import Piece, PieceReview
from publicity.rules import current_rule, rule_set_publish
from publicity.scoping import news_visible_to, pieces_visible_to
from publicity.selectors import news_search, review_queue
from tests.publicity.conftest import jpeg_with_gps

pytestmark = pytest.mark.django_db


def submit(nr, title="综采一队创月产新高", **kw) -> Piece:
    draft = newsroom.PieceDraft(title=title, body="十一月综采一队安全生产原煤三十万吨，创历史新高。", unit=nr.team,
                                lead=kw.pop("lead", "综采一队月产创新高"), **kw)
    return newsroom.piece_create(author=nr.correspondent, draft=draft, submit=True)


def pass_(piece, who, proofread=True):
    return newsroom.piece_review(piece=piece, acting_user=who, decision=Decision.PASS, proofread=proofread)


def publish(nr, **kw) -> Piece:
    piece = submit(nr, **kw)
    for who in (nr.editor, nr.head, nr.leader):
        piece = pass_(piece, who)
    return piece


def test_three_levels_by_three_people_publish(nr):
    piece = submit(nr)
    assert (piece.state, piece.stage, piece.round) == (PieceState.IN_REVIEW, ReviewLevel.FIRST, 1)
    piece = pass_(piece, nr.editor)
    assert piece.stage == ReviewLevel.SECOND
    piece = pass_(piece, nr.head)
    assert piece.stage == ReviewLevel.FINAL and piece.published_at is None
    piece = pass_(piece, nr.leader)
    assert piece.state == PieceState.PUBLISHED and piece.published_at is not None
    assert piece.review_rule_version == 0
    record = list(PieceReview.objects.filter(piece=piece).values_list("level", "reviewer", "proofread"))
    assert record == [("first", nr.editor.pk, True), ("second", nr.head.pk, True), ("final", nr.leader.pk, True)]
    assert news_visible_to(nr.outsider).filter(pk=piece.pk).exists()
    actions = set(AuditEvent.objects.filter(target_id=str(piece.pk), target_type="publicity.piece")
                  .values_list("action", flat=True))
    assert {"publicity.piece.create", "publicity.piece.submit", "publicity.piece.review.pass"} <= actions


def test_same_person_as_second_and_final_refused(nr):
    piece = pass_(submit(nr), nr.editor)
    piece = pass_(piece, nr.both)  # 复审
    with pytest.raises(NotAllowed) as e:
        pass_(piece, nr.both)  # and 终审: refused
    assert e.value.code == "same_reviewer"
    piece.refresh_from_db()
    assert (piece.state, piece.stage) == (PieceState.IN_REVIEW, ReviewLevel.FINAL)
    assert pass_(piece, nr.leader).state == PieceState.PUBLISHED  # a different person may


def test_same_person_refused_even_when_returning(nr):
    piece = pass_(submit(nr), nr.editor)
    piece = pass_(piece, nr.both)
    with pytest.raises(NotAllowed):
        newsroom.piece_review(piece=piece, acting_user=nr.both, decision=Decision.RETURN, comment="再改改")


def test_author_may_not_review_own_piece(nr, system_admin):
    newsroom.editorial_post_grant(user=nr.correspondent, unit=nr.mine, level=ReviewLevel.FIRST,
                                  acting_user=system_admin)
    piece = submit(nr)
    with pytest.raises(NotAllowed) as e:
        pass_(piece, nr.correspondent)
    assert e.value.code == "author_reviews"


def test_pass_needs_proofread_and_a_post(nr):
    piece = submit(nr)
    with pytest.raises(InvalidInput) as e:
        pass_(piece, nr.editor, proofread=False)
    assert e.value.code == "proofread_required"
    with pytest.raises(NotAllowed) as e:
        pass_(piece, nr.head)  # 复审 post, but the piece waits for 初审
    assert e.value.code == "no_post"
    with pytest.raises(NotAllowed):
        pass_(piece, nr.officer)  # 宣传干事 without a post
    assert not PieceReview.objects.exists()


def test_return_then_resubmit_starts_a_new_round(nr):
    piece = pass_(submit(nr), nr.editor)
    with pytest.raises(InvalidInput):
        newsroom.piece_review(piece=piece, acting_user=nr.head, decision=Decision.RETURN)  # comment required
    piece = newsroom.piece_review(piece=piece, acting_user=nr.head, decision=Decision.RETURN, comment="数据请核实")
    assert piece.state == PieceState.RETURNED and not news_visible_to(nr.outsider).filter(pk=piece.pk).exists()
    piece = newsroom.piece_edit(piece=piece, acting_user=nr.correspondent, title=piece.title,
                                body="十一月综采一队安全生产原煤二十九万吨，创历史新高。")
    assert piece.version == 2 and piece.versions.count() == 2
    piece = newsroom.piece_submit(piece=piece, acting_user=nr.correspondent)
    assert (piece.round, piece.stage) == (2, ReviewLevel.FIRST)  # the round-1 初审 no longer counts
    # In the new round the 复审 of round 1 may sit at 终审 of round 2 only if not 复审 again: the rule is per round.
    piece = pass_(piece, nr.editor)
    piece = pass_(piece, nr.both)
    with pytest.raises(NotAllowed):
        pass_(piece, nr.both)
    assert pass_(piece, nr.leader).state == PieceState.PUBLISHED


def test_rejected_never_published_nor_resubmitted(nr):
    piece = submit(nr)
    piece = newsroom.piece_review(piece=piece, acting_user=nr.editor, decision=Decision.REJECT, comment="不宜发表")
    assert piece.state == PieceState.REJECTED
    with pytest.raises(InvalidState):
        newsroom.piece_submit(piece=piece, acting_user=nr.correspondent)
    with pytest.raises(InvalidState):
        pass_(piece, nr.head)
    assert not news_visible_to(nr.leader).filter(pk=piece.pk).exists()


def test_embargo_hides_the_piece_from_all_but_its_reviewers(nr):
    now = timezone.now()
    piece = submit(nr, embargo_until=now + timedelta(hours=2))
    # In review: the mine's 宣传干事 (no post) does not see an embargoed piece; reviewers and the author do.
    assert not pieces_visible_to(nr.officer).filter(pk=piece.pk).exists()
    assert not pieces_visible_to(nr.company_officer).filter(pk=piece.pk).exists()
    for who in (nr.correspondent, nr.editor, nr.head, nr.leader):
        assert pieces_visible_to(who).filter(pk=piece.pk).exists()
    for who in (nr.editor, nr.head, nr.leader):
        piece = pass_(piece, who)
    assert piece.state == PieceState.PUBLISHED and piece.published_at == piece.embargo_until
    assert not news_visible_to(nr.outsider, now).filter(pk=piece.pk).exists()
    assert not news_visible_to(nr.leader, now).filter(pk=piece.pk).exists()  # nobody reads it on the news page
    at = piece.embargo_until
    assert not news_visible_to(nr.outsider, at - timedelta(seconds=1)).filter(pk=piece.pk).exists()
    assert news_visible_to(nr.outsider, at).filter(pk=piece.pk).exists()  # at the embargo time exactly
    assert pieces_visible_to(nr.officer, at).filter(pk=piece.pk).exists()


def test_photo_exif_stripped_and_download_checked(nr, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    draft = newsroom.PieceDraft(title="井下新设备", body="综采一队新液压支架投入使用，效率提高两成。", unit=nr.team)
    piece = newsroom.piece_create(author=nr.correspondent, draft=draft, photos=[jpeg_with_gps()],
                                  captions=["新支架"], submit=True)
    photo = piece.photos.get()
    with Image.open(photo.file.path) as im:
        assert not im.getexif()  # no camera, no GPS
    url = reverse("publicity:photo", args=[photo.pk])
    client.force_login(nr.outsider)
    assert client.get(url).status_code == 404  # not published yet: not theirs to see
    client.force_login(nr.editor)
    response = client.get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    for who in (nr.editor, nr.head, nr.leader):
        pass_(piece, who)
    client.force_login(nr.outsider)
    assert client.get(url).status_code == 200


def test_not_a_photo_refused(nr):
    draft = newsroom.PieceDraft(title="材料", body="这是一份材料的正文内容，足够长。", unit=nr.team)
    pdf = io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(InvalidInput) as e:
        newsroom.piece_create(author=nr.correspondent, draft=draft,
                              photos=[SimpleUploadedFile("a.pdf", pdf.getvalue())])
    assert e.value.code == "not_a_photo" and not Piece.objects.exists()


def test_only_correspondents_submit(nr):
    draft = newsroom.PieceDraft(title="标题", body="正文足够长的一段文字内容。", unit=nr.team)
    with pytest.raises(NotAllowed):
        newsroom.piece_create(author=nr.outsider, draft=draft)
    draft.unit = nr.other_mine
    with pytest.raises(NotAllowed):
        newsroom.piece_create(author=nr.correspondent, draft=draft)  # not their unit


def test_draft_seen_by_author_only(nr):
    draft = newsroom.PieceDraft(title="草稿", body="这是一篇尚未送审的草稿正文。", unit=nr.team)
    piece = newsroom.piece_create(author=nr.correspondent, draft=draft)
    assert pieces_visible_to(nr.correspondent).filter(pk=piece.pk).exists()
    for who in (nr.editor, nr.officer, nr.outsider):
        assert not pieces_visible_to(who).filter(pk=piece.pk).exists()


def test_comments_need_visibility(nr):
    piece = submit(nr)
    newsroom.piece_comment(piece=piece, acting_user=nr.editor, text="第二段请补充数据来源")
    with pytest.raises(NotAllowed):
        newsroom.piece_comment(piece=piece, acting_user=nr.outsider, text="路过")
    assert piece.comments.count() == 1


def test_review_rule_is_versioned_data(nr, system_admin):
    with pytest.raises(NotAllowed):
        rule_set_publish(code="pub.three_reviews", params={"levels": ["first", "final"]}, acting_user=nr.officer)
    with pytest.raises(InvalidInput):
        rule_set_publish(code="pub.three_reviews", params={"levels": ["final", "first"]}, acting_user=system_admin)
    rule = rule_set_publish(code="pub.three_reviews", params={"levels": ["first", "final"]},
                            acting_user=system_admin, note="内部简报两级审核")
    assert rule.version == 1 and current_rule("pub.three_reviews").params["levels"] == ["first", "final"]
    piece = pass_(submit(nr), nr.editor)
    assert piece.stage == ReviewLevel.FINAL
    piece = pass_(piece, nr.leader)
    assert piece.state == PieceState.PUBLISHED and piece.review_rule_version == 1
    assert set(piece.reviews.values_list("rule_version", flat=True)) == {1}


def test_queue_and_search(nr):
    piece = submit(nr, title="安全文化月活动启动")
    assert list(review_queue(nr.editor)) == [piece]
    assert list(review_queue(nr.head)) == []
    publish(nr, title="塔山矿党建引领安全生产", lead="党员先锋岗")
    rows, more = news_search(nr.outsider, "党建")
    assert [r.title for r in rows] == ["塔山矿党建引领安全生产"] and not more
    rows, _ = news_search(nr.outsider, "先锋")
    assert len(rows) == 1
    assert news_search(nr.outsider, "安全文化")[0] == []  # not published yet


def test_pages_submit_with_photo_review_and_news(nr, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(nr.correspondent)
    response = client.post(reverse("publicity:piece_new"), {
        "unit": nr.team.pk, "title": "班前会上的安全课", "lead": "", "body": "综采一队把安全课搬到班前会，人人上台讲。",
        "kind": "news", "for_news": "on", "photos": [jpeg_with_gps()], "caption": "班前会", "submit": "1",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    piece = Piece.objects.get(title="班前会上的安全课")
    assert piece.state == PieceState.IN_REVIEW and piece.photos.count() == 1
    assert client.get(reverse("publicity:workspace")).status_code == 200
    for who in (nr.editor, nr.head, nr.leader):
        client.force_login(who)
        assert piece.title in client.get(reverse("publicity:queue")).content.decode()
        r = client.post(reverse("publicity:piece_act", args=[piece.public_id, "review"]),
                        {"decision": "pass", "proofread": "on", "comment": ""})
        assert r.status_code == 302
    piece.refresh_from_db()
    assert piece.state == PieceState.PUBLISHED
    client.force_login(nr.outsider)
    page = client.get(reverse("publicity:news") + "?q=安全课").content.decode()
    assert "班前会上的安全课" in page
    assert client.get(reverse("publicity:news_detail", args=[piece.public_id])).status_code == 200
    assert client.get(reverse("publicity:piece", args=[piece.public_id])).status_code == 404  # newsroom view


def test_page_refusal_shows_message(nr, client):
    piece = pass_(pass_(submit(nr), nr.editor), nr.both)
    client.force_login(nr.both)
    r = client.post(reverse("publicity:piece_act", args=[piece.public_id, "review"]),
                    {"decision": "pass", "proofread": "on"}, follow=True)
    assert "三个不同的人" in r.content.decode()
    piece.refresh_from_db()
    assert piece.stage == ReviewLevel.FINAL
