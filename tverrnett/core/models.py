from django.db import models


class WorkerHeartbeat(models.Model):
    """When a worker (`manage.py run_worker`) last finished a round, one row per host. The
    metrics endpoint reports the age of the newest, so a stopped worker raises an alert
    however many app servers there are (docs/operations.md, "Monitoring")."""

    worker = models.CharField(max_length=200, unique=True)
    last_run_at = models.DateTimeField()

    def __str__(self):
        return f"{self.worker} {self.last_run_at:%Y-%m-%d %H:%M:%S}"
