"""see-ami-connector: follow one Asterisk PBX and store its calls

    see-ami-connector -c trytond.conf -d DATABASE [--server NAME]

The AMI settings (host, port, user, secret, parsing) are read from the
``see.ami.server`` record.  Two processes: this one follows the PBX (see
client.py) and hands the event frames in batches to the writer process
(see writer.py), which parses and writes them; when the database is
unavailable they are appended to a spool file on local disk and written
when it is back (ingestion is idempotent).  A writer that dies makes the
connector spool what it had not written and exit with status 1.
"""
import argparse
import collections
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time

from .client import AMIConnection
from .writer import (
    LOG_FORMAT, Spool, event_of, hide_secret, serve, spool_path)

logger = logging.getLogger('see_telefonia.connector')
# Frames handed over and not yet written: the reader waits beyond this.
# A frame's text is about a fifth of the dict the writer makes of it, so
# this is the memory the previous in-process queue of 200,000 dicts took.
MAX_PENDING = 1000000


class Feeder:
    """Hands events and control messages to the writer process, in order

    Events are sent in batches of up to batch_size, at least every
    batch_wait seconds.  Each batch is kept until the writer acknowledges
    it (committed or spooled), so the batches of a writer that died can be
    spooled here: none is lost silently.  A write hanging longer than
    spool_after sends new events straight to the spool, as before."""

    def __init__(self, conn, busy, spool, batch_size=5000, batch_wait=0.05,
            spool_after=5, max_pending=MAX_PENDING):
        self.conn = conn
        self.busy = busy
        self.spool = spool
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.spool_after = spool_after
        self.max_pending = max_pending
        self.lock = threading.Lock()
        self.ready = threading.Condition(self.lock)  # something to send
        self.room = threading.Condition(self.lock)   # acknowledgements
        self.items = []
        self.outbox = []
        self.pending = collections.OrderedDict()     # seq -> items
        self.unacked = 0
        self.seq = 0
        self.closing = False
        self.broken = False

    def hung(self):
        busy = self.busy.value
        return bool(busy) and time.monotonic() - busy > self.spool_after

    def put(self, item):
        "Called by the AMI reader for each event"
        with self.lock:
            # Backpressure: the reader waits while the writer is behind
            while (self.unacked >= self.max_pending and not self.hung()
                    and not self.broken):
                self.room.wait(0.1)
            if not self.hung():
                self.items.append(item)
                self.unacked += 1
                if len(self.items) >= self.batch_size:
                    self.ready.notify()
                return
        self.spool.append([event_of(item)])

    def control(self, message):
        "A message for the writer, after the events already put"
        with self.lock:
            self._cut()
            self.outbox.append(message)
            self.ready.notify()

    def _cut(self):
        if self.items:
            self.seq += 1
            self.pending[self.seq] = self.items
            self.outbox.append(('events', self.seq, self.items))
            self.items = []

    def acknowledge(self, seqs):
        with self.lock:
            for seq in seqs:
                items = self.pending.pop(seq, None)
                if items is not None:
                    self.unacked -= len(items)
            self.room.notify_all()

    def run(self):
        "Sender thread: the pipe may block, the reader does not"
        while True:
            with self.lock:
                if (not self.outbox and not self.closing
                        and len(self.items) < self.batch_size):
                    self.ready.wait(self.batch_wait)
                self._cut()
                messages, self.outbox = self.outbox, []
                closing = self.closing
            try:
                for message in messages:
                    self.conn.send(message)
                if closing:
                    self.conn.send(('stop',))
                    return
            except OSError as error:
                logger.error("writer process unreachable: %s", error)
                with self.lock:
                    self.broken = True
                    self.room.notify_all()
                return

    def close(self):
        "Send what is left, then ask the writer to stop"
        with self.lock:
            self.closing = True
            self.ready.notify()

    def rescue(self):
        "Spool the events the writer did not acknowledge; return how many"
        with self.lock:
            self._cut()
            batches = list(self.pending.values())
            self.pending.clear()
            self.outbox = []
            self.unacked = 0
            self.broken = True
            self.room.notify_all()
        events = [event_of(i) for items in batches for i in items]
        self.spool.append(events)
        return len(events)


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
        format=LOG_FORMAT, stream=sys.stderr)
    if not options.database:
        sys.exit("see-ami-connector: give the database with -d")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    # spawn: the writer must not inherit the threads of this process
    context = multiprocessing.get_context('spawn')
    inbox, to_writer = context.Pipe(duplex=False)
    from_writer, outbox = context.Pipe(duplex=False)
    busy = context.Value('d', 0.0, lock=False)
    writer = context.Process(target=serve, name='see-ami-writer', args=(
            {k: getattr(options, k) for k in ['configfile', 'database',
                    'server', 'spool', 'batch_size', 'batch_wait',
                    'db_retry', 'spool_after', 'log_level']},
            inbox, outbox, busy))
    writer.start()
    # Only the writer keeps these ends: a dead side shows as end of pipe
    inbox.close()
    outbox.close()

    def receive(timeout):
        "A message of the writer, None after timeout, False when it ended"
        try:
            if from_writer.poll(timeout):
                return from_writer.recv()
        except (EOFError, OSError):
            return False
        return None if writer.is_alive() else False

    server = None
    while server is None and not stop.is_set():
        message = receive(0.2)
        if message is False:
            logger.error("writer process ended (exit code %s)",
                writer.exitcode)
            return 1
        if message and message[0] == 'server':
            server = message[1]
    if server is None:
        to_writer.send(('stop',))
        writer.join(30)
        return 0
    hide_secret(server['secret'])
    feeder = Feeder(to_writer, busy,
        Spool(spool_path(options.spool, server['id'])),
        batch_size=options.batch_size, batch_wait=options.batch_wait,
        spool_after=options.spool_after)

    def on_response(response):
        action_id = response.keys.get('ActionID', '')
        if action_id.startswith('originate-'):
            feeder.control(('originate', int(action_id.split('-')[1]),
                    not response.is_error(), response.keys.get('Message')))

    connection = AMIConnection(server['host'], server['port'],
        server['user'], server['secret'], feeder.put,
        on_state=lambda state: feeder.control(('state', state)),
        on_response=on_response,
        ping_interval=options.ping_interval,
        ping_timeout=options.ping_timeout,
        backoff_base=options.backoff_base,
        backoff_cap=options.backoff_cap,
        raw_frames=True)

    def handle(message):
        if message[0] == 'ack':
            feeder.acknowledge(message[1])
        elif message[0] == 'originate':
            _, request_id, keys = message
            if not connection.send('Originate', keys):
                feeder.control(('originate', request_id, False,
                        'not sent: connection lost'))

    ami = threading.Thread(target=connection.run, name='ami', daemon=True)
    sender = threading.Thread(target=feeder.run, name='sender', daemon=True)
    ami.start()
    sender.start()
    status = 0
    while not stop.is_set():
        message = receive(0.2)
        if message is False:
            logger.error("writer process ended (exit code %s), stopping",
                writer.exitcode)
            status = 1
            break
        if message:
            handle(message)
    logger.info("stopping")
    connection.stop()
    ami.join(5)
    feeder.close()
    # The writer writes what it was sent, acknowledges it and ends
    deadline = time.monotonic() + 30
    while status == 0 and time.monotonic() < deadline:
        message = receive(min(0.2, max(0, deadline - time.monotonic())))
        if message is False:
            break
        if message:
            handle(message)
    writer.join(max(0, deadline - time.monotonic()))
    if writer.is_alive():
        logger.error("writer process still busy, killed")
        writer.kill()
        writer.join()
        status = 1
    elif writer.exitcode:
        status = 1
    spooled = feeder.rescue()
    if spooled:
        logger.error("%d events not written by the writer process "
            "kept in the spool", spooled)
    return status


if __name__ == '__main__':
    sys.exit(main())
