# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Turn AMI events into changes of calls and agents.

Pure functions: nothing here touches the database or the network, so the
connector, the queue_log import and the tests share them.  An event is a
dict with lower-cased keys (Asterisk spells ``Uniqueid``, ``UniqueID`` or
``Linkedid`` depending on the event and the version) plus ``_time``, the
epoch seconds of the event (its ``Timestamp`` when ``timestampevents`` is
on, else the reception time).

Every change is a *patch* whose fields are merged with a fixed rule
(earliest time, first value, last value), so a replayed, duplicated or
out-of-order event gives the same row: the state of a call is derived from
its times, never from the order in which events came.
"""
import datetime as dt
import functools
import re
from dataclasses import dataclass, field

try:
    import phonenumbers
except ImportError:  # pragma: no cover
    phonenumbers = None

# Merge rule of each field of see.call
EARLIEST = {'arrival_date', 'queue_date', 'queue_exit_date', 'answer_date',
    'complete_date', 'hangup_date'}
FIRST = {'uniqueid', 'direction', 'caller', 'caller_name', 'dialled', 'trunk',
    'queue_name', 'queue_exit', 'hangup_cause', 'recording'}
LAST = {'agent_interface', 'survey_score', 'closed_by'}
ANY = {'transferred'}
LATEST = {'last_event_date'}
CALL_FIELDS = sorted(EARLIEST | FIRST | LAST | ANY | LATEST)

# Events handled, by the AMI class that carries them (for the login mask)
EVENT_NAMES = {
    'newchannel', 'newexten', 'varset', 'queuecallerjoin', 'join',
    'agentcalled', 'agentconnect', 'agentcomplete', 'queuecallerabandon',
    'queuecallerleave', 'leave', 'bridgeenter', 'blindtransfer',
    'attendedtransfer', 'hangup', 'cdr', 'queuememberstatus',
    'queuememberpause', 'queuememberpaused', 'queuememberadded',
    'queuememberremoved', 'userevent', 'fullybooted', 'coreshowchannel',
    'coreshowchannelscomplete', 'queueparams', 'queuemember', 'queueentry',
    'queuestatuscomplete', 'shutdown',
    }
EVENT_MASK = 'system,call,dialplan,agent,user,cdr'
FILTER_EVENTS = ['Newchannel', 'NewExten', 'VarSet', 'QueueCallerJoin',
    'Join', 'AgentCalled', 'AgentConnect', 'AgentComplete',
    'QueueCallerAbandon', 'QueueCallerLeave', 'Leave', 'BridgeEnter',
    'BlindTransfer', 'AttendedTransfer', 'Hangup', 'Cdr',
    'QueueMemberStatus', 'QueueMemberPause', 'QueueMemberPaused',
    'QueueMemberAdded', 'QueueMemberRemoved', 'UserEvent', 'FullyBooted',
    'Shutdown', 'CoreShowChannel', 'CoreShowChannelsComplete',
    'QueueParams', 'QueueMember', 'QueueEntry', 'QueueStatusComplete']

DEFAULT_AGENT_PATTERN = (
    r'^(?:PJSIP|SIP|IAX2|Local|Agent)/(?P<agent>\d{2,8})(?=$|[-@;/])')
DEFAULT_TRUNK_PATTERN = (
    r'^(?:PJSIP|SIP|IAX2|DAHDI)/(?P<trunk>[A-Za-z][\w.]*|i\d+)(?=-|/)')
DEFAULT_QUEUE_PATTERN = r'^(?P<queue>.+)$'
DEFAULT_RECORDING_VARIABLES = 'MIXMONITOR_FILENAME,SEE_RECORDING'
DEFAULT_SURVEY_EVENT = 'SEESurvey'

# Device states of QueueMemberStatus (Asterisk's ast_device_state)
IN_CALL_STATUS = {'2', '3', '6', '7', '8'}
OFFLINE_STATUS = {'4', '5'}


# Keys whose values never reach a log (the AMI Login's Secret, a
# variable holding a password...)
SECRET_KEY = re.compile(r'secret|pass|token|auth|key', re.IGNORECASE)
LOG_LIMIT = 500


def loggable(frame, limit=LOG_LIMIT):
    """The text of a frame (or of an event dict) for a log: one line,
    the values of secret-like keys masked, at most about limit characters"""
    if isinstance(frame, dict):
        frame = '\r\n'.join('%s: %s' % (k, v) for k, v in frame.items()
            if not str(k).startswith('_'))
    elif isinstance(frame, (bytes, bytearray)):
        frame = bytes(frame).decode('utf-8', 'replace')
    elif not isinstance(frame, str):
        frame = str(frame)
    size = len(frame)
    # Masked before cutting, so that a cut never uncovers a secret
    lines = []
    for line in frame[:limit * 4].splitlines():
        key, sep, value = line.partition(':')
        if sep and SECRET_KEY.search(key):
            line = '%s: ********' % key
        lines.append(line)
    text = repr('\r\n'.join(lines))[1:-1]
    if len(text) > limit or size > limit * 4:
        text = '%s... (%d characters)' % (text[:limit], size)
    return text


class MalformedEvent(ValueError):
    "An event that lacks what identifies its call"


@dataclass
class Settings:
    "How channels, agents, queues and trunks are read on one PBX"
    agent_pattern: str = DEFAULT_AGENT_PATTERN
    trunk_pattern: str = DEFAULT_TRUNK_PATTERN
    queue_pattern: str = DEFAULT_QUEUE_PATTERN
    recording_variables: str = DEFAULT_RECORDING_VARIABLES
    survey_event: str = DEFAULT_SURVEY_EVENT
    region: str = 'BR'
    _compiled: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, values):
        known = {k: v for k, v in (values or {}).items()
            if k in cls.__dataclass_fields__ and not k.startswith('_')
            and v}
        return cls(**known)

    def regex(self, name):
        if name not in self._compiled:
            self._compiled[name] = re.compile(getattr(self, name))
        return self._compiled[name]

    @property
    def recording_names(self):
        return {v.strip().lower()
            for v in self.recording_variables.split(',') if v.strip()}

    def agent(self, channel):
        "The agent's extension of a channel or interface, or None"
        match = self.regex('agent_pattern').search(channel or '')
        return match.group('agent') if match else None

    def trunk(self, channel):
        match = self.regex('trunk_pattern').search(channel or '')
        return match.group('trunk') if match else None

    def queue(self, name):
        match = self.regex('queue_pattern').search(name or '')
        return match.group('queue') if match else None

    def phone(self, number):
        "The number in E.164 when it is a valid phone, else as received"
        if not number or number in {'<unknown>', 's'}:
            return None
        return _e164(number, self.region)


@functools.lru_cache(maxsize=100000)
def _e164(number, region):
    # Not see_atendimento's normalize_phone: importing that module would
    # load the web stack before the connector has read its configuration
    if phonenumbers is not None:
        try:
            parsed = phonenumbers.parse(number, region)
            if phonenumbers.is_valid_number(parsed):
                return phonenumbers.format_number(
                    parsed, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            pass
    return number


def event_time(stamp, received=None):
    "The epoch of an event: its Timestamp, else received"
    try:
        return float(stamp) if stamp else received
    except ValueError:
        return received


def normalize(keys, received=None):
    "Return an event dict with lower-cased keys and its time"
    event = {k.lower(): v for k, v in keys.items()}
    event['_time'] = event_time(event.get('timestamp'),
        float(received) if received else None)
    return event


def to_datetime(epoch):
    "Naive UTC datetime, as Tryton stores them"
    # The same value as fromtimestamp(epoch, utc) without its tzinfo,
    # several times faster: it is called for every event (deprecated from
    # Python 3.12, where EPOCH + timedelta(seconds=epoch) is the next best)
    return dt.datetime.utcfromtimestamp(epoch)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Result:
    "What a batch of events changes"

    def __init__(self):
        self.calls = {}          # linkedid -> patch
        self.agents = {}         # interface -> patch
        self.screen_pops = []    # (linkedid, interface)
        self.surveys = []        # (linkedid, score)
        self.live = None         # set of linkedids alive, after a resync
        self.live_queue = {}     # linkedid -> (queue, wait seconds)
        self.booted = False
        self.cdrs = []           # (uniqueid, time) of CDRs, for missed hangups
        self.errors = []         # (reason, event)

    def call(self, linkedid):
        return self.calls.setdefault(linkedid, {})

    def merge(self, linkedid, values):
        patch = self.call(linkedid)
        for name, value in values.items():
            if value is None:
                continue
            old = patch.get(name)
            if old is None:
                patch[name] = value
            elif name in EARLIEST:
                patch[name] = min(old, value)
            elif name in LATEST:
                patch[name] = max(old, value)
            elif name in LAST:
                patch[name] = value
            elif name in ANY:
                patch[name] = old or value
            # FIRST keeps the old value

    def call_end(self, interface, when):
        """The agent's call ended (AgentComplete): free unless another
        status came after the call started; the database frees an agent
        in call from an earlier batch (store.merge_agents)"""
        patch = self.agents.get(interface) or {}
        values = {'last_call_end': when}
        if (patch.get('status') == 'in_call' and when
                and (patch.get('status_date') or when) <= when):
            values.update(status='free', status_date=when)
        self.agent(interface, values)

    def agent(self, interface, values):
        patch = self.agents.setdefault(interface, {})
        for name, value in values.items():
            if value is not None:
                patch[name] = value


def _ids(event):
    uniqueid = event.get('uniqueid')
    linkedid = event.get('linkedid') or uniqueid
    if not uniqueid or not linkedid:
        raise MalformedEvent("no Uniqueid/Linkedid")
    return uniqueid, linkedid


def apply(result, event, settings):
    """Apply one normalized event to result

    Raise MalformedEvent when a call event lacks its identifiers; return
    False for an event that is not handled."""
    name = (event.get('event') or '').lower()
    if name not in EVENT_NAMES:
        return False
    time_ = event.get('_time')
    when = to_datetime(time_) if time_ else None
    if name in {'fullybooted'}:
        result.booted = True
        return True
    if name == 'shutdown':
        return True
    if name in {'queuememberstatus', 'queuememberpause', 'queuememberpaused',
            'queuememberadded', 'queuememberremoved', 'queuemember'}:
        _member(result, event, settings, name, when)
        return True
    if name == 'coreshowchannel':
        if result.live is None:
            result.live = set()
        uniqueid, linkedid = _ids(event)
        result.live.add(linkedid)
        if uniqueid == linkedid:
            duration = _parse_duration(event.get('duration'))
            values = _origin(event, settings)
            if when and duration is not None:
                values['arrival_date'] = when - dt.timedelta(seconds=duration)
            values['uniqueid'] = uniqueid
            result.merge(linkedid, values)
        return True
    if name == 'coreshowchannelscomplete':
        if result.live is None:
            result.live = set()
        return True
    if name in {'queueparams', 'queuestatuscomplete'}:
        return True
    if name == 'queueentry':
        return True
    if name == 'cdr':
        uniqueid = event.get('uniqueid')
        if not uniqueid:
            raise MalformedEvent("no UniqueID")
        result.cdrs.append((uniqueid, when))
        return True
    if name == 'blindtransfer':
        linkedid = (event.get('transfereelinkedid')
            or event.get('transfererlinkedid'))
        if not linkedid:
            raise MalformedEvent("no TransfereeLinkedid")
        result.merge(linkedid, {
                'transferred': True, 'last_event_date': when})
        return True
    if name == 'attendedtransfer':
        linkedid = (event.get('origtransfererlinkedid')
            or event.get('transfereelinkedid'))
        if not linkedid:
            raise MalformedEvent("no OrigTransfererLinkedid")
        result.merge(linkedid, {
                'transferred': True, 'last_event_date': when})
        return True

    uniqueid, linkedid = _ids(event)
    origin = uniqueid == linkedid
    values = {'last_event_date': when}
    if name == 'newchannel':
        if origin:
            values.update(_origin(event, settings))
            values['uniqueid'] = uniqueid
            values['arrival_date'] = when
    elif name == 'varset':
        variable = (event.get('variable') or '').lower()
        if variable in settings.recording_names and event.get('value'):
            values['recording'] = event['value']
    elif name == 'newexten':
        pass
    elif name in {'queuecallerjoin', 'join'}:
        values['queue_name'] = settings.queue(event.get('queue'))
        values['queue_date'] = when
    elif name == 'agentcalled':
        pass
    elif name == 'agentconnect':
        interface = event.get('interface') or event.get('membername')
        hold = _int(event.get('holdtime'))
        values['agent_interface'] = interface
        values['answer_date'] = when
        values['queue_exit_date'] = when
        values['queue_exit'] = 'connect'
        values['queue_name'] = settings.queue(event.get('queue'))
        if hold is not None and when:
            values['queue_date'] = when - dt.timedelta(seconds=hold)
        result.screen_pops.append((linkedid, interface))
        if interface:
            result.agent(interface, {'status': 'in_call',
                    'status_date': when})
    elif name == 'agentcomplete':
        values['complete_date'] = when
        values['agent_interface'] = (
            event.get('interface') or event.get('membername'))
        interface = event.get('interface') or event.get('membername')
        if interface:
            result.call_end(interface, when)
        if (event.get('reason') or '').lower() == 'transfer':
            values['transferred'] = True
    elif name == 'queuecallerabandon':
        values['queue_exit_date'] = when
        values['queue_exit'] = 'abandon'
        hold = _int(event.get('holdtime'))
        if hold is not None and when:
            values['queue_date'] = when - dt.timedelta(seconds=hold)
    elif name in {'queuecallerleave', 'leave'}:
        values['queue_exit_date'] = when
    elif name == 'bridgeenter':
        if not origin:
            values['answer_date'] = when
    elif name == 'hangup':
        if origin:
            values['hangup_date'] = when
            values['hangup_cause'] = event.get('cause-txt') or event.get(
                'cause')
            values['closed_by'] = 'hangup'
    elif name == 'userevent':
        if (event.get('userevent') or '').lower() \
                == settings.survey_event.lower():
            score = _int(event.get('score'))
            call = event.get('calllinkedid') or linkedid
            if score is None or not 0 <= score <= 10:
                raise MalformedEvent("survey score out of 0-10")
            # Stored on the call if it exists: a survey sent from another
            # channel (CallLinkedid) creates no call of that channel
            result.surveys.append((call, score))
            if call != linkedid:
                return True
        else:
            return False
    result.merge(linkedid, values)
    return True


def _origin(event, settings):
    "Direction, numbers and trunk of the channel that started a call"
    channel = event.get('channel') or ''
    trunk = settings.trunk(channel)
    agent = settings.agent(channel)
    exten = event.get('exten')
    number = event.get('calleridnum')
    if trunk and not agent:
        return {
            'direction': 'inbound',
            'trunk': trunk,
            'caller': settings.phone(number),
            'caller_name': _clean(event.get('calleridname')),
            'dialled': exten if exten and exten != 's' else None,
            }
    if agent:
        external = exten and len(exten) > 6
        return {
            'direction': 'outbound' if external else 'internal',
            'caller': settings.phone(exten) if external else None,
            'dialled': exten,
            'agent_interface': channel.rsplit('-', 1)[0],
            }
    return {
        'direction': 'inbound',
        'caller': settings.phone(number),
        'caller_name': _clean(event.get('calleridname')),
        'dialled': exten if exten and exten != 's' else None,
        }


def _clean(name):
    if not name or name in {'<unknown>', 'unknown'}:
        return None
    return name


def _parse_duration(value):
    "Seconds of CoreShowChannel's Duration (HH:MM:SS or seconds)"
    if not value:
        return None
    if ':' in value:
        try:
            h, m, s = (int(p) for p in value.split(':'))
        except ValueError:
            return None
        return h * 3600 + m * 60 + s
    return _int(value)


def _member(result, event, settings, name, when):
    interface = (event.get('interface') or event.get('location')
        or event.get('stateinterface'))
    if not interface:
        raise MalformedEvent("no Interface")
    values = {
        'name': event.get('membername') or event.get('name'),
        'status_date': when,
        'queue_name': settings.queue(event.get('queue')),
        }
    paused = event.get('paused')
    status = event.get('status')
    incall = event.get('incall')
    if name == 'queuememberremoved':
        values['status'] = 'offline'
    elif paused == '1':
        values['status'] = 'paused'
        values['paused_reason'] = (event.get('pausedreason')
            or event.get('reason') or '')
    elif incall == '1' or status in IN_CALL_STATUS:
        values['status'] = 'in_call'
    elif status in OFFLINE_STATUS:
        values['status'] = 'offline'
    else:
        values['status'] = 'free'
        values['paused_reason'] = ''
    wrapup = _int(event.get('wrapuptime'))
    if wrapup is not None:
        values['wrapup_seconds'] = wrapup
    result.agent(interface, values)


def queue_log_events(line, settings, member=None):
    """Return (linkedid, values) from one queue_log line, or None

    A line is ``time|callid|queue|agent|event|data1|data2|...`` as Asterisk
    writes it in ``/var/log/asterisk/queue_log`` (or the same columns of
    the ``queue_log`` table).  member(text) returns the interface of the
    agent column (an interface or the member's name), None if unknown."""
    member = member or (lambda text: text if settings.agent(text) else None)
    parts = line.rstrip('\r\n').split('|')
    if len(parts) < 5:
        return None
    stamp, callid, queue, agent, verb = parts[:5]
    data = parts[5:]
    try:
        when = to_datetime(float(stamp))
    except ValueError:
        return None
    if not callid or callid == 'NONE':
        return None
    queue = settings.queue(queue) if queue and queue != 'NONE' else None
    verb = verb.upper()

    def num(i):
        return _int(data[i]) if len(data) > i else None

    interface = member(agent) if agent and agent != 'NONE' else None
    values = {'queue_name': queue, 'uniqueid': callid}
    if verb == 'ENTERQUEUE':
        values['queue_date'] = when
        values['direction'] = 'inbound'
        if len(data) > 1 and data[1]:
            values['caller'] = settings.phone(data[1])
    elif verb == 'CONNECT':
        hold = num(0)
        values['answer_date'] = when
        values['queue_exit_date'] = when
        values['queue_exit'] = 'connect'
        values['agent_interface'] = interface
        if hold is not None:
            values['queue_date'] = when - dt.timedelta(seconds=hold)
    elif verb in {'COMPLETEAGENT', 'COMPLETECALLER'}:
        hold, talk = num(0), num(1)
        values['complete_date'] = when
        values['hangup_date'] = when
        values['closed_by'] = 'queue_log'
        values['agent_interface'] = interface
        if talk is not None:
            values['answer_date'] = when - dt.timedelta(seconds=talk)
            if hold is not None:
                values['queue_date'] = when - dt.timedelta(
                    seconds=talk + hold)
    elif verb in {'ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY'}:
        # ABANDON|position|origposition|waittime
        # EXITWITHTIMEOUT|position|origposition|waittime
        # queue_log has no hangup: the call is closed when it leaves the
        # queue unanswered (an AMI Hangup, of higher rank, wins)
        wait = num(2)
        values['queue_exit_date'] = when
        values['hangup_date'] = when
        values['queue_exit'] = ('abandon' if verb == 'ABANDON'
            else 'timeout')
        values['closed_by'] = 'queue_log'
        if wait is not None:
            values['queue_date'] = when - dt.timedelta(seconds=wait)
    elif verb in {'BLINDTRANSFER', 'ATTENDEDTRANSFER'}:
        values['transferred'] = True
    else:
        return None
    if values.get('queue_date'):
        # queue_log does not see the IVR: the call arrived at the latest
        # when it entered the queue (an earlier arrival from AMI wins)
        values['arrival_date'] = values['queue_date']
        values['direction'] = 'inbound'
    values['last_event_date'] = when
    return callid, {k: v for k, v in values.items() if v is not None}
