# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""An Asterisk Manager Interface server for tests and the demo, over TCP on
loopback (not a PBX: it answers the connector and plays scripted calls).

It speaks the AMI wire protocol as Asterisk does: a banner line
(``Asterisk Call Manager/<version>``), frames of ``Key: Value`` lines ended
by an empty line, Login/Logoff, responses carrying the ActionID of their
action, event lists (CoreShowChannels, QueueStatus) and events, and it
replays scripted call scenarios built by `CallScript` with the event
sequences of Asterisk 16, 18 and 20 (AMI documentation of each version).

It keeps what a test needs to check: every action received per
connection, the logins, the Originates, and it can restart (drop every
connection, refuse new ones for a while, come back with FullyBooted),
stop answering pings or leave Originates without answer.
"""
import itertools
import socket
import threading
import time

AMI_VERSIONS = {16: '5.0.4', 18: '7.0.3', 20: '9.0.0'}


def frame(keys):
    "Encode a frame: an ordered list of (key, value) or a dict"
    items = keys.items() if isinstance(keys, dict) else keys
    return ''.join('%s: %s\r\n' % (k, v) for k, v in items) + '\r\n'


class Connection(threading.Thread):
    def __init__(self, server, sock):
        super().__init__(daemon=True)
        self.server = server
        self.sock = sock
        self.authenticated = False
        self.actions = []
        self.events_mask = None
        self.lock = threading.Lock()
        self.closed = False

    def send(self, data):
        if isinstance(data, str):
            data = data.encode('utf-8')
        with self.lock:
            if self.closed:
                return False
            try:
                self.sock.sendall(data)
                return True
            except OSError:
                self.closed = True
                return False

    def close(self):
        with self.lock:
            self.closed = True
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()

    def run(self):
        self.send('Asterisk Call Manager/%s\r\n'
            % AMI_VERSIONS[self.server.version])
        buffer = b''
        while not self.closed:
            try:
                data = self.sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            buffer += data
            while b'\r\n\r\n' in buffer:
                raw, buffer = buffer.split(b'\r\n\r\n', 1)
                keys = {}
                for line in raw.decode('utf-8', 'replace').split('\r\n'):
                    if ':' in line:
                        key, value = line.split(':', 1)
                        keys.setdefault(key.strip().lower(), value.strip())
                self.handle(keys)
        self.closed = True
        self.server.forget(self)

    def respond(self, keys, action_id, status='Success'):
        items = [('Response', status)]
        if action_id is not None:
            items.append(('ActionID', action_id))
        items.extend(keys)
        self.send(frame(items))

    def handle(self, keys):
        name = keys.get('action', '').lower()
        action_id = keys.get('actionid')
        self.actions.append((name, self.authenticated, dict(keys)))
        if name == 'login':
            if (keys.get('username') == self.server.user
                    and keys.get('secret') == self.server.secret):
                self.authenticated = True
                self.events_mask = keys.get('events')
                self.respond([('Message', 'Authentication accepted')],
                    action_id)
                self.send(frame([('Event', 'FullyBooted'),
                            ('Privilege', 'system,all'),
                            ('Uptime', '100'), ('LastReload', '100'),
                            ('Status', 'Fully Booted')]))
            else:
                self.respond([('Message', 'Authentication failed')],
                    action_id, 'Error')
                self.close()
            return
        if not self.authenticated:
            self.respond([('Message', 'Permission denied')], action_id,
                'Error')
            return
        if name == 'logoff':
            self.respond([('Message', 'Thanks for all the fish.')],
                action_id, 'Goodbye')
            self.close()
        elif name == 'ping':
            if self.server.answer_pings:
                self.respond([('Ping', 'Pong'),
                        ('Timestamp', '%.6f' % time.time())], action_id)
        elif name == 'coreshowchannels':
            channels = list(self.server.live.values())
            self.respond([('EventList', 'start'),
                    ('Message', 'Channels will follow')], action_id)
            for channel in channels:
                self.send(frame([('Event', 'CoreShowChannel'),
                            ('ActionID', action_id)] + channel))
            self.send(frame([('Event', 'CoreShowChannelsComplete'),
                        ('ActionID', action_id), ('EventList', 'Complete'),
                        ('ListItems', len(channels))]))
        elif name == 'queuestatus':
            self.respond([('EventList', 'start'),
                    ('Message', 'Queue status will follow')], action_id)
            for member in self.server.members:
                self.send(frame([('Event', 'QueueMember'),
                            ('ActionID', action_id)] + member))
            self.send(frame([('Event', 'QueueStatusComplete'),
                        ('ActionID', action_id), ('EventList', 'Complete'),
                        ('ListItems', len(self.server.members))]))
        elif name == 'originate':
            self.server.originates.append(dict(keys))
            if not self.server.answer_originates:
                return
            self.respond([('Message', 'Originate successfully queued')],
                action_id)
            if (keys.get('async') or '').lower() in {'true', 'yes', '1'}:
                # The result of an asynchronous Originate comes later
                self.send(frame([('Event', 'OriginateResponse'),
                            ('Privilege', 'call,all'),
                            ('ActionID', action_id),
                            ('Response', 'Success'),
                            ('Channel', keys.get('channel', '')),
                            ('Context', keys.get('context', '')),
                            ('Exten', keys.get('exten', '')),
                            ('Reason', '4'),
                            ('Uniqueid', '%.1f' % time.time()),
                            ('CallerIDNum', '<unknown>'),
                            ('CallerIDName', '<unknown>')]))
        elif name == 'filter':
            self.respond([], action_id)
        else:
            self.respond([('Message', 'Invalid/unknown command')],
                action_id, 'Error')


class AMISimulator:
    "A PBX's AMI on 127.0.0.1; see the module's docstring"

    def __init__(self, user='see', secret='s3cr3t-AMI', version=20,
            port=0):
        self.user = user
        self.secret = secret
        self.version = version
        self.port = port
        self.connections = []
        self.all_connections = []
        self.originates = []
        self.live = {}        # uniqueid -> CoreShowChannel keys
        self.members = []
        self.answer_pings = True
        self.answer_originates = True
        self._listener = None
        self._thread = None
        self._lock = threading.Lock()
        self._running = False

    # Life cycle -------------------------------------------------------

    def start(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(('127.0.0.1', self.port))
        self.port = sock.getsockname()[1]
        sock.listen(16)
        self._listener = sock
        self._running = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        return self

    def _accept(self):
        listener = self._listener
        while self._running:
            try:
                sock, _ = listener.accept()
            except OSError:
                break
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(self, sock)
            with self._lock:
                self.connections.append(connection)
                self.all_connections.append(connection)
            connection.start()

    def forget(self, connection):
        with self._lock:
            if connection in self.connections:
                self.connections.remove(connection)

    def stop(self):
        self._running = False
        if self._listener:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        for connection in list(self.connections):
            connection.close()
        if self._thread:
            self._thread.join(2)

    def restart(self, down=1.0):
        "The PBX restarts: connections drop, calls vanish, then it is back"
        self.stop()
        self.live.clear()
        time.sleep(down)
        self.start()

    # Traffic ----------------------------------------------------------

    def ready_connections(self):
        return [c for c in list(self.connections)
            if c.authenticated and not c.closed]

    def wait_ready(self, count=1, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.ready_connections()) >= count:
                return True
            time.sleep(0.02)
        return False

    def send_raw(self, data):
        "Send bytes as they are to every logged-in connection"
        for connection in self.ready_connections():
            connection.send(data)

    def send_events(self, events):
        "Send events (lists of (key, value)) and track live channels"
        data = []
        for event in events:
            self._track(event)
            data.append(frame(event))
        self.send_raw(''.join(data))

    def _track(self, event):
        keys = dict(event)
        name = keys.get('Event')
        uniqueid = keys.get('Uniqueid')
        if name == 'Newchannel' and uniqueid:
            self.live[uniqueid] = [
                ('Channel', keys['Channel']),
                ('ChannelState', '6'), ('ChannelStateDesc', 'Up'),
                ('CallerIDNum', keys.get('CallerIDNum', '')),
                ('CallerIDName', keys.get('CallerIDName', '')),
                ('Context', keys.get('Context', '')),
                ('Exten', keys.get('Exten', '')), ('Priority', '1'),
                ('Uniqueid', uniqueid), ('Linkedid', keys['Linkedid']),
                ('Application', 'Queue'), ('ApplicationData', ''),
                ('Duration', '00:00:05'), ('BridgeId', '')]
        elif name == 'Hangup' and uniqueid:
            self.live.pop(uniqueid, None)


_ids = itertools.count(1)


class CallScript:
    """Event sequences of one call, as Asterisk 16, 18 or 20 sends them

    Times are epoch seconds given by the test (events carry ``Timestamp``
    as with ``timestampevents = yes``), so a 70 s wait needs no waiting."""

    def __init__(self, version=20, caller='81998765432', start=None,
            trunk='operadora', queue='matricula', agent='1001',
            timestamps=True):
        self.version = version
        n = next(_ids)
        self.base = '%d.%d' % (int(time.time()), n)
        self.uniqueid = self.base
        self.linkedid = self.base
        self.caller = caller
        self.start = start if start is not None else time.time()
        self.trunk = trunk
        self.queue = queue
        self.agent = agent
        self.timestamps = timestamps
        tech = 'SIP' if version == 16 else 'PJSIP'
        self.tech = tech
        self.channel = '%s/%s-%08x' % (tech, trunk, n)
        self.agent_uniqueid = '%s.9' % self.base
        self.agent_channel = '%s/%s-%08x' % (tech, agent, n + 100000)
        self.interface = '%s/%s' % (tech, agent)

    def _snapshot(self, channel=None, uniqueid=None, prefix=''):
        channel = channel or self.channel
        uniqueid = uniqueid or self.uniqueid
        items = [
            (prefix + 'Channel', channel),
            (prefix + 'ChannelState', '6'),
            (prefix + 'ChannelStateDesc', 'Up'),
            (prefix + 'CallerIDNum', self.caller),
            (prefix + 'CallerIDName', '<unknown>'),
            (prefix + 'ConnectedLineNum', '<unknown>'),
            (prefix + 'ConnectedLineName', '<unknown>'),
            (prefix + 'Language', 'pt_BR'),
            (prefix + 'AccountCode', ''),
            (prefix + 'Context', 'from-pstn'),
            (prefix + 'Exten', '08002860000'),
            (prefix + 'Priority', '1'),
            (prefix + 'Uniqueid', uniqueid),
            (prefix + 'Linkedid', self.linkedid),
            ]
        return items

    def event(self, name, at, *items, channel=None, uniqueid=None,
            snapshot=True):
        event = [('Event', name), ('Privilege', 'call,all')]
        if self.timestamps:
            event.append(('Timestamp', '%.6f' % (self.start + at)))
        if snapshot:
            event += self._snapshot(channel, uniqueid)
        event += list(items)
        return event

    def arrive(self):
        return [
            self.event('Newchannel', 0),
            self.event('VarSet', 0.1, ('Variable', 'MIXMONITOR_FILENAME'),
                ('Value', '/var/spool/asterisk/monitor/%s.wav'
                    % self.uniqueid)),
            self.event('NewExten', 0.2, ('Extension', 's'),
                ('Application', 'Background'), ('AppData', 'ura-boas-vindas')),
            ]

    def join(self, at):
        return [self.event('QueueCallerJoin', at, ('Queue', self.queue),
                ('Position', '1'), ('Count', '1'))]

    def agent_events(self, at, hold):
        agent = self._snapshot(self.agent_channel, self.agent_uniqueid,
            'Dest')
        member = [('Queue', self.queue), ('MemberName', 'Agente %s'
                % self.agent), ('Interface', self.interface)]
        if self.version == 16:
            # Asterisk 16 still sends the agent's name in AgentCalled's
            # "AgentName" and no "Wrapuptime"
            member.append(('AgentName', self.interface))
        return [
            self.event('AgentCalled', at, *agent, *member),
            self.event('AgentConnect', at + 1, *agent, *member,
                ('HoldTime', str(int(hold + 1))), ('RingTime', '1')),
            self.event('BridgeEnter', at + 1, ('BridgeUniqueid', 'b-1'),
                channel=self.agent_channel, uniqueid=self.agent_uniqueid),
            self.member_status(at + 1, in_call=True),
            ]

    def member_status(self, at, in_call=False, paused=False):
        items = [('Event', 'QueueMemberStatus'),
            ('Privilege', 'agent,all')]
        if self.timestamps:
            items.append(('Timestamp', '%.6f' % (self.start + at)))
        items += [('Queue', self.queue),
            ('MemberName', 'Agente %s' % self.agent),
            ('Interface', self.interface),
            ('StateInterface', self.interface),
            ('Membership', 'dynamic'), ('Penalty', '0'),
            ('CallsTaken', '1'), ('LastCall', '0'), ('LastPause', '0'),
            ('Status', '2' if in_call else '1'),
            ('Paused', '1' if paused else '0')]
        if self.version >= 18:
            items.append(('InCall', '1' if in_call else '0'))
        if self.version == 16:
            items.append(('PausedReason', 'almoco' if paused else ''))
        else:
            items += [('PausedReason', 'almoco' if paused else ''),
                ('Wrapuptime', '10'), ('LoginTime', '1700000000')]
        return items

    def complete(self, at, talk, hold, reason='agent'):
        agent = self._snapshot(self.agent_channel, self.agent_uniqueid,
            'Dest')
        return [self.event('AgentComplete', at, *agent,
                ('Queue', self.queue), ('MemberName', 'Agente %s'
                    % self.agent), ('Interface', self.interface),
                ('HoldTime', str(int(hold))), ('TalkTime', str(int(talk))),
                ('Reason', reason))]

    def hangup(self, at):
        return [self.event('Hangup', at, ('Cause', '16'),
                ('Cause-txt', 'Normal Clearing'))]

    def agent_hangup(self, at):
        return [self.event('Hangup', at, ('Cause', '16'),
                ('Cause-txt', 'Normal Clearing'),
                channel=self.agent_channel, uniqueid=self.agent_uniqueid)]

    def cdr(self, at, duration):
        return [[('Event', 'Cdr'), ('Privilege', 'cdr,all'),
                ('Source', self.caller), ('Destination', '08002860000'),
                ('Channel', self.channel), ('Duration', str(int(duration))),
                ('BillableSeconds', str(int(duration))),
                ('Disposition', 'ANSWERED'), ('UniqueID', self.uniqueid)]
            + ([('Timestamp', '%.6f' % (self.start + at))]
                if self.timestamps else [])]

    # Whole scenarios ----------------------------------------------------

    def answered(self, ivr=10, hold=20, talk=120, survey=None):
        at = ivr
        events = self.arrive() + self.join(at)
        events += self.agent_events(at + hold - 1, hold - 1)
        end = at + hold + talk
        events += self.complete(end, talk, hold)
        events += self.agent_hangup(end)
        events.append(self.member_status(end))
        if survey is not None:
            events.append(self.event('UserEvent', end + 8,
                    ('UserEvent', 'SEESurvey'), ('Score', str(survey))))
        events += self.hangup(end + 10)
        events += self.cdr(end + 10, end + 10)
        return events

    def abandoned(self, ivr=10, wait=3):
        at = ivr
        events = self.arrive() + self.join(at)
        events.append(self.event('QueueCallerAbandon', at + wait,
                ('Queue', self.queue), ('Position', '1'),
                ('OriginalPosition', '1'), ('HoldTime', str(int(wait)))))
        events += self.hangup(at + wait)
        events += self.cdr(at + wait, at + wait)
        return events

    def ivr_only(self, ivr=40):
        return self.arrive() + self.hangup(ivr) + self.cdr(ivr, ivr)

    def transferred(self, second_agent='1002', hold=10, talk=30):
        at = 5
        events = self.arrive() + self.join(at)
        events += self.agent_events(at + hold - 1, hold - 1)
        first_end = at + hold + talk
        events.append(self.event('BlindTransfer', first_end,
                ('Result', 'Success'),
                ('TransfererChannel', self.agent_channel),
                ('TransfererUniqueid', self.agent_uniqueid),
                ('TransfererLinkedid', self.linkedid),
                ('TransfereeChannel', self.channel),
                ('TransfereeUniqueid', self.uniqueid),
                ('TransfereeLinkedid', self.linkedid),
                ('IsExternal', 'No'), ('Context', 'agentes'),
                ('Extension', second_agent), snapshot=False))
        events += self.complete(first_end, talk, hold, reason='transfer')
        second = CallScript(self.version, self.caller, self.start,
            self.trunk, self.queue, second_agent, self.timestamps)
        second.uniqueid = self.uniqueid
        second.linkedid = self.linkedid
        second.channel = self.channel
        second.agent_uniqueid = '%s.10' % self.base
        events += [e for e in second.agent_events(first_end + 1, 0)
            if dict(e)['Event'] != 'AgentConnect'] \
            + [second.event('AgentConnect', first_end + 2,
                    *second._snapshot(second.agent_channel,
                        second.agent_uniqueid, 'Dest'),
                    ('Queue', self.queue), ('MemberName', 'Agente 2'),
                    ('Interface', second.interface), ('HoldTime', '0'),
                    ('RingTime', '1'))]
        end = first_end + 2 + talk
        events += second.complete(end, talk, 0)
        events += self.hangup(end)
        return events
