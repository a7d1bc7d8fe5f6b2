# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import re
from zoneinfo import ZoneInfo

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from . import events as ami_events
from .exceptions import TelephonyError


def to_local(at, zone):
    "The naive local time in zone of at, a naive UTC datetime"
    return at.replace(tzinfo=dt.timezone.utc).astimezone(zone).replace(
        tzinfo=None)


def to_utc(at, zone):
    "The naive UTC datetime of at, a naive local time in zone"
    return at.replace(tzinfo=zone).astimezone(dt.timezone.utc).replace(
        tzinfo=None)


AGENT_STATUS = [
    ('free', "Free"),
    ('in_call', "In Call"),
    ('paused', "Paused"),
    ('wrapup', "Wrap-up"),
    ('offline', "Offline"),
    ]


class Server(ServerReadonly, DeactivableMixin, ModelSQL, ModelView):
    "The PBX and the settings of the calls' figures"
    __string__ = "AMI Server"
    __name__ = 'see.ami.server'
    _history = True

    name = fields.Char("Name", required=True)
    host = fields.Char("Host", required=True)
    port = fields.Integer("Port", required=True)
    user = fields.Char("User", required=True)
    secret = fields.Char(
        "Secret", required=True, strip=False,
        help="The AMI password; the connector never writes it in a log.")
    region = fields.Char(
        "Phone Region", required=True,
        help="Region of the numbers received without country code.")
    agent_pattern = fields.Char(
        "Agent Pattern", required=True,
        help="Regular expression on a channel or queue member interface "
        "with a group named \"agent\": the agent's extension.")
    trunk_pattern = fields.Char(
        "Trunk Pattern", required=True,
        help="Regular expression on a channel with a group named "
        "\"trunk\": the trunk of an external call.")
    queue_pattern = fields.Char(
        "Queue Pattern", required=True,
        help="Regular expression on a queue name with a group named "
        "\"queue\".")
    recording_variables = fields.Char(
        "Recording Variables", required=True,
        help="Channel variables, separated by commas, holding the "
        "recording file name.")
    survey_event = fields.Char(
        "Survey UserEvent", required=True,
        help="Name of the UserEvent sent by the post-call survey.")
    originate_context = fields.Char(
        "Originate Context", required=True,
        help="Dialplan context where call-backs dial the requester.")
    dial_prefix = fields.Char(
        "Dial Prefix", strip=False,
        help="Digits dialled before the national number on call-backs.")
    calendar = fields.Many2One(
        'see.sla.calendar', "Service Calendar", ondelete='SET NULL',
        help="An outage of the connection is an incident only in its "
        "service hours; always when empty.")
    incident_minutes = fields.Integer(
        "Incident After (minutes)", required=True,
        help="A connection down for longer opens a platform incident.")
    short_call_seconds = fields.Integer(
        "Short Call (s)", required=True,
        help="An answered call with less talk time is a short call.")
    short_abandon_seconds = fields.Integer(
        "Short Abandon (s)", required=True)
    long_abandon_seconds = fields.Integer(
        "Long Abandon (s)", required=True)
    open_call_hours = fields.Integer(
        "Close Open Calls After (hours)", required=True,
        help="The reconciliation closes calls still open after it.")
    status = fields.Selection([
            ('disconnected', "Disconnected"),
            ('connecting', "Connecting"),
            ('authenticating', "Authenticating"),
            ('ready', "Ready"),
            ], "Connection", readonly=True)
    status_string = status.translated('status')
    status_date = fields.DateTime("Connection Since", readonly=True)
    heartbeat_date = fields.DateTime(
        "Connector Seen", readonly=True,
        help="The last report of the AMI connector (every few seconds): "
        "the health check fails when it is older than "
        "[see_telefonia] heartbeat_timeout seconds.")
    last_event_date = fields.DateTime(
        "Last Event", readonly=True,
        help="When the connector last received events from the PBX.")
    spool_bytes = fields.Integer(
        "Spooled Bytes", readonly=True,
        help="Events the connector keeps on its disk until the database "
        "takes them.")
    incident = fields.Many2One(
        'see.platform.incident', "Open Incident", readonly=True,
        ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('name_unique', Unique(t, t.name),
                'see_telefonia.msg_server_name_unique'),
            ]

    @staticmethod
    def default_port():
        return 5038

    @staticmethod
    def default_region():
        return 'BR'

    @staticmethod
    def default_agent_pattern():
        return ami_events.DEFAULT_AGENT_PATTERN

    @staticmethod
    def default_trunk_pattern():
        return ami_events.DEFAULT_TRUNK_PATTERN

    @staticmethod
    def default_queue_pattern():
        return ami_events.DEFAULT_QUEUE_PATTERN

    @staticmethod
    def default_recording_variables():
        return ami_events.DEFAULT_RECORDING_VARIABLES

    @staticmethod
    def default_survey_event():
        return ami_events.DEFAULT_SURVEY_EVENT

    @staticmethod
    def default_originate_context():
        return 'see-callback'

    @staticmethod
    def default_incident_minutes():
        return 5

    @staticmethod
    def default_short_call_seconds():
        return 10

    @staticmethod
    def default_short_abandon_seconds():
        return 5

    @staticmethod
    def default_long_abandon_seconds():
        return 60

    @staticmethod
    def default_open_call_hours():
        return 4

    @staticmethod
    def default_status():
        return 'disconnected'

    @classmethod
    def validate_fields(cls, servers, field_names):
        super().validate_fields(servers, field_names)
        groups = {'agent_pattern': 'agent', 'trunk_pattern': 'trunk',
            'queue_pattern': 'queue'}
        for server in servers:
            for name, group in groups.items():
                try:
                    regex = re.compile(getattr(server, name))
                except re.error:
                    regex = None
                if regex is None or group not in regex.groupindex:
                    raise TelephonyError(gettext(
                            'see_telefonia.msg_server_pattern',
                            field=cls._fields[name].string,
                            group=group))

    def settings(self):
        "The parsing settings of the connector"
        return ami_events.Settings(
            agent_pattern=self.agent_pattern,
            trunk_pattern=self.trunk_pattern,
            queue_pattern=self.queue_pattern,
            recording_variables=self.recording_variables,
            survey_event=self.survey_event,
            region=self.region or 'BR')

    @property
    def zone(self):
        """The agency's time zone: the zone of the server's service
        calendar, else the calendars' default zone

        Read from the calendar so that the local days of the calls (the
        panel's today, the archive's months and folders) are those of the
        service hours and of the measurement: one setting, not a second
        time zone field that could disagree with it."""
        pool = Pool()
        Calendar = pool.get('see.sla.calendar')
        if self.calendar:
            return self.calendar.zone
        return ZoneInfo(Calendar.default_timezone())

    @classmethod
    def agency_zone(cls):
        "The zone of the first active server (the default without one)"
        pool = Pool()
        Calendar = pool.get('see.sla.calendar')
        # The zone is no secret: the users of the figures who may not read
        # the PBX's settings (the contract manager) need it too
        with without_check_access():
            servers = cls.search([], order=[('id', 'ASC')], limit=1)
        if servers:
            return servers[0].zone
        return Calendar.agency_zone()

    def member_interfaces(self):
        """Return member(text): the interface of the known agent written
        text in Asterisk's queue_log, or None

        The agent column holds the interface ("PJSIP/1003") or, with
        queues configured by member name, the name ("Agente 1003"): a
        name is matched to the agent's member name, user's name or
        extension.  An unknown interface is kept as written; an unknown
        name gives None (no agent is made up from a name)."""
        pool = Pool()
        Agent = pool.get('see.telephony.agent')
        settings = self.settings()
        agents = Agent.search([('server', '=', self.id)])
        by_interface = {a.interface.lower(): a.interface for a in agents}
        by_extension, by_name = {}, {}
        for agent in agents:
            extensions = {agent.extension, settings.agent(agent.interface)}
            for extension in filter(None, extensions):
                by_extension.setdefault(extension, set()).add(
                    agent.interface)
            for name in filter(None, [agent.name,
                        agent.user.name if agent.user else None]):
                by_name.setdefault(name.strip().lower(), set()).add(
                    agent.interface)

        def one(interfaces):
            return next(iter(interfaces)) if len(interfaces or ()) == 1 \
                else None

        def member(text):
            text = (text or '').strip()
            if not text:
                return None
            if text.lower() in by_interface:
                return by_interface[text.lower()]
            extension = settings.agent(text)
            if extension:
                return one(by_extension.get(extension)) or text
            found = one(by_name.get(text.lower()))
            if found:
                return found
            numbers = re.findall(r'\d{2,8}', text)
            if len(numbers) == 1:
                return one(by_extension.get(numbers[0]))
            return None
        return member

    def connector_settings(self):
        "Everything the connector reads from the database at start"
        return {
            'id': self.id,
            'host': self.host,
            'port': self.port,
            'user': self.user,
            'secret': self.secret,
            'settings': {
                'agent_pattern': self.agent_pattern,
                'trunk_pattern': self.trunk_pattern,
                'queue_pattern': self.queue_pattern,
                'recording_variables': self.recording_variables,
                'survey_event': self.survey_event,
                'region': self.region,
                },
            }

    @classmethod
    def set_status(cls, server_id, status, down_since=None):
        """Record the connection state; open or end the platform incident

        Called by the connector.  An outage longer than incident_minutes
        in service hours opens a see.platform.incident (component
        telephony); the incident ends when the connection is ready."""
        pool = Pool()
        Incident = pool.get('see.platform.incident')
        server = cls(server_id)
        now = dt.datetime.now()
        values = {}
        if server.status != status:
            values.update(status=status, status_date=now)
        if status == 'ready':
            if server.incident and not server.incident.end:
                Incident.write([server.incident], {'end': now})
                values['incident'] = None
        elif down_since and not server.incident:
            minutes = (now - down_since).total_seconds() / 60
            if (minutes >= server.incident_minutes
                    and server.in_service_hours(down_since, now)):
                incident, = Incident.create([{
                            'description': gettext(
                                'see_telefonia.msg_incident_description',
                                server=server.name),
                            'component': 'telephony',
                            'start': down_since,
                            'detected_by': None,
                            'notes': gettext(
                                'see_telefonia.msg_incident_notes'),
                            }])
                values['incident'] = incident.id
        if values:
            cls.write([server], values)

    @classmethod
    def heartbeat(cls, server_id, spool_bytes, last_event=None):
        """The connector is alive: its spool and last event (called by it
        every few seconds, so written in place, without a version in the
        history, which keeps the changes of the settings)"""
        table = cls.__table__()
        columns = [table.heartbeat_date, table.spool_bytes]
        values = [dt.datetime.now(), spool_bytes]
        if last_event:
            columns.append(table.last_event_date)
            values.append(last_event)
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(columns, values,
                where=table.id == server_id))

    def in_service_hours(self, start, end):
        if not self.calendar:
            return True
        for low, high in self.calendar.service_intervals(
                start.date(), end.date()):
            if low < end and high > start:
                return True
        return False


class Queue(ServerReadonly, DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Call Queue"
    __name__ = 'see.telephony.queue'
    _history = True

    server = fields.Many2One(
        'see.ami.server', "AMI Server", required=True, ondelete='CASCADE')
    name = fields.Char(
        "Name", required=True, help="The queue's name on the PBX.")
    description = fields.Char("Description")
    service = fields.Many2One(
        'see.service', "Service", ondelete='SET NULL',
        help="The service the callers of this queue ask about.")
    target_seconds = fields.Integer(
        "Answer Target (s)", required=True,
        help="The service level counts calls answered within it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('name_unique', Unique(t, t.server, t.name),
                'see_telefonia.msg_queue_name_unique'),
            ]
        cls._order = [('name', 'ASC'), ('id', 'ASC')]

    @staticmethod
    def default_target_seconds():
        return 60

    def get_rec_name(self, name):
        return self.description or self.name


class Agent(ServerReadonly, ModelSQL, ModelView):
    """The user answering at a PBX interface

    The mapping is kept in the history (it assigns calls to agents); the
    live status, written by the connector, is not."""
    __string__ = "Telephony Agent"
    __name__ = 'see.telephony.agent'
    _history = True

    server = fields.Many2One(
        'see.ami.server', "AMI Server", required=True, ondelete='CASCADE')
    interface = fields.Char(
        "Interface", required=True,
        help="The queue member interface, for example PJSIP/1001.")
    extension = fields.Char(
        "Extension", help="Dialled to reach the agent on call-backs.")
    name = fields.Char("Member Name", readonly=True)
    user = fields.Many2One(
        'res.user', "User", ondelete='SET NULL',
        help="The agent who answers at this interface.")
    status = fields.Selection(
        AGENT_STATUS, "Status", readonly=True)
    paused_reason = fields.Char("Pause Reason", readonly=True)
    status_date = fields.DateTime("Status Since", readonly=True)
    last_call_end = fields.DateTime("Last Call End", readonly=True)
    wrapup_seconds = fields.Integer("Wrap-up (s)")
    queue_name = fields.Char("Last Queue", readonly=True)
    live_status = fields.Function(
        fields.Selection(AGENT_STATUS, "Live Status"), 'get_live_status')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('interface_unique', Unique(t, t.server, t.interface),
                'see_telefonia.msg_agent_interface_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.user, Index.Equality())))
        cls._order = [('interface', 'ASC'), ('id', 'ASC')]

    @staticmethod
    def default_status():
        return 'offline'

    @staticmethod
    def default_wrapup_seconds():
        return 0

    def get_live_status(self, name):
        "Free agents are in wrap-up for wrapup_seconds after a call"
        if (self.status == 'free' and self.last_call_end
                and self.wrapup_seconds):
            if (dt.datetime.now() - self.last_call_end
                    < dt.timedelta(seconds=self.wrapup_seconds)):
                return 'wrapup'
        return self.status

    def get_rec_name(self, name):
        if self.user:
            return '%s (%s)' % (self.user.rec_name, self.interface)
        return self.interface

    @classmethod
    def user_interface(cls, user_id):
        "The agent record of the user, or None"
        agents = cls.search([('user', '=', user_id)], limit=1)
        return agents[0] if agents else None


class OriginateRequest(ServerReadonly, Workflow, ModelSQL, ModelView):
    """A call-back asked from a protocol, sent once by the connector

    Its state moves only through the transitions, run by the connector."""
    __string__ = "Call-back Request"
    __name__ = 'see.telephony.originate'

    server = fields.Many2One(
        'see.ami.server', "AMI Server", required=True, ondelete='CASCADE')
    protocol = fields.Many2One(
        'see.protocol', "Protocol", ondelete='CASCADE', readonly=True)
    user = fields.Many2One('res.user', "Agent", readonly=True)
    channel = fields.Char("Agent Channel", readonly=True)
    number = fields.Char("Number", readonly=True)
    exten = fields.Char("Dialled", readonly=True)
    state = fields.Selection([
            ('pending', "Pending"),
            ('sent', "Sent"),
            ('done', "Accepted by the PBX"),
            ('failed', "Failed"),
            ('unknown', "Unknown"),
            ], "State", readonly=True,
        help="\"Unknown\": the connection was lost after sending; the "
        "request is never sent again by itself.")
    message = fields.Char("Message", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.state, Index.Equality(
                        cardinality='low')),
                where=t.state.in_(['pending', 'sent'])))
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('pending', 'sent'),
            ('sent', 'done'),
            ('sent', 'failed'),
            ('sent', 'unknown'),
            # An answer of the PBX that came after the connection dropped
            ('unknown', 'done'),
            ('unknown', 'failed'),
            }

    @staticmethod
    def default_state():
        return 'pending'

    @classmethod
    @Workflow.transition('sent')
    def send(cls, requests):
        pass

    @classmethod
    @Workflow.transition('done')
    def succeed(cls, requests):
        pass

    @classmethod
    @Workflow.transition('failed')
    def fail(cls, requests):
        pass

    @classmethod
    @Workflow.transition('unknown')
    def lose(cls, requests):
        pass

    @classmethod
    def take_pending(cls, server_id):
        """Mark pending requests as sent and return what to send

        The state is committed before the Originate goes out, so a request
        is sent at most once."""
        requests = cls.search([
                ('server', '=', server_id),
                ('state', '=', 'pending'),
                ])
        if not requests:
            return []
        cls.send(requests)
        return [{
                'id': r.id,
                'channel': r.channel,
                'exten': r.exten,
                'context': r.server.originate_context,
                'protocol': r.protocol.number if r.protocol else '',
                'number': r.number,
                } for r in requests]

    @classmethod
    def set_result(cls, request_id, ok, message=None):
        requests = cls.search([('id', '=', request_id)])
        if requests:
            if ok:
                cls.succeed(requests)
            else:
                cls.fail(requests)
            cls.write(requests, {'message': message})

    @classmethod
    def lost(cls, server_id):
        "Requests sent without answer when the connection dropped"
        requests = cls.search([
                ('server', '=', server_id),
                ('state', '=', 'sent'),
                ])
        if requests:
            cls.lose(requests)

