"""The outbox: events saved in the same transaction as the changes that caused them.

A row exists if and only if its transaction committed; the relay (``taiga.events.relay``)
publishes rows oldest first and deletes each once the broker has taken and routed it.
"""

from __future__ import annotations

import time

from django.db import models


class OutboxEvent(models.Model):
    """One event waiting for the broker: its routing key and its envelope, as JSON."""

    id = models.BigAutoField(primary_key=True)
    # The envelope's "event_id", by which a publisher can follow its event.
    event_id = models.CharField(max_length=64, unique=True)
    routing_key = models.CharField(max_length=255)
    message = models.TextField()
    # Unix time of the write, and of the first publish that no queue took (None: not yet).
    created_at = models.FloatField(default=time.time)
    unroutable_since = models.FloatField(null=True)

    class Meta:
        db_table = "events_outbox"

    def __str__(self) -> str:
        return f"{self.id} {self.routing_key}"


class RelayLease(models.Model):
    """Who relays the outbox: one process at a time, for as long as it renews its lease."""

    name = models.CharField(primary_key=True, max_length=50)
    holder = models.CharField(max_length=200)
    expires_at = models.FloatField()

    class Meta:
        db_table = "events_relay_lease"

    def __str__(self) -> str:
        return f"{self.name}: {self.holder}"
