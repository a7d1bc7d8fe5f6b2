# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The AMI side of the connector: an explicit state machine around the
``asterisk-ami`` client.

The wire (banner, framing, parsing of responses and events) is done by
``asterisk.ami.AMIClient``; its ``AutoReconnect`` is *not* used (python-ami
issues #16 and #31: a listener left stuck after the PBX restarts, an endless
loop on a broken pipe).  Each connection attempt builds a fresh client; this
module decides when to connect, log in, ping, give up and resynchronise.

States: disconnected -> connecting -> authenticating -> ready.  Nothing but
Login is sent before ready.
"""
import logging
import random
import threading
import time

from asterisk.ami import AMIClient, Action, Event, Response

from .. import events as ami_events

logger = logging.getLogger('see_telefonia.connector')

DISCONNECTED = 'disconnected'
CONNECTING = 'connecting'
AUTHENTICATING = 'authenticating'
READY = 'ready'


def parse_event(pack):
    """The normalized dict of an event frame (see events.normalize)

    Keys are lower-cased in the same pass that splits the lines; the last
    value of a repeated key wins, as with asterisk.ami.Event."""
    return {key.lower(): value for key, sep, value
        in [line.partition(': ') for line in pack.splitlines()] if sep}


class Client(AMIClient):
    """AMIClient that hands unknown frames over with their raw text

    The wire (banner, framing, actions, responses) stays asterisk-ami's;
    events go straight to on_event_data as normalized dicts, without
    building an asterisk.ami.Event first.  With on_event_frame, the
    frames of plain events (neither FullyBooted nor the answer to an
    action) are handed over unparsed: the writer process parses them."""
    on_event_data = None
    on_event_frame = None

    def fire_recv_pack(self, pack):
        if (self.on_event_data is not None
                and pack[:6].lower() == 'event:'):
            if self.on_event_frame is not None:
                lower = pack.lower()
                if ('\nactionid:' not in lower
                        and not lower[6:].lstrip().startswith(
                            'fullybooted')):
                    self.on_event_frame(pack)
                    return
            data = parse_event(pack)
            if data.get('event'):
                self.on_event_data(data)
                return
        if Response.match(pack) or Event.match(pack):
            try:
                return super().fire_recv_pack(pack)
            except Exception:
                logger.warning("skipped malformed frame: %s",
                    ami_events.loggable(pack))
                return
        logger.warning("skipped malformed frame: %s",
            ami_events.loggable(pack))


def backoff_delays(base, cap, rng=random.random):
    "Capped exponential backoff with full jitter in [delay/2, delay]"
    attempt = 0
    while True:
        delay = min(cap, base * (2 ** attempt))
        yield delay / 2 + rng() * delay / 2
        attempt += 1


class AMIConnection:
    """One PBX: connects, logs in, pings and feeds events to sink

    sink(event) receives normalized events (see events.normalize), and
    the synthetic ``SEEResync`` event after a resynchronisation; with
    raw_frames, the plain events come as their frame's text, or (text,
    reception time) when the frame has no Timestamp (see
    writer.event_of).  on_state(state) is called on every change of
    state."""

    def __init__(self, host, port, user, secret, sink, on_state=None,
            on_response=None, ping_interval=10, ping_timeout=5,
            login_timeout=5, backoff_base=1, backoff_cap=60,
            buffer_size=8192, raw_frames=False):
        self.host = host
        self.port = port
        self.user = user
        self._secret = secret
        self.sink = sink
        self.on_state = on_state or (lambda state: None)
        self.on_response = on_response or (lambda response: None)
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.login_timeout = login_timeout
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.buffer_size = buffer_size
        self.raw_frames = raw_frames
        self.state = DISCONNECTED
        self.client = None
        self.stopped = threading.Event()
        self.lost = threading.Event()
        self._lock = threading.Lock()
        self._resync = None       # (action id, channels)
        self._counter = 0
        self.connections = 0

    def __repr__(self):
        # Never show the secret
        return '<AMIConnection %s@%s:%s %s>' % (
            self.user, self.host, self.port, self.state)

    # State ------------------------------------------------------------

    def _set_state(self, state):
        if state != self.state:
            logger.info("AMI %s:%s %s -> %s", self.host, self.port,
                self.state, state)
            self.state = state
            self.on_state(state)

    def _next_id(self, prefix):
        with self._lock:
            self._counter += 1
            return '%s-%d' % (prefix, self._counter)

    # Loop -------------------------------------------------------------

    def run(self):
        "Connect and stay connected until stop()"
        delays = backoff_delays(self.backoff_base, self.backoff_cap)
        while not self.stopped.is_set():
            if self._connect():
                delays = backoff_delays(self.backoff_base, self.backoff_cap)
                self._watch()
            self._close()
            self._set_state(DISCONNECTED)
            if self.stopped.is_set():
                break
            delay = next(delays)
            logger.info("AMI reconnecting in %.1f s", delay)
            self.stopped.wait(delay)

    def stop(self):
        self.stopped.set()
        client = self.client
        if client is not None and self.state == READY:
            try:
                client.send(Action('Logoff', {'ActionID': 'logoff'}))
            except OSError:
                pass
        self._close()

    def _close(self):
        client, self.client = self.client, None
        if client is not None:
            try:
                client.disconnect()
            except Exception:
                pass

    def _connect(self):
        self.lost.clear()
        self._set_state(CONNECTING)
        client = Client(address=self.host, port=self.port,
            timeout=max(self.ping_interval + self.ping_timeout, 5),
            buffer_size=self.buffer_size)
        client.add_listener(
            on_event=self._on_event,
            on_response=self._on_response,
            on_disconnect=self._on_disconnect)
        client.on_event_data = (
            lambda data: self._on_event_data(client, data))
        if self.raw_frames:
            client.on_event_frame = (
                lambda pack: self._on_event_frame(client, pack))
        try:
            client.connect()
        except OSError as error:
            logger.warning("AMI %s:%s unreachable: %s", self.host,
                self.port, error)
            return False
        self.client = client
        self._set_state(AUTHENTICATING)
        done = threading.Event()
        answer = {}

        def on_login(response, *args, **kwargs):
            answer['response'] = response
            done.set()
        login = Action('Login', {
                'Username': self.user,
                'Secret': self._secret,
                'Events': ami_events.EVENT_MASK,
                'ActionID': self._next_id('login'),
                })
        try:
            client.send_action(login, on_login)
        except OSError as error:
            logger.warning("AMI login not sent: %s", error)
            return False
        if not done.wait(self.login_timeout) or self.lost.is_set():
            logger.warning("AMI login timed out")
            return False
        response = answer['response']
        if response.is_error():
            logger.error("AMI login refused for user %s: %s", self.user,
                response.keys.get('Message'))
            return False
        self.connections += 1
        self._set_state(READY)
        self.resync()
        return True

    def _watch(self):
        "Ping while ready; return when the connection is lost"
        while not self.stopped.is_set() and not self.lost.is_set():
            if self.lost.wait(self.ping_interval):
                break
            if self.stopped.is_set():
                break
            if not self._ping():
                logger.warning("AMI ping without answer in %s s",
                    self.ping_timeout)
                break
        if not self.stopped.is_set():
            logger.warning("AMI connection to %s:%s lost", self.host,
                self.port)

    def _ping(self):
        done = threading.Event()
        try:
            self.client.send_action(
                Action('Ping', {'ActionID': self._next_id('ping')}),
                lambda response, *a, **k: done.set())
        except (OSError, AttributeError):
            return False
        return done.wait(self.ping_timeout)

    def send(self, name, keys, callback=None):
        "Send an action when ready; return False when it could not be sent"
        if self.state != READY or self.client is None:
            return False
        try:
            self.client.send_action(Action(name, dict(keys)), callback)
        except OSError:
            return False
        return True

    def resync(self):
        "Ask for the live channels and the queues (after login/boot)"
        action_id = self._next_id('resync')
        self._resync = (action_id, [])
        self.send('CoreShowChannels', {'ActionID': action_id})
        self.send('QueueStatus', {'ActionID': self._next_id('queues')})

    # Listeners (reader thread) -----------------------------------------

    def _on_disconnect(self, source, error=None, **kwargs):
        if source is self.client:
            self.lost.set()

    def _on_response(self, source, response, **kwargs):
        self.on_response(response)

    def _on_event(self, source, event, **kwargs):
        data = ami_events.normalize(event.keys, time.time())
        data['event'] = event.name
        self._on_event_data(source, data)

    def _on_event_frame(self, source, pack):
        if source is not self.client:
            return
        if 'Timestamp: ' in pack:
            self.sink(pack)
        else:
            self.sink((pack, time.time()))

    def _on_event_data(self, source, data):
        if source is not self.client:
            return
        data['_time'] = ami_events.event_time(
            data.get('timestamp'), time.time())
        name = data['event'].lower()
        resync = self._resync
        if resync and data.get('actionid') == resync[0]:
            if name == 'coreshowchannel':
                resync[1].append(data)
                return
            if name == 'coreshowchannelscomplete':
                self._resync = None
                self.sink({
                        'event': 'SEEResync',
                        '_time': data['_time'],
                        'linkedids': sorted({c.get('linkedid')
                                or c.get('uniqueid') for c in resync[1]}),
                        'channels': resync[1],
                        })
                return
        if name == 'fullybooted' and data.get('actionid') is None:
            # The PBX (re)started or we just logged in: what is alive?
            if self._resync is None:
                self.resync()
        self.sink(data)
