# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Webchat conversations and their transcripts.

A citizen opens a `see.chat.session` through the public routes (no Tryton
user: the conversation is reached by an unguessable token whose hash only
is stored); an agent accepts it from the console, which creates the
`see.protocol` of channel webchat (billed once, however many messages), and
every message is a `see.chat.message` kept for the life of the contract.
The conversation records facts only (its interactions, its end, whether
it awaits SEE-PE): the rules of Annex A 5.1-5.3 that decide what is
realized, attended and billable belong to see_sla's contract, and sla.py
shows them when see_sla is activated.
"""
import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets

from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.exceptions import AccessError
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.modules.see_atendimento.shown import (
    ShownIdentityMixin, shown_field)
from trytond.modules.see_atendimento.protocol import StepWorkflow
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from . import notify
from .exceptions import (
    AttachmentError, ChatError, ChatValidationError, MessageSizeError,
    RateLimitError, TokenError)

WAITING_STATES = {'waiting'}
# How often the presence of an agent and of a citizen is written
HEARTBEAT = dt.timedelta(seconds=15)
# The conversation with an agent is over in these states
ENDED_STATES = {'survey', 'closed'}
MAGIC = {
    'image/png': [b'\x89PNG\r\n\x1a\n'],
    'image/jpeg': [b'\xff\xd8\xff'],
    'image/gif': [b'GIF87a', b'GIF89a'],
    'application/pdf': [b'%PDF-'],
    'text/plain': [],
    }


def hash_token(token):
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


def hash_address(address):
    return hashlib.sha256(
        ('see_webchat:' + (address or '')).encode('utf-8')).hexdigest()[:40]


def _config():
    return Pool().get('see.chat.configuration').settings()


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('see.chat.session|abandon_stale',
                    "Abandon Webchat Conversations Left Waiting"),
                ('see.chat.session|close_unanswered',
                    "Close Webchat Conversations Whose Quality Question "
                    "Went Unanswered"),
                ('see.chat.address.rate|clean',
                    "Forget Old Webchat Request Counts"),
                ])


class Session(
        ServerReadonly, ShownIdentityMixin, StepWorkflow, ModelSQL,
        ModelView):
    """A conversation moves only through its transitions (`activate`,
    `conclude`, `close`, `abandon`), run by the chat: the citizen's routes,
    the agent's console and the scheduled tasks. Every field is read-only
    for a user: what Annex A counts (dates, interactions, the conclusion
    flags) is written by the chat only."""
    __string__ = "Webchat Conversation"
    __name__ = 'see.chat.session'
    _rec_name = 'requester_name'
    # Who changed what and when: the auditor reads the revisions. Tryton's
    # model log would only repeat them; the presence of the citizen and the
    # count of interactions are updated in SQL, off the history (the
    # messages are the record of those)
    _history = True
    _log = False

    token_hash = fields.Char("Access Hash", readonly=True, required=True)
    expire_date = fields.DateTime("Access Expires", readonly=True,
        required=True)
    address_hash = fields.Char("Address Hash", readonly=True)
    requester_name = fields.Char("Requester Name", readonly=True,
        required=True)
    requester_phone = fields.Char("Requester Phone", readonly=True,
        required=True)
    requester_cpf = fields.Char("Requester CPF", readonly=True)
    _shown_kinds = {'requester_phone': 'phone', 'requester_cpf': 'cpf'}
    requester_phone_shown = shown_field("Requester Phone", 'phone')
    requester_cpf_shown = shown_field("Requester CPF", 'cpf')
    consent_date = fields.DateTime(
        "Privacy Notice Accepted", readonly=True, required=True,
        help="When the citizen accepted the LGPD notice.")
    service = fields.Many2One(
        'see.service', "Service", readonly=True, required=True,
        ondelete='RESTRICT')
    state = fields.Selection([
            ('waiting', "Waiting"),
            ('active', "In Attendance"),
            ('survey', "Quality Question"),
            ('closed', "Closed"),
            ('abandoned', "Abandoned"),
            ], "State", readonly=True, required=True, sort=False)
    agent = fields.Many2One(
        'res.user', "Agent", readonly=True, ondelete='RESTRICT')
    protocol = fields.Many2One(
        'see.protocol', "Protocol", readonly=True, ondelete='RESTRICT')
    start_date = fields.DateTime("Start", readonly=True, required=True)
    citizen_seen = fields.DateTime(
        "Citizen Last Seen", readonly=True,
        help="When the citizen's page last asked for news.")
    accept_date = fields.DateTime("Accepted", readonly=True)
    end_date = fields.DateTime(
        "Concluded", readonly=True,
        help="When the agent closed or escalated the conversation.")
    messages = fields.One2Many(
        'see.chat.message', 'session', "Messages", readonly=True)
    interaction_count = fields.Integer(
        "Interactions", readonly=True, required=True,
        help="Messages exchanged between the requester and the attendance "
        "(welcome, service, request, answers, quality question and its "
        "answer); notices are not counted.")
    awaiting_see = fields.Boolean(
        "Awaiting SEE-PE", readonly=True,
        help="Escalated to SEE-PE and the requester was told.")
    wait_time = fields.Function(
        fields.TimeDelta("Wait Time"), 'get_times')
    duration = fields.Function(
        fields.TimeDelta("Duration"), 'get_times')
    number = fields.Function(fields.Char("Protocol Number"), 'get_number',
        searcher='search_number')
    survey_score = fields.Function(
        fields.Integer("Survey Score"), 'get_survey_score')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('token_hash_unique', Unique(t, t.token_hash),
                'see_webchat.msg_session_token_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                Index(t, (t.start_date, Index.Range())),
                Index(t, (t.agent, Index.Equality())),
                Index(t, (t.address_hash, Index.Equality()),
                    (t.start_date, Index.Range())),
                })
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('waiting', 'active'),
            ('waiting', 'abandoned'),
            ('active', 'survey'),
            ('survey', 'closed'),
            }
        cls._buttons.update({
                'accept': {
                    'invisible': Eval('state') != 'waiting',
                    'depends': ['state'],
                    },
                })
        cls.__rpc__.update({
                'agent_accept': RPC(readonly=False, instantiate=0),
                'agent_send': RPC(readonly=False, instantiate=0),
                'agent_transfer': RPC(readonly=False, instantiate=0),
                'agent_escalate': RPC(readonly=False, instantiate=0),
                'agent_close': RPC(readonly=False, instantiate=0),
                'webchat_figures': RPC(),
                })

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        table_h = cls.__table_handler__(module)
        # Migration: whether a conversation concluded in time is decided by
        # the contract's rule of see_sla (sla.py), no longer stored
        table_h.drop_column('concluded_in_time')

    @classmethod
    def default_state(cls):
        return 'waiting'

    @classmethod
    def _invalidate(cls, session_id):
        "Forget the cached values of a session changed by SQL"
        transaction = Transaction()
        transaction.counter += 1
        for cache in transaction.cache.values():
            if cls.__name__ in cache:
                cache[cls.__name__].pop(session_id, None)

    @classmethod
    def default_interaction_count(cls):
        return 0

    @classmethod
    def default_start_date(cls):
        return dt.datetime.now()

    @classmethod
    def check_modification(cls, mode, sessions, values=None, external=False):
        super().check_modification(
            mode, sessions, values=values, external=external)
        if mode == 'delete':
            raise AccessError(gettext('see_webchat.msg_transcript_readonly'))

    def get_times(self, name):
        if name == 'wait_time':
            end = self.accept_date
            if not end and self.state == 'waiting':
                end = dt.datetime.now()
        else:
            end = self.end_date
        if end and self.start_date:
            return end - self.start_date

    def get_number(self, name):
        return self.protocol.number if self.protocol else None

    @classmethod
    def search_number(cls, name, clause):
        return [('protocol.number', *clause[1:])]

    def get_survey_score(self, name):
        return self.protocol.survey_score if self.protocol else None

    def get_rec_name(self, name):
        if self.protocol:
            return f'{self.protocol.number} - {self.requester_name}'
        return self.requester_name

    @classmethod
    def webchat_figures(cls, start, end):
        "Figures of item 3.2.3.2 for webchat over [start, end)"
        pool = Pool()
        Figures = pool.get('see.chat.figures')
        cls._check_figures_access()
        return Figures.totals(start, end)

    @classmethod
    def _check_figures_access(cls):
        "The month's figures are for those who read the webchat report"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        ModelAccess.check('see.chat.figures', 'read')

    # Citizen ----------------------------------------------------------

    @classmethod
    def check_address(cls, address):
        "Refuse a new conversation from an address that opened too many"
        config = _config()
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        since = dt.datetime.now() - dt.timedelta(hours=1)
        cursor.execute(*table.select(Count(table.id),
                where=(table.address_hash == hash_address(address))
                & (table.start_date >= since)))
        count, = cursor.fetchone()
        if count >= config.address_session_rate:
            raise RateLimitError(gettext(
                    'see_webchat.msg_address_rate',
                    count=config.address_session_rate))

    @classmethod
    def open(cls, values, address=None):
        """Start a conversation for a citizen; return (session, token)

        values: name, phone, cpf (optional), service (id), consent."""
        pool = Pool()
        Service = pool.get('see.service')
        Message = pool.get('see.chat.message')
        Configuration = pool.get('see.configuration')
        from trytond.modules.see_atendimento.party import (
            normalize_cpf, normalize_phone)
        from trytond.modules.see_atendimento.exceptions import (
            InvalidCPF, InvalidPhone)

        name = ' '.join(str(values.get('name') or '').split())
        if not name:
            raise ChatValidationError(gettext('see_webchat.msg_name_required'))
        if len(name) > 200:
            raise ChatValidationError(gettext('see_webchat.msg_name_long'))
        raw_phone = str(values.get('phone') or '').strip()
        if not raw_phone:
            raise ChatValidationError(
                gettext('see_webchat.msg_phone_required'))
        region = Configuration(1).phone_region or 'BR'
        phone = normalize_phone(raw_phone[:40], region)
        if not phone:
            raise InvalidPhone(gettext(
                    'see_atendimento.msg_invalid_phone',
                    phone=raw_phone[:40]))
        raw_cpf = str(values.get('cpf') or '').strip()
        cpf = None
        if raw_cpf:
            cpf = normalize_cpf(raw_cpf[:20])
            if not cpf:
                raise InvalidCPF(gettext(
                        'see_atendimento.msg_invalid_cpf', cpf=raw_cpf[:20]))
        if values.get('consent') is not True:
            raise ChatValidationError(
                gettext('see_webchat.msg_consent_required'))
        try:
            service_id = int(values.get('service'))
        except (TypeError, ValueError):
            service_id = None
        services = Service.search([
                ('id', '=', service_id),
                ]) if service_id else []
        if not services:
            raise ChatValidationError(
                gettext('see_webchat.msg_service_required'))
        service, = services
        cls.check_address(address)

        token = secrets.token_urlsafe(32)
        now = dt.datetime.now()
        session, = cls.create([{
                    'token_hash': hash_token(token),
                    'expire_date': now + _config().token_validity,
                    'address_hash': hash_address(address),
                    'requester_name': name,
                    'requester_phone': phone,
                    'requester_cpf': cpf,
                    'consent_date': now,
                    'service': service.id,
                    'start_date': now,
                    'citizen_seen': now,
                    }])
        config = _config()
        Message.post(session, 'system', 'welcome',
            config.welcome_message
            or gettext('see_webchat.msg_welcome', name=name.split()[0]))
        Message.post(session, 'citizen', 'service', gettext(
                'see_webchat.msg_service_chosen', service=service.rec_name))
        notify.publish(notify.QUEUE_CHANNEL)
        return session, token

    @classmethod
    def from_token(cls, session_id, token):
        "Return the session reached by token or raise a TokenError"
        session = None
        try:
            session_id = int(session_id)
        except (TypeError, ValueError):
            session_id = None
        if session_id:
            sessions = cls.search([('id', '=', session_id)], limit=1)
            session = sessions[0] if sessions else None
        digest = hash_token(token) if token else ''
        if (not session or not token
                or not hmac.compare_digest(session.token_hash, digest)):
            if token and cls.search([('token_hash', '=', digest)], limit=1):
                raise TokenError(gettext('see_webchat.msg_token_other'))
            raise TokenError(gettext('see_webchat.msg_token_invalid'))
        if session.expire_date <= dt.datetime.now():
            raise TokenError(gettext('see_webchat.msg_token_expired'))
        return session

    def check_citizen_message(self, text, attachment=None):
        config = _config()
        if self.state not in {'waiting', 'active'}:
            raise ChatError(gettext('see_webchat.msg_session_not_open'))
        text = (text or '').strip()
        if not text and not attachment:
            raise ChatValidationError(gettext('see_webchat.msg_empty'))
        if len(text) > config.message_size:
            raise MessageSizeError(gettext(
                    'see_webchat.msg_message_size',
                    size=config.message_size, length=len(text)))
        Message = Pool().get('see.chat.message')
        table = Message.__table__()
        cursor = Transaction().connection.cursor()
        since = dt.datetime.now() - dt.timedelta(minutes=1)
        cursor.execute(*table.select(Count(table.id),
                where=(table.session == self.id)
                & (table.author_type == 'citizen')
                & (table.kind == 'text')
                & (table.date >= since)))
        count, = cursor.fetchone()
        if count >= config.session_message_rate:
            raise RateLimitError(gettext(
                    'see_webchat.msg_session_rate',
                    count=config.session_message_rate))
        return text

    @classmethod
    def check_attachment(cls, attachment):
        "Return (name, type, data) of a JSON attachment or raise"
        if not attachment:
            return None
        config = _config()
        if not config.attachment_size:
            raise AttachmentError(
                gettext('see_webchat.msg_attachment_disabled'))
        try:
            name = str(attachment['name'])[:200]
            type_ = str(attachment['type']).lower()
            data = base64.b64decode(attachment['data'], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise AttachmentError(
                gettext('see_webchat.msg_attachment_invalid'))
        return cls.check_attachment_data(name, type_, data)

    @classmethod
    def check_attachment_data(cls, name, type_, data):
        """Return (name, type, data) of a file of the citizen or raise: the
        same checks whatever the channel it came through"""
        config = _config()
        if not config.attachment_size:
            raise AttachmentError(
                gettext('see_webchat.msg_attachment_disabled'))
        name = str(name or '')[:200]
        type_ = str(type_ or '').split(';')[0].strip().lower()
        allowed = config.allowed_types
        if type_ not in allowed:
            raise AttachmentError(gettext(
                    'see_webchat.msg_attachment_type', type=type_,
                    types=', '.join(sorted(allowed))))
        if len(data) > config.attachment_size:
            raise AttachmentError(gettext(
                    'see_webchat.msg_attachment_size',
                    size=config.attachment_size // 1024,
                    length=(len(data) + 1023) // 1024))
        magics = MAGIC.get(type_)
        if magics and not any(data.startswith(m) for m in magics):
            raise AttachmentError(gettext(
                    'see_webchat.msg_attachment_content', type=type_))
        return name or 'anexo', type_, data

    def citizen_send(self, text, attachment=None, client_id=None):
        "A message of the citizen; return it (the same one when retried)"
        pool = Pool()
        Message = pool.get('see.chat.message')
        if client_id:
            client_id = str(client_id)[:64]
            existing = Message.search([
                    ('session', '=', self.id),
                    ('client_id', '=', client_id),
                    ], limit=1)
            if existing:
                return existing[0]
        text = self.check_citizen_message(text, attachment)
        attachment = self.check_attachment(attachment)
        message = Message.post(self, 'citizen', 'text', text,
            client_id=client_id, attachment=attachment)
        return message

    def queue_position(self):
        if self.state != 'waiting':
            return None
        table = self.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(Count(table.id),
                where=(table.state == 'waiting') & (table.id < self.id)
                & (table.expire_date > dt.datetime.now())))
        count, = cursor.fetchone()
        return count + 1

    def citizen_seen_stale(self):
        "Whether the citizen's presence must be written again"
        return (not self.citizen_seen
            or dt.datetime.now() - self.citizen_seen >= HEARTBEAT)

    @classmethod
    def citizen_seen_now(cls, session_id):
        "Record that the citizen's page asked for news"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.citizen_seen],
                [dt.datetime.now()], where=table.id == session_id))

    @classmethod
    def abandon_stale(cls):
        """Mark abandoned the conversations waiting longer than the maximum
        wait, those whose citizen's page stopped asking for news, and those
        whose access expired (run by a scheduled task)"""
        config = _config()
        now = dt.datetime.now()
        sessions = cls._end_stale('waiting', [
                ('start_date', '<', now - config.max_wait),
                ('expire_date', '<=', now),
                # Only the widget's page asks for news: a citizen of an
                # app is there until the maximum wait
                [('channel', '=', 'widget'),
                    ('citizen_seen', '<', now - config.citizen_timeout)],
                [('channel', '=', 'widget'),
                    ('citizen_seen', '=', None),
                    ('start_date', '<', now - config.citizen_timeout)],
                ], cls.abandon, 'see_webchat.msg_abandoned')
        if sessions:
            notify.publish(notify.QUEUE_CHANNEL, notify.POSITION_CHANNEL)
        return sessions

    @classmethod
    def close_unanswered(cls):
        """Close the concluded conversations whose quality question went
        unanswered for the configured wait, or whose access expired: they
        leave the agent's console (run by a scheduled task)"""
        config = _config()
        now = dt.datetime.now()
        sessions = cls._end_stale('survey', [
                ('end_date', '<', now - config.survey_wait),
                ('expire_date', '<=', now),
                ], cls.close, 'see_webchat.msg_survey_unanswered')
        notify.publish(*{notify.agent_channel(s.agent.id)
                for s in sessions if s.agent})
        return sessions

    @classmethod
    def _end_stale(cls, state, conditions, transition, message_id):
        """Move through transition the conversations in state matching any
        of conditions, telling the citizen with message_id; return them"""
        with without_check_access():
            sessions = cls.search([
                    ('state', '=', state),
                    ['OR', *conditions],
                    ], order=[('id', 'ASC')])
            if not sessions:
                return []
            cls.lock(sessions)
            # Those a citizen or an agent moved meanwhile are left alone
            sessions = [s for s in cls.browse([s.id for s in sessions])
                if s.state == state]
            transition(sessions, notice=gettext(message_id))
        return sessions

    # Transitions: the only writers of the state, run by the chat without
    # the user's access check (the fields are read-only for every user)

    @classmethod
    def _end(cls, sessions, state, notice=None):
        "End the conversations in state; tell the citizen notice"
        Message = Pool().get('see.chat.message')
        now = dt.datetime.now()
        for session in sessions:
            session.state = state
            session.end_date = session.end_date or now
        cls.save(sessions)
        if notice:
            for session in sessions:
                Message.post(session, 'system', 'notice', notice)

    @classmethod
    @Workflow.transition('abandoned')
    def abandon(cls, sessions, notice=None):
        "The conversations left the queue without an agent"
        cls._end(sessions, 'abandoned', notice)

    @classmethod
    @Workflow.transition('closed')
    def close(cls, sessions, notice=None):
        "The quality question was answered, or will not be"
        cls._end(sessions, 'closed', notice)

    @classmethod
    @Workflow.transition('active')
    def activate(cls, sessions, user_id):
        """The agent user_id takes the waiting conversations: each gets its
        protocol of channel webchat, in attendance"""
        Protocol = Pool().get('see.protocol')
        now = dt.datetime.now()
        protocols = Protocol.create([{
                    'channel': 'webchat',
                    'requester_name': s.requester_name,
                    'requester_phone': s.requester_phone,
                    'requester_cpf': s.requester_cpf,
                    'service': s.service.id,
                    'start_date': s.start_date,
                    'state': 'attending',
                    } for s in sessions])
        for session, protocol in zip(sessions, protocols):
            session.protocol = protocol
            session.agent = user_id or None
            session.accept_date = now
            session.state = 'active'
        cls.save(sessions)

    @classmethod
    @Workflow.transition('survey')
    def conclude(cls, sessions, awaiting_see=False):
        """The agent ended the conversations (closed or escalated to
        SEE-PE): Annex A 5.1 is decided and the quality question asked"""
        Message = Pool().get('see.chat.message')
        now = dt.datetime.now()
        for session in sessions:
            session.end_date = now
            session.awaiting_see = awaiting_see
            session.state = 'survey'
        cls.save(sessions)
        for session in sessions:
            Message.post(session, 'system', 'quality',
                gettext('see_webchat.msg_quality_question'))

    def answer_survey(self, score):
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Message = pool.get('see.chat.message')
        if self.state != 'survey':
            raise ChatError(gettext('see_webchat.msg_survey_not_open'))
        if isinstance(score, bool) or not isinstance(score, (int, str)):
            score = None
        try:
            score = int(score)
        except (TypeError, ValueError):
            score = None
        if score is None or not 0 <= score <= 10:
            raise ChatValidationError(gettext('see_webchat.msg_survey_score'))
        Message.post(self, 'citizen', 'score', str(score))
        with without_check_access():
            protocol = self.protocol
            if protocol:
                Protocol.set_survey([protocol], score)
                if protocol.state == 'resolved':
                    Protocol.close([protocol])
            self.close([self])
        self.publish()

    def citizen_leave(self):
        "The citizen gives up while waiting"
        if self.state == 'waiting':
            with without_check_access():
                self.abandon([self])
            self.publish(left_queue=True)
        elif self.state == 'active':
            Message = Pool().get('see.chat.message')
            Message.post(self, 'system', 'notice',
                gettext('see_webchat.msg_citizen_left'))

    def publish(self, left_queue=False):
        "Wake the citizen and the agent; the queue too when it changed"
        channels = [notify.session_channel(self.id)]
        if self.agent:
            channels.append(notify.agent_channel(self.agent.id))
        if left_queue:
            channels.extend([notify.QUEUE_CHANNEL, notify.POSITION_CHANNEL])
        notify.publish(*channels)
