"""Load the demo coal group: units, ~300 people, the demo accounts. Safe to run again."""

from __future__ import annotations

import time
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from orgs.demo import DEMO_PASSWORD, build_all, demo_account_rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A plain-text table whose columns line up in a terminal, Chinese included."""
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(str(c), w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(str(c), w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "载入演示数据：晋能控股煤业集团（演示）的单位、约300名人员和演示账号（可重复执行）。"

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("生产环境不载入演示数据（演示账号的密码是公开的）。")
        started = time.monotonic()
        result = build_all()
        # Petitions are another app's records: built here, after the people (orgs never imports petitions).
        from petitions.demo import build_petitions

        petitions_created = build_petitions()
        from carbon.demo import build_carbon; build_carbon()  # noqa: E702, I001 - 低碳转型演示数据
        from engagement.demo import build_engagement; build_engagement()  # noqa: E702, I001 - 群众工作演示数据
        from triage.demo import build_triage; build_triage()  # noqa: E702, I001 - 智能研判演示数据
        from party.demo import build_party; build_party()  # noqa: E702, I001 - 党组织阵地建设演示数据
        from publicity.demo import build_publicity; build_publicity()  # noqa: E702, I001 - 宣传思想工作演示数据
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"新建单位 {result.units_created} 个，新建人员 {result.people_created} 名，"
            f"新建角色分配 {result.roles_created} 条，新建演示信访事项 {petitions_created} 件（用时 {elapsed:.1f} 秒）。"
        )
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write(format_table(("工号", "姓名", "角色", "角色所在单位", "说明"), demo_account_rows()))
