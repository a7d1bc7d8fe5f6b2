# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The calling panels wait here for the calls Tryton's bus carries.

The calls are published with `trytond.bus.Bus.publish` (panel.py), which
sends them through PostgreSQL's NOTIFY on the bus's channel when the
transaction commits. Each process has one thread listening to that channel
that keeps the panels' messages of the last CACHE seconds, in the order
PostgreSQL delivered them (the order of the commits, the same in every
process); a panel's request waits on a condition until a message of its
site comes after its cursor (the bus message id of the last call it got).

Why not `Bus.subscribe`: it looks for a message, then registers to be woken:
a message arriving in between is seen only by the next one or after
`[bus] long_polling_timeout` (300 s). Here the look and the wait are under
one lock, and every message after the cursor comes in one answer."""
import collections
import json
import logging
import os
import selectors
import threading
import time

from trytond import backend
from trytond.bus import LongPollingBus

logger = logging.getLogger(__name__)

PREFIX = 'see.presencial.panel:'
# Seconds a message is kept for the panels that reconnect
CACHE = 300


class _Calls:
    _condition = threading.Condition()
    _threads = {}  # (pid, database) -> thread
    _messages = {}  # (pid, database) -> deque of (time, channel, message)

    @classmethod
    def ensure(cls, database):
        key = (os.getpid(), database)
        with cls._condition:
            thread = cls._threads.get(key)
            if thread and thread.is_alive():
                return
            cls._messages.setdefault(key, collections.deque())
            ready = threading.Event()
            thread = threading.Thread(target=cls._listen,
                args=(database, ready), daemon=True,
                name=f'see_presencial panel listener {database}')
            cls._threads[key] = thread
            thread.start()
        # Listening before the first look: nothing committed after it is
        # missed
        ready.wait(10)

    @classmethod
    def _listen(cls, database, ready):
        key = (os.getpid(), database)
        db = backend.Database(database).connect()
        conn = db.get_connection(autocommit=True)
        selector = selectors.DefaultSelector()
        try:
            conn.cursor().execute(f'LISTEN "{LongPollingBus._channel}"')
            selector.register(conn, selectors.EVENT_READ)
            ready.set()
            while True:
                selector.select(timeout=5)
                # Before reading the notifications: those that come with its
                # answer are buffered by the connection, not left on the
                # socket to wake the select, and would wait for the next
                # one (or 5 s)
                conn.cursor().execute('SELECT 1')
                received = []
                for notification in db.get_notifications(conn):
                    try:
                        payload = json.loads(notification.payload)
                        channel = payload['channel']
                        message = payload['message']
                    except (ValueError, KeyError, TypeError):
                        continue
                    if (isinstance(channel, str)
                            and channel.startswith(PREFIX)
                            and isinstance(message, dict)):
                        received.append((channel, message))
                now = time.monotonic()
                with cls._condition:
                    messages = cls._messages[key]
                    messages.extend((now, c, m) for c, m in received)
                    while messages and messages[0][0] < now - CACHE:
                        messages.popleft()
                    if received:
                        cls._condition.notify_all()
        except Exception:
            logger.exception("panel listener on '%s' stopped", database)
        finally:
            ready.set()
            with cls._condition:
                cls._threads.pop(key, None)
            selector.close()
            db.put_connection(conn)

    @classmethod
    def _after(cls, key, channel, last):
        """The messages of channel after the one whose id is last; all
        those kept when last is not kept (or empty)"""
        found = [m for _, c, m in cls._messages.get(key, ()) if c == channel]
        for index, message in enumerate(found):
            if last and message.get('message_id') == last:
                return found[index + 1:]
        return found

    @classmethod
    def wait(cls, database, channel, last, timeout):
        "The messages of channel after last, waiting up to timeout for one"
        cls.ensure(database)
        key = (os.getpid(), database)
        deadline = time.monotonic() + timeout
        with cls._condition:
            while True:
                messages = cls._after(key, channel, last)
                remaining = deadline - time.monotonic()
                if messages or remaining <= 0:
                    return messages
                cls._condition.wait(remaining)


def wait_calls(database, channel, last, timeout):
    """The call messages published on channel after the bus message id
    last, waiting up to timeout seconds for the first"""
    return _Calls.wait(database, channel, last, timeout)
