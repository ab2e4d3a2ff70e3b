"""Scheduled work of the insights app."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def refresh_kpi_rollup() -> dict:
    """Rebuild the KPI rollup's new and changed closed months (insights.rollup.refresh). Safe to
    run often and on two nodes (a refresh waits for the other's row lock); until it runs, the
    months it would rebuild are counted live, never wrong."""
    from insights.rollup import refresh

    done = refresh()
    return {"months": [m.isoformat() for m in done.months], "rows": done.rows, "watermark": done.watermark}
