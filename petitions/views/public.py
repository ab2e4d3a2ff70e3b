"""Petitioner-side pages (submit, follow, anonymous tracking). Owned by the public-pages work."""

urlpatterns: list = []
