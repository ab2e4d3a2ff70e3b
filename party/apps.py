from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "party"
    verbose_name = _("党组织建设")

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from party.models import Member

        # The dashboard tally cannot see a deleted member: count live until the next build.
        post_delete.connect(_member_deleted, sender=Member, dispatch_uid="party.tally.forget")


def _member_deleted(sender, **kwargs) -> None:
    from party.tally import forget

    forget()
