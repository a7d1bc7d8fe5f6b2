# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Metrics in Prometheus' text format, with prometheus_client.

Two kinds:
- the HTTP requests of the worker processes (count, errors, latency), by a
  WSGI middleware trytond installs from its ``[wsgi middleware]`` section
  (config/production.conf); under gunicorn set ``PROMETHEUS_MULTIPROC_DIR``
  to an empty directory so that every worker's figures are added up;
- the figures of the service read from the database at each scrape
  (protocols of the day, calls, chats and tickets waiting): each module
  adds its own by extending ``see.metrics.samples``.

``GET /<database>/see/metrics`` with the health token (see health.py)."""
import datetime as dt
import os
import re
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram,
    generate_latest, multiprocess)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from sql.aggregate import Count

from trytond.model import Model
from trytond.pool import Pool
from trytond.transaction import Transaction

from .protocol import OPEN_STATES

# The paths' first part after the database names the handler: few values,
# as Prometheus wants labels (ids and tokens never become labels)
_HANDLER = re.compile(r'^/[^/]+/([a-z_]+)')
_KNOWN_HANDLERS = {
    'see_atendimento', 'see_webchat', 'see_telefonia', 'see_presencial',
    'see_agendamento', 'see_documentos', 'see_assistente', 'see', 'bus',
    'session', 'rpc',
    }

REQUESTS = Counter('see_http_requests',
    "HTTP requests answered, by handler, method and status class",
    ['handler', 'method', 'status'])
LATENCY = Histogram('see_http_request_duration_seconds',
    "Time to answer an HTTP request (long polls apart)", ['handler'],
    buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))


def handler_of(path, method):
    """A short name of what path asks for: 'rpc' for the calls of the web
    client (JSON-RPC on /<database>/) and of XML-RPC (/<database>/rpc/)"""
    match = _HANDLER.match(path)
    if match and match.group(1) in _KNOWN_HANDLERS:
        return match.group(1)
    if method == 'POST' and re.fullmatch(r'/[^/]+/?', path):
        return 'rpc'
    return 'other'


class RequestMetrics:
    "WSGI middleware counting and timing the requests"

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        method = environ.get('REQUEST_METHOD', 'GET')
        handler = handler_of(environ.get('PATH_INFO', ''), method)
        start = time.monotonic()
        status = ['5xx']

        def recording_start_response(status_line, headers, *args):
            status[0] = status_line[:1] + 'xx'
            return start_response(status_line, headers, *args)
        try:
            return self.app(environ, recording_start_response)
        finally:
            REQUESTS.labels(handler, method, status[0]).inc()
            if handler != 'bus':
                LATENCY.labels(handler).observe(time.monotonic() - start)


class Metrics(Model):
    "The figures of the service, read from the database at each scrape"
    __string__ = "Service Metrics"
    __name__ = 'see.metrics'

    @classmethod
    def samples(cls):
        """[(name, kind, help, {label: value}, value)] read now from the
        database; kind is 'gauge' or 'counter'. Modules add theirs."""
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Escalation = pool.get('see.protocol.escalation')
        protocol = Protocol.__table__()
        escalation = Escalation.__table__()
        cursor = Transaction().connection.cursor()
        midnight = dt.datetime.combine(dt.date.today(), dt.time())
        samples = []
        cursor.execute(*protocol.select(protocol.channel, Count(protocol.id),
                where=protocol.create_date >= midnight,
                group_by=[protocol.channel]))
        for channel, count in cursor:
            samples.append(('see_protocols_created_today', 'gauge',
                    "Protocols registered since midnight (server time)",
                    {'channel': channel}, count))
        cursor.execute(*protocol.select(protocol.state, Count(protocol.id),
                where=protocol.state.in_(sorted(OPEN_STATES)),
                group_by=[protocol.state]))
        for state, count in cursor:
            samples.append(('see_protocols_open', 'gauge',
                    "Protocols in draft or in attendance",
                    {'state': state}, count))
        unanswered = ['new', 'analysis', 'forwarded']
        cursor.execute(*escalation.select(Count(escalation.id),
                where=escalation.state.in_(unanswered)))
        samples.append(('see_escalations_open', 'gauge',
                "Escalations the 2nd level has not answered yet",
                {}, cursor.fetchone()[0]))
        return samples


class _ServiceCollector:
    "The figures of see.metrics.samples, as metric families"

    def __init__(self, samples):
        self._samples = samples

    def collect(self):
        families = {}
        for name, kind, help_, labels, value in self._samples:
            family = families.get(name)
            if family is None:
                Family = (CounterMetricFamily if kind == 'counter'
                    else GaugeMetricFamily)
                family = families[name] = Family(
                    name, help_, labels=sorted(labels))
            family.add_metric([str(labels[k]) for k in sorted(labels)],
                value)
        return list(families.values())


def exposition(pool):
    "The text Prometheus reads: the workers' requests and the service"
    registry = CollectorRegistry()
    if os.environ.get('PROMETHEUS_MULTIPROC_DIR'):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_RequestCollector())
    with Transaction().start(pool.database_name, 0, readonly=True):
        samples = pool.get('see.metrics').samples()
    registry.register(_ServiceCollector(samples))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _RequestCollector:
    "This process's request metrics (without the multiprocess mode)"

    def collect(self):
        yield from REQUESTS.collect()
        yield from LATENCY.collect()
