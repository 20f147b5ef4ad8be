from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    """One run of the periodic job (JOB-1): when it started and ended, what each step moved and which
    steps failed. django-celery-beat only shows when a task was sent; this shows what it did."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    on = models.DateField(_("run for day"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    counts = models.JSONField(_("moved per step"), default=dict, help_text=_("What each step moved, by step."))
    failures = models.JSONField(_("failed steps"), default=dict, help_text=_("The error of each failed step."))

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "-finished_at"], name="periodicrun_status_finished")]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} · {self.get_status_display()}"
