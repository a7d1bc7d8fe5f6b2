# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Fail fast while PostgreSQL is away, recover as soon as it is back.

trytond's pool of connections (psycopg_pool) makes a request wait up to
30 s for a connection and retries a lost server with a delay that doubles
each time: a 0.3-s restart stalled each worker 16-30 s and, after a
9-minute outage, the first read came 67 s after the server was back. This
WSGI middleware (``[wsgi middleware]`` of config/production.conf, listed
before the limiter so that it runs inside it) bounds both from
``[see_atendimento]``:

- ``database_wait`` (2 s): the longest wait for a connection of the pool;
- ``database_reconnect`` (2 s): how long the pool keeps retrying a lost
  connection with its growing delay before a new request starts again
  from a short one;
- once a request failed on the database, the database is "away": the
  requests that need it are answered at once with a 503, a JSON body in
  Portuguese and ``Retry-After``, while one of them, every
  ``database_probe`` seconds (0.5), opens a connection of its own (libpq's
  ``connect_timeout`` of the URI, else ``database_wait``) to see whether
  it is back.

Calls that need no database (``common.server.version``, the static files
of the web client) are not concerned, and the health probe answers its
own 503 with the reason (health.py).
"""
import json
import logging
import os
import threading
import time
import urllib.parse

import polib

from trytond import backend, config

logger = logging.getLogger(__name__)

LOCALE = os.path.join(os.path.dirname(__file__), 'locale')
# Routes that answer for themselves while the database is away
OWN_ANSWER = frozenset(['/see/health'])


def _setting(name, default):
    return config.getfloat('see_atendimento', name, default=default)


def route_database(environ):
    """(matched, database): whether a route serves the request and the
    database it names (None for a route without one)"""
    # Matched once per request: the limiter asks, then this middleware
    if 'see.route_database' in environ:
        return environ['see.route_database']
    # The application is made when trytond.wsgi is imported, after the
    # middlewares are built
    from trytond.wsgi import app
    try:
        adapter = app.url_map.bind_to_environ(environ)
        _, arguments = adapter.match()
    except Exception:
        # No route (the static files of the web client), or no URL
        result = False, None
    else:
        result = True, arguments.get('database_name')
    environ['see.route_database'] = result
    return result


def request_database(environ):
    "The database a request needs, None if no route of one serves it"
    return route_database(environ)[1]


def message(name, **variables):
    """The Portuguese text of the message of see_atendimento named name,
    read from the translation file: the database cannot give it now"""
    text = _messages().get(name, name)
    return text % variables if variables else text


_catalog = {}


def _messages():
    if not _catalog:
        for entry in polib.pofile(os.path.join(LOCALE, 'pt.po')):
            prefix = 'model:ir.message,text:'
            if entry.msgctxt and entry.msgctxt.startswith(prefix):
                _catalog[entry.msgctxt[len(prefix):]] = (
                    entry.msgstr or entry.msgid)
    return _catalog


class _State:
    "What this process knows of one database"

    def __init__(self):
        self.down_since = None  # time.time() of the first failure
        self.error = ''
        self.probed = 0.0  # time.monotonic() of the last probe
        self.probing = threading.Lock()


_states = {}
_states_lock = threading.Lock()


def _state(name):
    key = (os.getpid(), name)
    state = _states.get(key)
    if state is None:
        with _states_lock:
            state = _states.setdefault(key, _State())
    return state


def down(name):
    """(since, error) when database name is known to be away, else None"""
    state = _states.get((os.getpid(), name))
    if state is not None and state.down_since is not None:
        return state.down_since, state.error
    return None


def _probe_connection(name):
    "Open and close a connection of our own; raise when it fails"
    import psycopg
    params = backend.Database._connection_params(name)
    conninfo = params.pop('conninfo')
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(conninfo).query)
    if 'connect_timeout' not in query:
        # libpq counts whole seconds, at least 2
        params['connect_timeout'] = max(
            2, int(_setting('database_wait', 2)))
    with psycopg.connect(conninfo, autocommit=True, **params) as conn:
        conn.execute('SELECT 1')


def probe(name, force=False):
    """Whether database name answers, looked at most every database_probe
    seconds (or now with force) by one thread at a time; the others take
    the last answer"""
    state = _state(name)
    interval = _setting('database_probe', 0.5)
    if not force and time.monotonic() - state.probed < interval:
        return state.down_since is None
    if not state.probing.acquire(blocking=False):
        return state.down_since is None
    try:
        state.probed = time.monotonic()
        try:
            _probe_connection(name)
        except Exception as error:
            if getattr(error, 'sqlstate', None) == '3D000':
                # The server answers; the database does not exist (404)
                return _set_up(state, name)
            if state.down_since is None:
                state.down_since = time.time()
                logger.warning("database %s is unreachable: %s", name,
                    error)
            state.error = str(error).strip().splitlines()[0][:200] \
                if str(error).strip() else type(error).__name__
            return False
        return _set_up(state, name)
    finally:
        state.probing.release()


def _set_up(state, name):
    if state.down_since is not None:
        logger.warning("database %s is reachable again after %.1f s", name,
            time.time() - state.down_since)
        state.down_since = None
        state.error = ''
    return True


def tune_pools():
    """Bound the waits of the connection pools trytond made in this
    process (its Database keeps them; their settings are attributes)"""
    databases = getattr(backend.Database, '_databases', {})
    wait = _setting('database_wait', 2)
    reconnect = _setting('database_reconnect', 2)
    for database in list(databases.get(os.getpid(), {}).values()):
        pool = getattr(database, '_connpool', None)
        if pool is not None and pool.timeout != wait:
            pool.timeout = wait
            pool.reconnect_timeout = reconnect


def _has_pool(name):
    databases = getattr(backend.Database, '_databases', None)
    if databases is None:
        return True  # not PostgreSQL: nothing to prepare
    return name in databases.get(os.getpid(), {})


def _known():
    "The databases this process serves (their Tryton pool is loaded)"
    from trytond.pool import Pool
    return Pool.database_list()


def retry_after():
    return str(max(1, round(_setting('database_probe', 0.5) * 2)))


def unavailable(environ, start_response, name):
    "The 503 of a request while its database is away"
    body = json.dumps({'error': {
                'type': 'ServiceUnavailable',
                'message': message('msg_database_unavailable'),
                'description': '',
                }}).encode()
    start_response('503 SERVICE UNAVAILABLE', [
            ('Content-Type', 'application/json'),
            ('Content-Length', str(len(body))),
            ('Cache-Control', 'no-store'),
            ('Retry-After', retry_after()),
            ])
    return [body]


class DatabaseGuard:
    "Answer 503 at once while the database of a request is away"

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        name = request_database(environ)
        if name is None or name not in _known():
            # Another database's first request: trytond checks it exists
            # (no state kept for any name a client may send)
            return self.app(environ, start_response)
        tune_pools()
        path = environ.get('PATH_INFO', '')
        own = path[len(name) + 1:] in OWN_ANSWER
        if not own and (down(name) or not _has_pool(name)):
            # A pool trytond is about to make would wait 30 s once
            if not probe(name):
                return unavailable(environ, start_response, name)
        failed = []

        def start(status, headers, exc_info=None):
            if status.startswith('503'):
                failed.append(status)
                if not any(h.lower() == 'retry-after' for h, _ in headers):
                    headers = list(headers) + [('Retry-After', retry_after())]
            return start_response(status, headers, exc_info)
        try:
            result = self.app(environ, start)
        except Exception:
            probe(name, force=True)
            raise
        if failed and not own:
            # The server may be gone (or only busy): look now
            probe(name, force=True)
        return result


# Stopping: gunicorn's graceful stop (SIGTERM) waits for every running
# request, the long polls included (20 s for a webchat page, minutes for the
# bus of the web client), and resets the requests arriving meanwhile. Long
# polls return at once instead, with nothing new: the page asks again and
# another worker answers.
STOPPING = threading.Event()
_on_stop = []


def on_stop(callback):
    "Call callback() when the process stops (a module wakes its waiters)"
    if callback not in _on_stop:
        _on_stop.append(callback)


def stop():
    "Make every long poll of this process return now"
    STOPPING.set()
    for callback in list(_on_stop):
        try:
            callback()
        except Exception:
            logger.exception("waking the long polls failed")
    _wake_bus()


def _wake_bus():
    "Answer the web client's long polls of trytond's bus (empty)"
    from trytond.bus import LongPollingBus
    pid = os.getpid()
    for (qpid, database), queue in list(LongPollingBus._queues.items()):
        if qpid != pid or database not in LongPollingBus._messages:
            continue
        with LongPollingBus._queues_lock[pid]:
            for events in queue['events'].values():
                for event in events:
                    event.set()


def stop_on_signal(signum):
    """Call stop() on signum before the handler already installed (the
    worker's own: gunicorn's post_worker_init calls this, see
    config/gunicorn.conf.py)"""
    import signal
    previous = signal.getsignal(signum)

    def handler(number, frame):
        stop()
        if callable(previous):
            previous(number, frame)
    signal.signal(signum, handler)
