# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""How many requests a worker process runs at once.

The server needs many threads (or greenlets) per worker for its long polls:
the bus of every open web client and the webchat pages wait there for
minutes, doing nothing and holding no database connection. Running every
other request at once as well only makes them compete for the interpreter
and the database: on 2 cores, 60 agents' consoles did 22.5 attendances/s
with every request at once and more with a few at a time (see
bench/protocol_rpc.py). This WSGI middleware queues the requests beyond
``[see_atendimento] active_requests`` (default 2), in the order they came,
long polls apart. trytond installs it from its ``[wsgi middleware]``
configuration section (config/production.conf).

Calls that need no database (``common.server.version``, static files) and
those of a database known to be away (faults.py answers them at once)
do not queue; a request that waited ``[see_atendimento] queue_timeout``
seconds (20) for its turn is answered 503 with ``Retry-After``, so that
a few stuck requests cannot hold every other one indefinitely.

Each module names its own long polls with ``register_long_poll`` when its
routes are imported: this module knows only trytond's bus.
"""
import collections
import json
import re
import threading
import time

from trytond import config

from . import faults

# The paths (regular expressions of the whole path) of the requests that
# wait for news: trytond's bus and those the modules register
LONG_POLLS = [
    r'/[^/]+/bus',
    ]


def register_long_poll(pattern):
    """Let the requests whose path fully matches pattern wait apart: a
    module calls it for its long polls when its routes are imported, which
    may be after the middleware was made"""
    if pattern not in LONG_POLLS:
        LONG_POLLS.append(pattern)


class Slots:
    """A count of slots handed to the waiters in the order they came

    threading.Semaphore lets a request that just arrived take the slot
    freed for the one waiting longest: under load some requests wait many
    turns, which made the slowest twentieth of the calls take 1.7 times the
    median. A freed slot here passes straight to the oldest waiter."""

    def __init__(self, count):
        self._lock = threading.Lock()
        self.free = count
        self._waiters = collections.deque()

    @property
    def waiting(self):
        return len(self._waiters)

    def acquire(self, timeout=-1):
        "Take a slot; False when timeout (seconds) passed first"
        with self._lock:
            if self.free and not self._waiters:
                self.free -= 1
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        # Released by release(), which hands over its slot
        if turn.acquire(timeout=timeout):
            return True
        with self._lock:
            try:
                self._waiters.remove(turn)
            except ValueError:
                # Handed over just as the wait ended: the slot is ours
                return True
        return False

    def release(self):
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self.free += 1

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


class ActiveRequestLimiter:
    "Run at most active requests at once; the others wait their turn"

    def __init__(self, app, active=None, long_polls=None):
        # trytond 8 cannot pass arguments to a middleware of its
        # configuration: the count is an option of its own
        if active is None:
            active = config.getint(
                'see_atendimento', 'active_requests', default=2)
        if active < 1:
            raise ValueError("active must be at least 1")
        self.app = app
        self.slots = Slots(active)
        self.queue_timeout = config.getfloat(
            'see_atendimento', 'queue_timeout', default=20)
        # Without a list of its own it follows the registry
        self._long_polls = LONG_POLLS if long_polls is None else long_polls
        self._compiled = (None, None)

    def _long_poll(self):
        "The expression of the long polls known now"
        patterns, expression = self._compiled
        if patterns != self._long_polls:
            patterns = list(self._long_polls)
            expression = re.compile('|'.join(f'(?:{p})' for p in patterns))
            self._compiled = (patterns, expression)
        return expression

    def __call__(self, environ, start_response):
        if self._long_poll().fullmatch(environ.get('PATH_INFO', '')):
            return self.app(environ, start_response)
        matched, database = faults.route_database(environ)
        if (matched and database is None) or (
                database and faults.down(database)):
            return self.app(environ, start_response)
        started = time.monotonic()
        if not self.slots.acquire(self.queue_timeout or -1):
            return self._busy(start_response, time.monotonic() - started)
        # The work is done when the application returns; the body, maybe a
        # file, is sent after the slot is freed
        try:
            return self.app(environ, start_response)
        finally:
            self.slots.release()

    def _busy(self, start_response, waited):
        body = json.dumps({'error': {
                    'type': 'ServiceUnavailable',
                    'message': faults.message(
                        'msg_request_queue_timeout', seconds=round(waited)),
                    'description': '',
                    }}).encode()
        start_response('503 SERVICE UNAVAILABLE', [
                ('Content-Type', 'application/json'),
                ('Content-Length', str(len(body))),
                ('Retry-After', '5'),
                ])
        return [body]
