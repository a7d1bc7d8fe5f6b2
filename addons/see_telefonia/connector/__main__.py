# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""see-ami-connector: follow one Asterisk PBX and store its calls

    see-ami-connector -c trytond.conf -d DATABASE [--server NAME]

The AMI settings (host, port, user, secret, parsing) are read from the
``see.ami.server`` record.  Events are written in batches; when the
database is unavailable they are appended to a spool file on local disk
and written when it is back (ingestion is idempotent).
"""
import argparse
import json
import logging
import os
import queue
import signal
import sys
import threading
import time

from .client import AMIConnection

logger = logging.getLogger('see_telefonia.connector')


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


class Spool:
    "Events kept on local disk while the database is unavailable"

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        os.makedirs(os.path.dirname(path) or '.', exist_ok=True)

    def append(self, events):
        with self.lock, open(self.path, 'a', encoding='utf-8') as file:
            for event in events:
                file.write(json.dumps(event) + '\n')
            file.flush()
            os.fsync(file.fileno())

    def __bool__(self):
        return os.path.exists(self.path) and os.path.getsize(self.path) > 0

    def take(self):
        "Move the spool aside to replay it; new events start a new file"
        replay = self.path + '.replay'
        with self.lock:
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


class Writer:
    "Writes batches of events with the Tryton pool, or spools them"

    def __init__(self, database, server_name, spool_dir, batch_size=5000,
            batch_wait=0.05, retry=5, spool_after=5):
        self.database = database
        self.server_name = server_name
        self.queue = queue.Queue(maxsize=200000)
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.retry = retry
        self.spool_dir = spool_dir
        self.spool = None
        self.server = None
        self.db_up = False
        self.down_since = None
        self.state = None
        self.stopped = threading.Event()
        self.written = 0
        self._last_try = 0
        self._last_status = 0
        self.connection = None
        self.busy_since = None
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
        self.spool = Spool(os.path.join(
                self.spool_dir, 'spool-%s.jsonl' % self.server['id']))
        self.db_up = True
        return self.server

    def _write(self, events):
        from trytond.pool import Pool
        self.busy_since = time.monotonic()
        try:
            with self._transaction():
                Call = Pool(self.database).get('see.call')
                Call.ingest(self.server['id'], events)
        finally:
            self.busy_since = None

    def sink(self, item):
        """Called by the AMI reader: queue the item, or spool an event at
        once when the database has been hanging for spool_after seconds"""
        busy = self.busy_since
        if (isinstance(item, dict) and self.spool is not None
                and busy is not None
                and time.monotonic() - busy > self.spool_after):
            self.spool.append([item])
        else:
            self.queue.put(item)

    def _call(self, method, *args):
        from trytond.pool import Pool
        self.busy_since = time.monotonic()
        try:
            with self._transaction():
                return method(Pool(self.database), *args)
        finally:
            self.busy_since = None

    def flush(self, events):
        if not events:
            return
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
        import datetime as dt
        down = None
        if self.down_since is not None:
            down = dt.datetime.now() - dt.timedelta(
                seconds=time.monotonic() - self.down_since)
        try:
            self._call(lambda pool, s, d: pool.get('see.ami.server')
                .set_status(self.server['id'], s, d), self.state, down)
        except Exception as error:
            self._down(error)

    def originate(self):
        if not self.db_up or self.connection is None \
                or self.connection.state != 'ready':
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
            if not self.connection.send('Originate', keys):
                self.queue.put(('originate', request['id'], False,
                        'not sent: connection lost'))

    # Loop -------------------------------------------------------------

    def run(self):
        events = []
        deadline = None
        last_jobs = time.monotonic()
        while not self.stopped.is_set() or not self.queue.empty():
            timed_out = False
            try:
                item = self.queue.get(timeout=self.batch_wait)
            except queue.Empty:
                item, timed_out = None, True
            # Take the events already queued without waiting for each
            while isinstance(item, dict):
                events.append(item)
                if len(events) >= self.batch_size:
                    item = None
                    break
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    item = None
            if events and deadline is None:
                deadline = time.monotonic() + self.batch_wait
            if isinstance(item, tuple):
                self.flush(events)
                events, deadline = [], None
                self.control(item)
            if events and (len(events) >= self.batch_size or timed_out
                    or time.monotonic() >= deadline):
                self.flush(events)
                events, deadline = [], None
            if time.monotonic() - last_jobs >= 1:
                last_jobs = time.monotonic()
                self.recover()
                self.report_state()
                self.originate()
        self.flush(events)

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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog='see-ami-connector',
        description=__doc__.splitlines()[0])
    parser.add_argument('-c', '--config', dest='configfile',
        default=os.environ.get('TRYTOND_CONFIG'))
    parser.add_argument('-d', '--database', dest='database',
        default=os.environ.get('TRYTOND_DATABASE_NAME'), required=False)
    parser.add_argument('--server', default=os.environ.get('SEE_AMI_SERVER'),
        help="name or host of the see.ami.server (the first active one)")
    parser.add_argument('--spool', default=os.environ.get(
            'SEE_AMI_SPOOL', '/var/spool/see-ami'))
    parser.add_argument('--ping-interval', type=float, default=10)
    parser.add_argument('--ping-timeout', type=float, default=5)
    parser.add_argument('--backoff-base', type=float, default=1)
    parser.add_argument('--backoff-cap', type=float, default=60)
    parser.add_argument('--db-retry', type=float, default=5)
    parser.add_argument('--spool-after', type=float, default=5,
        help="seconds a hanging database write waits before new events "
        "go to the spool")
    parser.add_argument('--batch-size', type=int, default=5000)
    parser.add_argument('--batch-wait', type=float, default=0.05)
    parser.add_argument('--log-level', default='INFO')
    return parser.parse_args(argv)


def main(argv=None):
    options = parse_args(argv)
    logging.basicConfig(level=options.log_level.upper(),
        format='%(asctime)s %(levelname)s %(name)s %(message)s',
        stream=sys.stderr)
    from trytond import config
    config.update_etc(options.configfile)
    if not options.database:
        sys.exit("see-ami-connector: give the database with -d")
    writer = Writer(options.database, options.server, options.spool,
        batch_size=options.batch_size, batch_wait=options.batch_wait,
        retry=options.db_retry, spool_after=options.spool_after)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    server = None
    while server is None and not stop.is_set():
        server = writer.load_server()
        if server is None:
            stop.wait(options.db_retry)
    if server is None:
        return 0
    secret_filter = SecretFilter(server['secret'])
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)

    def on_response(response):
        action_id = response.keys.get('ActionID', '')
        if action_id.startswith('originate-'):
            writer.queue.put(('originate', int(action_id.split('-')[1]),
                    not response.is_error(), response.keys.get('Message')))

    connection = AMIConnection(server['host'], server['port'],
        server['user'], server['secret'], writer.sink,
        on_state=lambda state: writer.queue.put(('state', state)),
        on_response=on_response,
        ping_interval=options.ping_interval,
        ping_timeout=options.ping_timeout,
        backoff_base=options.backoff_base,
        backoff_cap=options.backoff_cap)
    writer.connection = connection
    ami = threading.Thread(target=connection.run, name='ami', daemon=True)
    write = threading.Thread(target=writer.run, name='writer')
    ami.start()
    write.start()
    stop.wait()
    logger.info("stopping")
    connection.stop()
    ami.join(5)
    writer.stopped.set()
    write.join(30)
    return 0


if __name__ == '__main__':
    sys.exit(main())
