"""Staff pages (inbox, work lists, petition page with actions, supervision, accountability)."""

urlpatterns: list = []
