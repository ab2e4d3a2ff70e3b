"""Database router: the KPI pages read from the PostgreSQL replica when one is configured.

``DATABASE_REPLICA_URL`` adds the alias ``replica`` (a streaming standby of ``default``).
ops.middleware marks GET requests under REPLICA_READ_PATHS (the insights pages and API); the
reads of such a request go to the replica, every write and every other request to the primary.
A replica a few hundred milliseconds behind is fine for monthly and yearly counts; it is not
for a workflow page that must show the write just made, which is why only KPI paths use it.
"""

from __future__ import annotations

from django.conf import settings

from ops.context import read_replica

REPLICA = "replica"


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if read_replica.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the standby replays the primary's WAL
