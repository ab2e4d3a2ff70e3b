"""Request and response shapes of API v1. Field names are the stable codes of petitions.choices."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import field_validator

from petitions.choices import (
    Category,
    Channel,
    DeclineReason,
    LegalChannel,
    PetitionType,
    Rating,
    ReplyOutcome,
    ReviewOutcome,
    State,
)

# --- errors -----------------------------------------------------------------------------------


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str = Field(..., description="稳定的机器可读错误码，例如 invalid_state、not_allowed、validation_error")
    message: str = Field(..., description="中文说明，可直接展示给用户")
    errors: list[FieldErrorOut] | None = Field(None, description="校验错误时逐项列出字段")


# --- petitions --------------------------------------------------------------------------------


class UnitOut(Schema):
    code: str
    name: str


class PetitionSummaryOut(Schema):
    number: str = Field(..., description="信访编号，例如 XF-2026-000123")
    public_id: UUID
    title: str
    category: str
    category_label: str
    ptype: str
    ptype_label: str
    channel: str
    channel_label: str
    state: str
    state_label: str
    unit: UnitOut = Field(..., description="当前受理单位")
    received_at: datetime
    due_kind: str = Field(..., description="当前期限的种类（空：无进行中的期限）")
    due_at: datetime | None = Field(None, description="期限届满时刻（最后一日次日00:00，北京时间）")
    days_left: int | None = Field(None, description="距最后一日的天数：0为今日到期，负数为已超期天数")
    allowed_actions: list[str] = Field(..., description="当前用户此刻可以进行的操作（与页面按钮一致）")


class MaskedIdentityOut(Schema):
    name: str
    phone: str
    id_number: str
    address: str
    employee_no: str
    representatives: str


class ReviewOut(Schema):
    level: str
    level_label: str
    unit: UnitOut
    requested_at: datetime
    due_at: datetime
    decided_at: datetime | None
    outcome: str
    opinion: str


class PetitionDetailOut(PetitionSummaryOut):
    content: str
    risk_level: str | None = Field(None, description="风险等级（仅工作人员可见）")
    flags: list[str] | None = Field(None, description="标记（仅工作人员可见）")
    people_count: int
    is_anonymous: bool
    petitioner: MaskedIdentityOut | None = Field(None, description="信访人身份，仅脱敏显示")
    handling_unit: UnitOut | None = None
    handler: str | None = Field(None, description="承办人姓名")
    leader: str | None = Field(None, description="责任领导姓名")
    accepted_at: datetime | None = None
    handling_due_at: datetime | None = None
    extension_count: int
    decision_reason: str
    legal_channel: str
    reply_outcome: str
    reply_text: str
    replied_at: datetime | None = None
    rating: str
    rating_comment: str
    rated_at: datetime | None = None
    closed_at: datetime | None = None
    reviews: list[ReviewOut]


class PetitionListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[PetitionSummaryOut]


class PetitionFilters(Schema):
    state: State | None = Field(None, description="状态")
    category: Category | None = Field(None, description="内容分类")
    channel: Channel | None = Field(None, description="渠道")
    due: Literal["overdue", "soon"] | None = Field(
        None, description="overdue：已超期；soon：3日内到期（只看办理中的事项）"
    )
    q: str | None = Field(None, max_length=100, description="按信访编号或标题查找")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100_000_000)  # beyond any real list; larger overflowed SQLite (500)


class EventOut(Schema):
    seq: int
    kind: str
    kind_label: str
    at: datetime
    from_state: str
    to_state: str
    note: str
    actor: str | None = Field(None, description="操作人（信访人本人仅脱敏显示；信访人查看时不显示）")


class TimelineOut(Schema):
    number: str
    public_id: UUID
    state: str
    state_label: str
    events: list[EventOut]


# --- intake -----------------------------------------------------------------------------------


class PetitionCreateIn(Schema):
    title: str = Field(..., max_length=120)
    content: str = Field(..., max_length=20000)
    category: Category
    ptype: PetitionType = PetitionType.REQUEST
    unit: str = Field(..., max_length=32, description="受理单位代码，例如 TS")
    anonymous: bool = Field(False, description="匿名提交：返回一次性的16位查询码")
    address: str = Field("", max_length=200)
    id_number: str = Field("", max_length=18)
    accused_unit: str | None = Field(None, max_length=32, description="检举控告：被检举单位代码")
    accused_employee_no: str | None = Field(None, max_length=20, description="检举控告：被检举人工号")


class PetitionCreatedOut(Schema):
    number: str
    public_id: UUID
    state: str
    state_label: str
    receipt_code: str | None = Field(None, description="匿名提交的16位查询码：只返回这一次，平台不保存明文")


class TrackIn(Schema):
    receipt_code: str = Field(..., max_length=40)


class TrackOut(Schema):
    number: str
    title: str
    state: str
    state_label: str
    unit: UnitOut
    received_at: datetime
    due_kind: str
    due_at: datetime | None
    events: list[EventOut]


# --- workflow verbs -----------------------------------------------------------------------------


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class DeclineIn(Schema):
    reason: DeclineReason
    legal_channel: LegalChannel | None = Field(None, description="引导的法定途径（理由为 legal_procedure 时必填）")
    note: str = Field(..., max_length=2000)

    @field_validator("legal_channel", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if value == "" else value


class ForwardIn(Schema):
    to_unit: str = Field(..., max_length=32, description="转送至的单位代码")
    note: str = Field("", max_length=2000)


class AssignIn(Schema):
    handling_unit: str = Field(..., max_length=32, description="承办单位代码")
    handler: str = Field(..., max_length=20, description="承办人工号")
    leader: str = Field(..., max_length=20, description="责任领导工号")
    note: str = Field("", max_length=2000)


class ExtendIn(Schema):
    days: int = Field(..., ge=1, le=30)
    reason: str = Field(..., max_length=2000)


class ReplyIn(Schema):
    outcome: ReplyOutcome
    text: str = Field(..., max_length=20000)


class RateIn(Schema):
    rating: Rating
    comment: str = Field("", max_length=500)


class TextIn(Schema):
    text: str = Field(..., max_length=5000)


class DecideIn(Schema):
    outcome: ReviewOutcome
    opinion: str = Field(..., max_length=20000)


class WithdrawIn(Schema):
    reason: str = Field("", max_length=500)
