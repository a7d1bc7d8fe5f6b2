# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The database side of the connector: a process of its own

The AMI process (``__main__``) reads the socket and hands over batches of
event frames; this process parses them, stores them with the Tryton pool
(or in the spool while PostgreSQL is unavailable), reports the
connection's state and takes the Originate requests.  Two processes, so
that reading and writing each use a core instead of sharing one GIL.

Messages from the AMI process, in order:

- ``('events', seq, items)``: items are frames (see `event_of`);
- ``('state', state)`` and ``('originate', request_id, ok, message)``;
- ``('stop',)``: write what is left and exit.

Messages to the AMI process:

- ``('server', settings)`` once the settings are read;
- ``('ack', seqs)`` once the events of seqs are committed or spooled;
- ``('originate', request_id, keys)``: an Originate to send.
"""
import datetime as dt
import fcntl
import json
import logging
import os
import queue
import signal
import sys
import threading
import time
from contextlib import contextmanager

from ..events import event_time, loggable
from .client import parse_event

logger = logging.getLogger('see_telefonia.connector')
LOG_FORMAT = '%(asctime)s %(levelname)s %(name)s %(message)s'


class SecretFilter(logging.Filter):
    "Remove the AMI secret from every log record"

    def __init__(self, secret):
        super().__init__()
        self.secret = secret

    def filter(self, record):
        if self.secret:
            message = record.getMessage()
            if self.secret in message:
                record.msg = message.replace(self.secret, '********')
                record.args = ()
        return True


def hide_secret(secret):
    for handler in logging.getLogger().handlers:
        handler.addFilter(SecretFilter(secret))


def event_of(item):
    """The normalized event of an item handed over by the AMI process

    An item is an event dict, the text of an event frame carrying its
    Timestamp, or (text, reception time).  None for a frame without
    event name (logged)."""
    if isinstance(item, dict):
        return item
    pack, received = item if isinstance(item, tuple) else (item, None)
    data = parse_event(pack)
    if not data.get('event'):
        logger.warning("skipped malformed frame: %s", loggable(pack))
        return None
    data['_time'] = event_time(data.get('timestamp'), received)
    if data['_time'] is None:
        data['_time'] = time.time()
    return data


class Spool:
    """Events kept on local disk while the database is unavailable

    Both processes append to it, so appends and the move aside for a
    replay take a lock on a file next to it."""

    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.dirname(path) or '.', exist_ok=True)

    @contextmanager
    def lock(self):
        with open(self.path + '.lock', 'a') as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)

    def append(self, events):
        lines = [json.dumps(e) + '\n' for e in events if e is not None]
        if not lines:
            return
        with self.lock(), open(self.path, 'a', encoding='utf-8') as file:
            file.writelines(lines)
            file.flush()
            os.fsync(file.fileno())

    def __bool__(self):
        return os.path.exists(self.path) and os.path.getsize(self.path) > 0

    def take(self):
        "Move the spool aside to replay it; new events start a new file"
        replay = self.path + '.replay'
        with self.lock():
            if not os.path.exists(replay) and os.path.exists(self.path):
                os.replace(self.path, replay)
        return replay

    def read(self, path, size=2000):
        batch = []
        with open(path, encoding='utf-8') as file:
            for line in file:
                try:
                    batch.append(json.loads(line))
                except ValueError:
                    logger.warning("skipped broken spool line: %r", line)
                    continue
                if len(batch) >= size:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def pending(self):
        return bool(self) or os.path.exists(self.path + '.replay')

    def size(self):
        "Bytes waiting in the spool and its replay"
        paths = [self.path, self.path + '.replay']
        return sum(os.path.getsize(p) for p in paths if os.path.exists(p))


def spool_path(spool_dir, server_id):
    return os.path.join(spool_dir, 'spool-%s.jsonl' % server_id)


class Writer:
    "Writes batches of events with the Tryton pool, or spools them"

    def __init__(self, database, server_name, spool_dir, inbox=None,
            outbox=None, busy=None, batch_size=5000, batch_wait=0.05,
            retry=5, spool_after=5):
        self.database = database
        self.server_name = server_name
        self.inbox = inbox
        self.outbox = outbox
        # Shared with the AMI process: it spools new events itself when
        # a write hangs longer than spool_after (0: not busy)
        self.busy = busy
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.retry = retry
        self.spool_dir = spool_dir
        self.spool = None
        self.server = None
        self.db_up = False
        self.down_since = None
        self.state = None
        self.written = 0
        self.last_event = None
        self._last_try = 0
        self._last_status = 0
        self.spool_after = spool_after

    # Database ---------------------------------------------------------

    def _transaction(self):
        from trytond.transaction import Transaction
        self._bound_wait()
        return Transaction().start(self.database, 0,
            context={'language': 'pt', 'see_connector': True})

    def _bound_wait(self):
        """Wait at most spool_after seconds for a database connection

        The connection pool waits 30 s by default for a connection while
        PostgreSQL refuses them; the events would stay that long in
        memory instead of the spool."""
        from trytond import backend
        try:
            database = backend.Database(self.database)
        except Exception:
            return
        pool = getattr(database, '_connpool', None)
        if pool is not None and getattr(pool, 'timeout', 0) > self.spool_after:
            pool.timeout = self.spool_after

    def load_server(self):
        "Read the AMI settings; None while the database is unavailable"
        from trytond.pool import Pool
        try:
            if not getattr(self, '_started', False):
                Pool.start()
                self._started = True
            initialised = self.database in Pool.database_list()
            pool = Pool(self.database)
            if not initialised:
                with self._transaction():
                    pool.init()
            with self._transaction():
                Server = pool.get('see.ami.server')
                domain = [('active', '=', True)]
                if self.server_name:
                    domain.append(['OR',
                            ('name', '=', self.server_name),
                            ('host', '=', self.server_name)])
                servers = Server.search(domain, limit=1)
                if not servers:
                    logger.error("no active AMI server %s",
                        self.server_name or '')
                    return None
                self.server = servers[0].connector_settings()
        except Exception as error:
            logger.warning("database unavailable: %s", error)
            return None
        self.spool = Spool(spool_path(self.spool_dir, self.server['id']))
        self.db_up = True
        return self.server

    @contextmanager
    def _busy(self):
        self.busy.value = time.monotonic()
        try:
            yield
        finally:
            self.busy.value = 0

    def _write(self, events):
        from trytond.pool import Pool
        with self._busy(), self._transaction():
            Call = Pool(self.database).get('see.call')
            Call.ingest(self.server['id'], events)

    def _call(self, method, *args):
        from trytond.pool import Pool
        with self._busy(), self._transaction():
            return method(Pool(self.database), *args)

    def flush(self, events):
        if not events:
            return
        self.last_event = dt.datetime.now()
        if self.db_up and not self.spool.pending():
            try:
                self._write(events)
                self.written += len(events)
                return
            except Exception as error:
                self._down(error)
        self.spool.append(events)

    def _down(self, error):
        if self.db_up:
            logger.error("database unavailable, spooling events: %s", error)
        self.db_up = False
        self._last_try = time.monotonic()

    def recover(self):
        "Try the database again; write the spool back when it answers"
        if self.db_up and not self.spool.pending():
            return
        if time.monotonic() - self._last_try < self.retry:
            return
        self._last_try = time.monotonic()
        try:
            self._write([])
            while self.spool.pending():
                replay = self.spool.take()
                if os.path.exists(replay):
                    for batch in self.spool.read(replay):
                        self._write(batch)
                        self.written += len(batch)
                    os.remove(replay)
            self.db_up = True
            logger.info("database back, spool written")
            self.report_state(force=True)
        except Exception as error:
            self._down(error)

    def report_state(self, force=False):
        "Tell the database the connection's state (and maybe an incident)"
        if not self.db_up or self.state is None:
            return
        now = time.monotonic()
        if not force and now - self._last_status < 5:
            return
        self._last_status = now
        down = None
        if self.down_since is not None:
            down = dt.datetime.now() - dt.timedelta(
                seconds=time.monotonic() - self.down_since)

        def report(pool):
            Server = pool.get('see.ami.server')
            Server.set_status(self.server['id'], self.state, down)
            Server.heartbeat(
                self.server['id'], self.spool.size(), self.last_event)
        try:
            self._call(report)
        except Exception as error:
            self._down(error)

    def originate(self):
        "Hand the pending call-back requests to the AMI process"
        if not self.db_up or self.state != 'ready':
            return
        try:
            requests = self._call(lambda pool: pool.get(
                    'see.telephony.originate').take_pending(
                    self.server['id']))
        except Exception as error:
            self._down(error)
            return
        for request in requests:
            keys = {
                'ActionID': 'originate-%d' % request['id'],
                'Channel': request['channel'],
                'Context': request['context'],
                'Exten': request['exten'],
                'Priority': '1',
                'Async': 'true',
                'Timeout': '30000',
                'Variable': 'SEE_PROTOCOL=%s' % request['protocol'],
                }
            self.outbox.send(('originate', request['id'], keys))

    # Loop -------------------------------------------------------------

    def _receive(self, timeout):
        "The next message, None after timeout, ('stop',) at end of pipe"
        try:
            if self.inbox.poll(timeout):
                return self.inbox.recv()
        except (EOFError, OSError):
            # The AMI process is gone: write what we have and leave
            return ('stop',)
        return None

    def _parse(self, parsed):
        """Reader thread: parse the frames while the main thread waits
        for PostgreSQL (the GIL is released meanwhile)"""
        while True:
            message = self._receive(None)
            if message[0] == 'events':
                _, seq, items = message
                events = [e for e in map(event_of, items) if e is not None]
                message = ('events', seq, events)
            parsed.put(message)
            if message[0] == 'stop':
                return

    def run(self):
        events, seqs, deadline = [], [], None
        last_jobs = time.monotonic()
        stopping = False
        parsed = queue.Queue(maxsize=64)
        threading.Thread(target=self._parse, args=(parsed,), name='parse',
            daemon=True).start()

        def receive(timeout):
            try:
                return parsed.get(timeout=timeout) if timeout else (
                    parsed.get_nowait())
            except queue.Empty:
                return None

        def flush():
            nonlocal events, seqs, deadline
            self.flush(events)
            if seqs:
                self.outbox.send(('ack', seqs))
            events, seqs, deadline = [], [], None
        while not stopping:
            wait = self.batch_wait
            if deadline is not None:
                wait = max(0, deadline - time.monotonic())
            message = receive(wait)
            timed_out = message is None
            # Take the batches already sent without waiting for each
            while message is not None and message[0] == 'events':
                _, seq, received = message
                events.extend(received)
                seqs.append(seq)
                if len(events) >= self.batch_size:
                    message = None
                    break
                message = receive(0)
            if seqs and deadline is None:
                deadline = time.monotonic() + self.batch_wait
            if message is not None:
                flush()
                if message[0] == 'stop':
                    stopping = True
                else:
                    self.control(message)
            if seqs and (len(events) >= self.batch_size or timed_out
                    or time.monotonic() >= deadline):
                flush()
            if time.monotonic() - last_jobs >= 1:
                last_jobs = time.monotonic()
                self.recover()
                self.report_state()
                self.originate()
        flush()

    def control(self, item):
        kind = item[0]
        if kind == 'state':
            self.state = item[1]
            if item[1] == 'ready':
                self.down_since = None
            elif self.down_since is None:
                self.down_since = time.monotonic()
                if item[1] == 'disconnected':
                    self._lost_requests()
            self.report_state(force=True)
        elif kind == 'originate':
            _, request_id, ok, message = item
            if self.db_up:
                try:
                    self._call(lambda pool: pool.get(
                            'see.telephony.originate').set_result(
                            request_id, ok, message))
                except Exception as error:
                    self._down(error)

    def _lost_requests(self):
        if not self.db_up:
            return
        try:
            self._call(lambda pool: pool.get(
                    'see.telephony.originate').lost(self.server['id']))
        except Exception as error:
            self._down(error)


def serve(options, inbox, outbox, busy):
    """Entry point of the writer process

    The AMI process decides when to stop (message or end of the pipe):
    SIGTERM and SIGINT sent to the whole process group are ignored here
    so that the events already handed over are written first."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=options['log_level'].upper(),
        format=LOG_FORMAT, stream=sys.stderr)
    from trytond import config
    config.update_etc(options['configfile'])
    writer = Writer(options['database'], options['server'],
        options['spool'], inbox=inbox, outbox=outbox, busy=busy,
        batch_size=options['batch_size'], batch_wait=options['batch_wait'],
        retry=options['db_retry'], spool_after=options['spool_after'])
    server = None
    while server is None:
        server = writer.load_server()
        if server is None:
            # Wait for the database, unless told to stop meanwhile
            message = writer._receive(options['db_retry'])
            if message is not None and message[0] == 'stop':
                return
    hide_secret(server['secret'])
    outbox.send(('server', server))
    writer.run()
