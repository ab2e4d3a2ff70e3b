"""The step the default-rule migrations share (a private module: not a migration itself)."""


def take_new_defaults_where_unedited(apps, previous: dict) -> None:
    """A rule still exactly as the previous defaults (``previous``: code → patterns, exclude) takes
    today's defaults; a rule an administrator edited is left as it is."""
    from tongxin.lib.zhtext.default_rules import DEFAULT_RULES

    RiskRule = apps.get_model("triage", "RiskRule")
    for data in DEFAULT_RULES:
        before = previous.get(data["code"])
        if before is None:
            continue
        row = RiskRule.objects.filter(code=data["code"]).first()
        if row is None or list(row.patterns or []) != before["patterns"] or list(row.exclude or []) != before["exclude"]:
            continue
        row.patterns, row.exclude = data["patterns"], data.get("exclude", [])
        row.save(update_fields=["patterns", "exclude", "updated_at"])
