# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Wake up the browsers waiting for a conversation.

Long polling on PostgreSQL's LISTEN/NOTIFY, like trytond's bus but with
channels of our own and a waiting time chosen per request: `publish` sends
the names of the channels that changed (with the transaction, so a browser
is woken only once the change is committed), and each process has one
listening thread that wakes the requests waiting on them (`long_poll`).
On a database without channels (SQLite, the demo) `wait` just sleeps a
little, and the browsers poll.
"""
import collections
import contextlib
import json
import logging
import os
import selectors
import threading
import time

from trytond import backend
from trytond.modules.see_atendimento import faults
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)

CHANNEL = 'see_webchat'
FALLBACK_WAIT = 2
IDLE = 300
# Delays before opening a lost connection again: doubling, bounded
RECONNECT_FIRST = 0.5
RECONNECT_MAX = 5


def session_channel(session_id):
    return f'session:{session_id}'


def agent_channel(user_id):
    return f'agent:{user_id}'


# Agents: the queue changed (a conversation came in or left it)
QUEUE_CHANNEL = 'queue'
# Waiting citizens: a conversation left the queue, positions moved
POSITION_CHANNEL = 'position'
# Channels that wake many waiters at once: a waiter woken only by them
# waits a little more (BURST seconds) so that a burst of changes costs one
# look at the database instead of one per change. The position in the
# queue is a hint to the citizen: it is refreshed every few seconds at most
BURST = {QUEUE_CHANNEL: 1, POSITION_CHANNEL: 5}
BROADCAST = frozenset(BURST)


def publish(*channels):
    "Wake up who waits on channels once the transaction commits"
    transaction = Transaction()
    if not channels or not transaction.database.has_channel():
        return
    transaction.database.notify(
        transaction.connection, CHANNEL, json.dumps(sorted(set(channels))))


class _Listener:
    _lock = threading.Lock()
    _waiters = collections.defaultdict(set)  # (pid, db, channel) -> waiters
    _threads = {}  # (pid, db) -> thread
    _last_use = {}

    @classmethod
    def ensure(cls, database):
        key = (os.getpid(), database)
        with cls._lock:
            cls._last_use[key] = time.monotonic()
            thread = cls._threads.get(key)
            if thread and thread.is_alive():
                return
            thread = threading.Thread(
                target=cls._listen, args=(database,), daemon=True,
                name=f'see_webchat listener {database}')
            cls._threads[key] = thread
            thread.start()

    @classmethod
    def _listen(cls, database):
        """Listen until idle; a lost connection is logged and opened again
        after a delay that doubles up to RECONNECT_MAX seconds"""
        pid = os.getpid()
        delay = 0
        while True:
            connected = []
            try:
                if cls._serve(database, pid, connected, bool(delay)):
                    return
            except Exception as error:
                if connected:
                    delay = 0
                delay = min(RECONNECT_MAX, delay * 2 or RECONNECT_FIRST)
                logger.warning("webchat listener on '%s' lost its "
                    "connection (%s): trying again in %.1f s", database,
                    str(error).strip() or type(error).__name__, delay)
            if cls._stop_if_idle(database, pid):
                return
            time.sleep(delay)

    @classmethod
    def _stop_if_idle(cls, database, pid):
        "Forget the thread and return True when nobody waits for long"
        with cls._lock:
            idle = (time.monotonic()
                - cls._last_use.get((pid, database), 0)) > IDLE
            if idle and not any(
                    k[0] == pid and k[1] == database for k in cls._waiters):
                cls._threads.pop((pid, database), None)
                return True
        return False

    @classmethod
    def wake_all(cls, database=None):
        """Wake every waiter (of database): news may have been missed while
        the connection was lost, or the server stops"""
        pid = os.getpid()
        with cls._lock:
            for (wpid, wdatabase, channel), waiters in cls._waiters.items():
                if wpid == pid and database in {None, wdatabase}:
                    for waiter in waiters:
                        waiter.fire(channel)

    @classmethod
    def _serve(cls, database, pid, connected, reconnected):
        """Deliver the notifications; return True when idle. connected
        gets an item once listening"""
        db = backend.Database(database).connect()
        conn = db.get_connection(autocommit=True)
        selector = selectors.DefaultSelector()
        try:
            conn.cursor().execute(f'LISTEN "{CHANNEL}"')
            selector.register(conn, selectors.EVENT_READ)
            connected.append(True)
            if reconnected:
                logger.warning("webchat listener on '%s' reconnected",
                    database)
                cls.wake_all(database)
            while True:
                selector.select(timeout=5)
                for notification in db.get_notifications(conn):
                    try:
                        channels = json.loads(notification.payload)
                    except ValueError:
                        continue
                    with cls._lock:
                        for channel in channels:
                            for waiter in cls._waiters.get(
                                    (pid, database, channel), ()):
                                waiter.fire(channel)
                if cls._stop_if_idle(database, pid):
                    return True
                conn.cursor().execute('SELECT 1')
        finally:
            selector.close()
            db.put_connection(conn)

    @classmethod
    @contextlib.contextmanager
    def register(cls, database, channels):
        pid = os.getpid()
        waiter = _Waiter(cls._lock)
        keys = [(pid, database, c) for c in set(channels)]
        with cls._lock:
            for key in keys:
                cls._waiters[key].add(waiter)
        try:
            yield waiter.wait
        finally:
            with cls._lock:
                for key in keys:
                    waiters = cls._waiters.get(key)
                    if waiters is not None:
                        waiters.discard(waiter)
                        if not waiters:
                            del cls._waiters[key]


class _Waiter:
    "One request waiting: the channels fired since it last looked"

    def __init__(self, lock):
        self._lock = lock  # the listener's lock, held by fire()
        self._event = threading.Event()
        self._fired = set()

    def fire(self, channel):
        self._fired.add(channel)
        self._event.set()

    def wait(self, timeout):
        """Wait up to timeout for a channel; return the channels fired
        since the previous call (empty after a timeout)"""
        self._event.wait(timeout)
        with self._lock:
            fired, self._fired = self._fired, set()
            self._event.clear()
        return fired


@contextlib.contextmanager
def listen(database, channels):
    """Listen to channels; yield a function that waits up to a timeout and
    returns the set of channels fired meanwhile

    Check for news inside the block, after entering it, so that nothing
    published in between is missed."""
    if not backend.Database(database).has_channel():
        def wait(timeout):
            time.sleep(min(timeout, FALLBACK_WAIT))
            return set(channels)
        yield wait
        return
    _Listener.ensure(database)
    with _Listener.register(database, channels) as wait:
        yield wait


def long_poll(database, channels, snapshot, wait, changed, refresh=None):
    """Return snapshot() as soon as changed(data) or after wait seconds

    snapshot is called once at once, then again each time one of channels
    fires: at once for a channel of its own (a message), after a BURST
    for a broadcast one. refresh(fired, data), called instead of
    snapshot() once data is there, may read again only what the fired
    channels change, or return data when they cannot change it. wait may
    be a function, called after the first snapshot."""
    with listen(database, channels) as waiter:
        data = snapshot()
        if callable(wait):
            wait = wait()
        deadline = time.monotonic() + wait
        while wait and not changed(data) and not faults.STOPPING.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            fired = waiter(remaining)
            if faults.STOPPING.is_set():
                # The server stops: the page asks again, elsewhere
                break
            if not fired:
                continue
            if fired <= BROADCAST:
                burst_end = min(deadline,
                    time.monotonic() + min(BURST[c] for c in fired))
                while fired <= BROADCAST:
                    remaining = burst_end - time.monotonic()
                    if remaining <= 0:
                        break
                    fired |= waiter(remaining)
            data = refresh(fired, data) if refresh else snapshot()
    return data


# A stopping server (SIGTERM, see faults.stop_on_signal) answers the long
# polls at once
faults.on_stop(_Listener.wake_all)
