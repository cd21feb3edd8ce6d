"""Prometheus metrics of the bot: updates, reply latency by route, Rasa round trips, errors, the queue.

Served on SAFAR_BOT_METRICS_PORT (off when 0) by prometheus-client's own HTTP server thread, so a
scrape never waits on the bot's event loop. No label ever carries user data: routes, reasons,
statuses and error types only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# Seconds: a reply should take well under a second; the tail shows Rasa timeouts and retries.
LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0, 30.0)

QueueReader = Callable[[], dict[tuple[str, str], int]]


class _QueueCollector(Collector):
    """Reads the handoff queue at scrape time (a small GROUP BY), so the figure is never stale."""

    def __init__(self, read: QueueReader) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("safar_handoff_tickets", "Tickets in the handoff queue by status and priority",
                                   labels=["status", "priority"])
        try:
            counts = self._read()
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail because the database blinked
            log.warning("handoff queue not readable for metrics (%s)", type(exc).__name__)
            counts = {}
        for (status, priority), n in sorted(counts.items()):
            family.add_metric([status, priority], n)
        yield family


class BotMetrics:
    """Every metric the bot exports, in its own registry (tests and several bots in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("safar_updates", "Telegram updates received, by kind", ["kind"], registry=r)
        self.reply_seconds = Histogram("safar_reply_seconds", "From a user's message to the bot's last reply, by route",
                                       ["route"], buckets=LATENCY_BUCKETS, registry=r)
        self.rasa_seconds = Histogram("safar_rasa_seconds", "Rasa round trip per message (retries included)",
                                      buckets=LATENCY_BUCKETS, registry=r)
        self.rasa_failures = Counter("safar_rasa_failures", "Messages Rasa did not answer after the retries", registry=r)
        self.errors = Counter("safar_errors", "Updates whose handling failed, by error type", ["type"], registry=r)
        self.telegram_retries = Counter("safar_telegram_retries", "Bot API calls retried, by reason", ["reason"],
                                        registry=r)
        self.crisis_detected = Counter("safar_crisis_detected", "Crisis messages answered with the contacts, by who "
                                       "detected them (bot = the bot's own detector)", ["by"], registry=r)
        self.tickets_opened = Counter("safar_tickets_opened", "Handoff tickets opened or added to, by reason",
                                      ["reason"], registry=r)

    def watch_queue(self, read: QueueReader) -> None:
        """Export the handoff queue's size, read by `read` at every scrape."""
        self.registry.register(_QueueCollector(read))

    def serve(self, host: str, port: int) -> None:
        """Serve /metrics on host:port in a background thread."""
        start_http_server(port, addr=host, registry=self.registry)
        log.info("metrics on http://%s:%d/metrics", host, port)


def update_kind(update: object) -> str:
    """A label for an update: message, command, callback, edited or other."""
    message = getattr(update, "message", None)
    if message is not None:
        text = getattr(message, "text", None) or ""
        return "command" if text.startswith("/") else "message"
    if getattr(update, "callback_query", None) is not None:
        return "callback"
    if getattr(update, "edited_message", None) is not None:
        return "edited"
    return "other"
