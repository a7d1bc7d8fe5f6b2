# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Webchat conversations and their transcripts.

A citizen opens a `see.chat.session` through the public routes (no Tryton
user: the conversation is reached by an unguessable token whose hash only
is stored); an agent accepts it from the console, which creates the
`see.protocol` of channel webchat (billed once, however many messages), and
every message is a `see.chat.message` kept for the life of the contract.
The rules of Annex A 5.1-5.3 are computed here from stored facts so that
see_sla can count them in SQL (`annex_a_query`, `annex_a_counts`).
"""
import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
import time

from sql import Conflict, Literal, Null
from sql.aggregate import Count
from sql.conditionals import Case
from sql.functions import CurrentTimestamp

from trytond import backend

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields, sequence_ordered)
from trytond.model.exceptions import AccessError
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.modules.see_atendimento.protocol import StepWorkflow
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from . import notify
from .exceptions import (
    AttachmentError, ChatAccessError, ChatError, ChatValidationError,
    MessageSizeError, RateLimitError, TokenError)

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


def annex_a_status(concluded_in_time, awaiting_see, interactions,
        min_interactions=5, first_contact_interactions=6):
    """The facts of Annex A item 5 for one conversation

    - realized (5.1): concluded within the deadline, or registered as
      awaiting SEE-PE's answer (and the citizen told);
    - attended (5.2): at least min_interactions interactions;
    - billable: realized and attended;
    - first_contact (IRAE numerator, 5.3): concluded within the deadline
      without waiting for SEE-PE and with first_contact_interactions."""
    realized = bool(concluded_in_time or awaiting_see)
    attended = interactions >= min_interactions
    return {
        'realized': realized,
        'attended': attended,
        'billable': realized and attended,
        'first_contact': bool(concluded_in_time and not awaiting_see
            and interactions >= first_contact_interactions),
        }


def _config():
    return Pool().get('see.chat.configuration').settings()


def check_agent(user_id=None):
    "Raise unless the user is an attendance agent"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    transaction = Transaction()
    user_id = transaction.user if user_id is None else user_id
    if not user_id:
        return
    group = ModelData.get_id('see_atendimento', 'group_agent')
    # Tryton's cached groups of the user, the implied ones included,
    # instead of a read of the user: the consoles ask on each look
    with transaction.set_user(user_id):
        groups = User.get_groups()
    if group not in groups:
        raise ChatAccessError(gettext('see_webchat.msg_not_agent'))


class Agent(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Webchat Agent"
    __name__ = 'see.chat.agent'

    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    max_sessions = fields.Integer(
        "Simultaneous Conversations", required=True,
        domain=[('max_sessions', '>', 0)],
        help="How many conversations the agent may attend at once.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('user_unique', Unique(t, t.user),
                'see_webchat.msg_agent_user_unique'),
            ]

    @classmethod
    def default_max_sessions(cls):
        return _config().agent_limit

    def get_rec_name(self, name):
        return self.user.rec_name

    @classmethod
    def limit_of(cls, user_id):
        "The number of simultaneous conversations of the user"
        with without_check_access():
            agents = cls.search([('user', '=', user_id)], limit=1)
        if agents:
            return agents[0].max_sessions
        return _config().agent_limit


class Presence(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Webchat Agent Presence"
    __name__ = 'see.chat.agent.presence'

    user = fields.Many2One(
        'res.user', "User", required=True, readonly=True,
        ondelete='RESTRICT')
    start = fields.DateTime("Start", required=True, readonly=True)
    last_seen = fields.DateTime("Last Seen", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.user, Index.Equality()),
                    (t.last_seen, Index.Range())),
                Index(t, (t.start, Index.Range())),
                })
        cls._order = [('start', 'DESC'), ('id', 'DESC')]

    @classmethod
    def heartbeat(cls, user_id):
        "Record that the console of the user is open"
        now = dt.datetime.now()
        timeout = dt.timedelta(seconds=_config().presence_timeout)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id, table.last_seen,
                where=(table.user == user_id)
                & (table.last_seen >= now - timeout),
                order_by=[table.last_seen.desc], limit=1))
        row = cursor.fetchone()
        if row:
            # A write every few seconds is enough for a timeout in minutes
            if now - row[1] < min(timeout / 3, HEARTBEAT):
                return
            cursor.execute(*table.update(
                    [table.last_seen, table.write_date],
                    [now, now], where=table.id == row[0]))
        else:
            with without_check_access():
                cls.create([{'user': user_id, 'start': now,
                            'last_seen': now}])

    @classmethod
    def logged_in(cls, user_ids=None):
        "Ids of the users whose console is open"
        now = dt.datetime.now()
        timeout = dt.timedelta(seconds=_config().presence_timeout)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        where = table.last_seen >= now - timeout
        cursor.execute(*table.select(table.user, where=where,
                group_by=[table.user]))
        return {u for u, in cursor}


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


class AddressRate(ServerReadonly, ModelSQL):
    """Requests of a network address per minute, shared by every process
    serving the webchat (the per-address limit)"""
    __string__ = "Webchat Address Rate"
    __name__ = 'see.chat.address.rate'

    address_hash = fields.Char("Address Hash", required=True, readonly=True)
    minute = fields.Integer("Minute", required=True, readonly=True,
        help="Minutes since the epoch.")
    hits = fields.Integer("Requests", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('address_minute_unique', Unique(t, t.address_hash, t.minute),
                'see_webchat.msg_address_rate_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.minute, Index.Range())))

    @classmethod
    def hit(cls, address, limit, now=None):
        """Count a request of address; return whether it is within limit
        requests in the last minute

        A sliding minute estimated from two fixed ones: the requests of
        the current minute plus those of the previous one in proportion
        of the part of it still in the last 60 seconds. The increment is
        an upsert, atomic between concurrent transactions."""
        now = time.time() if now is None else now
        minute, elapsed = divmod(now, 60)
        minute = int(minute)
        key = hash_address(address)
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        if backend.name == 'postgresql':
            cursor.execute(*table.insert(
                    [table.address_hash, table.minute, table.hits,
                        table.create_uid, table.create_date],
                    [[key, minute, 1, transaction.user, CurrentTimestamp()]],
                    on_conflict=Conflict(table,
                        indexed_columns=[table.address_hash, table.minute],
                        columns=[table.hits],
                        values=[table.hits + 1])))
        else:
            # SQLite (the demo) has one writer at a time
            cursor.execute(*table.update([table.hits], [table.hits + 1],
                    where=(table.address_hash == key)
                    & (table.minute == minute)))
            if not cursor.rowcount:
                cursor.execute(*table.insert(
                        [table.address_hash, table.minute, table.hits,
                            table.create_uid, table.create_date],
                        [[key, minute, 1, transaction.user,
                                CurrentTimestamp()]]))
        cursor.execute(*table.select(table.minute, table.hits,
                where=(table.address_hash == key)
                & table.minute.in_([minute - 1, minute])))
        hits = dict(cursor)
        estimate = hits.get(minute, 0) + hits.get(minute - 1, 0) * (
            (60 - elapsed) / 60)
        return estimate <= limit

    @classmethod
    def clean(cls):
        "Forget the counts of more than a minute ago"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete(
                where=table.minute < int(time.time() // 60) - 1))


class StandardReply(
        ServerReadonly, sequence_ordered(), ModelSQL, ModelView):
    __string__ = "Webchat Standard Reply"
    __name__ = 'see.chat.reply'

    name = fields.Char("Name", required=True, translate=True)
    text = fields.Text("Text", required=True, translate=True)
    service = fields.Many2One(
        'see.service', "Service", ondelete='CASCADE',
        help="Offered only in conversations about this service; "
        "leave empty for all.")
    active = fields.Boolean("Active")

    @classmethod
    def default_active(cls):
        return True


class Session(ServerReadonly, StepWorkflow, ModelSQL, ModelView):
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
    concluded_in_time = fields.Boolean(
        "Concluded in Time", readonly=True,
        help="Concluded within the deadline of Annex A 5.1.")
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
    realized = fields.Function(fields.Boolean(
            "Realized", help="Annex A 5.1: concluded within the deadline "
            "or awaiting SEE-PE."), 'get_annex_a', searcher='search_annex_a')
    attended = fields.Function(fields.Boolean(
            "Attended", help="Annex A 5.2: the minimum interactions."),
        'get_annex_a', searcher='search_annex_a')
    billable = fields.Function(fields.Boolean(
            "Billable", help="Realized and attended (Annex A 5.1 and "
            "5.2)."), 'get_annex_a', searcher='search_annex_a')
    first_contact = fields.Function(fields.Boolean(
            "Finished on First Contact", help="Annex A 5.3 (IRAE)."),
        'get_annex_a', searcher='search_annex_a')

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
                'annex_a_counts': RPC(),
                })

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

    # Annex A ----------------------------------------------------------

    @classmethod
    def annex_a_columns(cls, table):
        "SQL expressions of the facts of Annex A 5 on the session table"
        config = _config()
        realized = ((table.concluded_in_time == Literal(True))
            | (table.awaiting_see == Literal(True)))
        attended = table.interaction_count >= config.min_interactions
        return {
            'realized': realized,
            'attended': attended,
            'billable': realized & attended & (table.protocol != Null),
            'first_contact': ((table.concluded_in_time == Literal(True))
                & (table.awaiting_see != Literal(True))
                & (table.interaction_count
                    >= config.first_contact_interactions)),
            }

    @classmethod
    def get_annex_a(cls, sessions, names):
        config = _config()
        result = {n: {} for n in names}
        for session in sessions:
            status = annex_a_status(
                session.concluded_in_time, session.awaiting_see,
                session.interaction_count or 0,
                config.min_interactions, config.first_contact_interactions)
            status['billable'] = status['billable'] and bool(
                session.protocol)
            for name in names:
                result[name][session.id] = status[name]
        return result

    @classmethod
    def search_annex_a(cls, name, clause):
        _, operator, value = clause[:3]
        table = cls.__table__()
        query = table.select(
            table.id, where=cls.annex_a_columns(table)[name])
        positive = (operator == '=') == bool(value)
        return [('id', 'in' if positive else 'not in', query)]

    @classmethod
    def annex_a_query(cls, start=None, end=None):
        """A query of (id, protocol, start_date, realized, attended,
        billable, first_contact, awaiting_see) per conversation started in
        [start, end)"""
        table = cls.__table__()
        columns = cls.annex_a_columns(table)
        where = table.state != 'abandoned'
        if start:
            where &= table.start_date >= start
        if end:
            where &= table.start_date < end
        return table.select(
            table.id, table.protocol, table.start_date,
            columns['realized'].as_('realized'),
            columns['attended'].as_('attended'),
            columns['billable'].as_('billable'),
            columns['first_contact'].as_('first_contact'),
            table.awaiting_see.as_('awaiting_see'),
            table.concluded_in_time.as_('concluded_in_time'),
            where=where)

    @classmethod
    def annex_a_counts(cls, start=None, end=None):
        """Counts of Annex A 5 for the conversations started in [start, end)

        sessions (accepted or not, abandoned excluded), concluded_in_time,
        awaiting_see, realized, not_realized, attended, billable and
        first_contact (IRAE = first_contact / concluded_in_time)."""
        cls._check_figures_access()
        query = cls.annex_a_query(start, end)
        sub = query.select(
            Count(query.id),
            *(Count(Case((getattr(query, n) == Literal(True), 1)))
                for n in ['concluded_in_time', 'awaiting_see', 'realized',
                    'attended', 'billable', 'first_contact']))
        cursor = Transaction().connection.cursor()
        cursor.execute(*sub)
        (sessions, in_time, awaiting, realized, attended, billable,
            first_contact) = cursor.fetchone()
        return {
            'sessions': sessions,
            'concluded_in_time': in_time,
            'awaiting_see': awaiting,
            'realized': realized,
            'not_realized': sessions - realized,
            'attended': attended,
            'billable': billable,
            'first_contact': first_contact,
            }

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
                ('citizen_seen', '<', now - config.citizen_timeout),
                [('citizen_seen', '=', None),
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
        config = _config()
        now = dt.datetime.now()
        deadline = dt.timedelta(hours=config.concluded_hours)
        for session in sessions:
            session.end_date = now
            session.concluded_in_time = (
                now - session.start_date <= deadline)
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

    # Agent ------------------------------------------------------------

    @classmethod
    def _lock_fresh(cls, sessions):
        "Lock the rows and return the sessions read again"
        with without_check_access():
            cls.lock(sessions)
            return cls.browse([s.id for s in sessions])

    @classmethod
    def _check_own(cls, sessions, states=('active',)):
        user = Transaction().user
        for session in sessions:
            if user and session.agent and session.agent.id != user:
                raise ChatAccessError(gettext(
                        'see_webchat.msg_not_your_session',
                        session=session.rec_name))
            if session.state not in states:
                raise ChatError(gettext(
                        'see_webchat.msg_session_not_active',
                        session=session.rec_name))

    @classmethod
    def active_count(cls, user_id):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(Count(table.id),
                where=(table.agent == user_id) & (table.state == 'active')))
        return cursor.fetchone()[0]

    @classmethod
    def _check_limit(cls, user_id, adding=1):
        pool = Pool()
        Agent = pool.get('see.chat.agent')
        User = pool.get('res.user')
        limit = Agent.limit_of(user_id)
        if cls.active_count(user_id) + adding > limit:
            with without_check_access():
                user = User(user_id)
            if user_id == Transaction().user:
                raise ChatError(gettext(
                        'see_webchat.msg_agent_limit', limit=limit))
            raise ChatError(gettext(
                    'see_webchat.msg_agent_limit_other', limit=limit,
                    agent=user.rec_name))

    @classmethod
    def _check_waiting(cls, sessions):
        for session in sessions:
            if session.state != 'waiting':
                raise ChatError(gettext(
                        'see_webchat.msg_session_taken',
                        session=session.rec_name))
            if session.expire_date <= dt.datetime.now():
                raise ChatError(gettext(
                        'see_webchat.msg_session_expired',
                        session=session.rec_name))

    @classmethod
    @ModelView.button_action('see_webchat.act_console')
    def accept(cls, sessions):
        """Accept from the web client's list of conversations, as the
        console does, and open the console where they are attended"""
        cls.agent_accept(sessions)

    @classmethod
    def agent_accept(cls, sessions):
        """The agent takes the conversations; each gets its protocol

        Refused at once, before waiting for a lock, when another agent
        took them already."""
        pool = Pool()
        Message = pool.get('see.chat.message')
        User = pool.get('res.user')
        check_agent()
        user_id = Transaction().user
        cls._check_waiting(sessions)
        sessions = cls._lock_fresh(sessions)
        cls._check_waiting(sessions)
        cls._check_limit(user_id, len(sessions))
        with without_check_access():
            agent_name = User(user_id).rec_name if user_id else ''
            cls.activate(sessions, user_id)
            for session in sessions:
                Message.post(session, 'system', 'notice', gettext(
                        'see_webchat.msg_accepted', agent=agent_name,
                        number=session.protocol.number))
        # The agent's own channel too: its console shows the conversation
        # at once instead of after the queue's burst delay
        notify.publish(notify.QUEUE_CHANNEL, notify.POSITION_CHANNEL,
            notify.agent_channel(user_id))
        return [s.id for s in sessions]

    @classmethod
    def agent_send(cls, sessions, text, article=None):
        "The agent's answer, or a knowledge-base article, to the citizen"
        pool = Pool()
        Message = pool.get('see.chat.message')
        Article = pool.get('see.kb.article')
        Protocol = pool.get('see.protocol')
        check_agent()
        cls._check_own(sessions)
        config = _config()
        text = (text or '').strip()
        kb = None
        if article:
            try:
                article = int(article)
            except (TypeError, ValueError):
                raise ChatError(gettext('see_webchat.msg_article_unknown'))
            articles = Article.search([
                    ('id', '=', article),
                    ('state', '=', 'published'),
                    ], limit=1)
            if not articles:
                raise ChatError(gettext('see_webchat.msg_article_unknown'))
            kb, = articles
            if not text:
                text = f'{kb.title}\n\n{kb.body}'
        if not text:
            raise ChatValidationError(gettext('see_webchat.msg_empty'))
        if len(text) > max(config.message_size, 20000):
            raise MessageSizeError(gettext(
                    'see_webchat.msg_message_size',
                    size=max(config.message_size, 20000), length=len(text)))
        messages = []
        for session in sessions:
            messages.append(Message.post(session, 'agent',
                    'article' if kb else 'text', text, article=kb))
            if kb and session.protocol and kb not in (
                    session.protocol.kb_articles):
                with without_check_access():
                    Protocol.write([session.protocol], {
                            'kb_articles': [('add', [kb.id])],
                            })
        return [m.id for m in messages]

    @classmethod
    def agent_transfer(cls, sessions, user_id):
        "Pass the conversations to another agent"
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Message = pool.get('see.chat.message')
        User = pool.get('res.user')
        check_agent()
        sessions = cls._lock_fresh(sessions)
        cls._check_own(sessions)
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            user_id = None
        with without_check_access():
            users = User.search([('id', '=', user_id)]) if user_id else []
        if not users or user_id == Transaction().user:
            raise ChatError(gettext('see_webchat.msg_transfer_target'))
        target, = users
        check_agent(target.id)
        cls._check_limit(target.id, len(sessions))
        previous = {s.id: s.agent for s in sessions}
        with without_check_access():
            for session in sessions:
                session.agent = target
            cls.save(sessions)
            protocols = [s.protocol for s in sessions if s.protocol]
            if protocols:
                Protocol.write(protocols, {'agent': target.id})
            for session in sessions:
                Message.post(session, 'system', 'notice', gettext(
                        'see_webchat.msg_transferred',
                        agent=target.rec_name))
        channels = [notify.agent_channel(p.id) for p in previous.values()
            if p]
        notify.publish(*channels)
        return [s.id for s in sessions]

    @classmethod
    def _classification(cls, classification):
        pool = Pool()
        Classification = pool.get('see.classification')
        try:
            classification = int(classification)
        except (TypeError, ValueError):
            classification = None
        classifications = Classification.search([
                ('id', '=', classification),
                ], limit=1) if classification else []
        if not classifications:
            raise ChatValidationError(
                gettext('see_webchat.msg_classification_required'))
        return classifications[0]

    def _transcript(self, author_type):
        return '\n'.join(m.text for m in self.messages
            if m.author_type == author_type and m.kind in {'text', 'article'}
            and m.text)

    @classmethod
    def agent_escalate(cls, sessions, question, classification):
        """Send the question to SEE-PE's second level: the protocol awaits
        its answer and the citizen is told"""
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Message = pool.get('see.chat.message')
        check_agent()
        sessions = cls._lock_fresh(sessions)
        cls._check_own(sessions)
        classification = cls._classification(classification)
        question = (question or '').strip()
        if not question:
            raise ChatValidationError(
                gettext('see_webchat.msg_question_required'))
        with without_check_access():
            for session in sessions:
                protocol = session.protocol
                Protocol.write([protocol], {
                        'classification': classification.id,
                        'description': (session._transcript('citizen')
                            or question),
                        })
                Protocol.escalate_to_see([protocol], question)
                Message.post(session, 'system', 'escalation', gettext(
                        'see_webchat.msg_escalated_citizen',
                        number=protocol.number))
                Protocol.log_event([protocol], 'escalate',
                    gettext('see_webchat.msg_escalated_told'))
            cls.conclude(sessions, awaiting_see=True)
        return [s.id for s in sessions]

    @classmethod
    def agent_close(cls, sessions, classification, answer=None):
        "End the conversations with a classification; ask the quality"
        pool = Pool()
        Protocol = pool.get('see.protocol')
        check_agent()
        sessions = cls._lock_fresh(sessions)
        cls._check_own(sessions)
        classification = cls._classification(classification)
        with without_check_access():
            for session in sessions:
                protocol = session.protocol
                Protocol.write([protocol], {
                        'classification': classification.id,
                        'description': session._transcript('citizen'),
                        'answer': ((answer or '').strip()
                            or session._transcript('agent')
                            or classification.rec_name),
                        })
                Protocol.resolve([protocol])
            cls.conclude(sessions)
        return [s.id for s in sessions]


class Message(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Webchat Message"
    __name__ = 'see.chat.message'

    session = fields.Many2One(
        'see.chat.session', "Conversation", required=True, readonly=True,
        ondelete='RESTRICT')
    protocol = fields.Function(
        fields.Many2One('see.protocol', "Protocol"), 'get_protocol')
    date = fields.DateTime("Date", required=True, readonly=True)
    author_type = fields.Selection([
            ('citizen', "Requester"),
            ('agent', "Agent"),
            ('system', "Attendance"),
            ], "Author Type", required=True, readonly=True)
    author = fields.Many2One(
        'res.user', "Agent", readonly=True, ondelete='RESTRICT')
    author_name = fields.Char("Author", readonly=True)
    kind = fields.Selection([
            ('welcome', "Welcome"),
            ('service', "Service"),
            ('text', "Message"),
            ('article', "Knowledge Base Article"),
            ('escalation', "Escalation Notice"),
            ('quality', "Quality Question"),
            ('score', "Quality Answer"),
            ('notice', "Notice"),
            ], "Kind", required=True, readonly=True)
    text = fields.Text("Text", readonly=True)
    article = fields.Many2One(
        'see.kb.article', "Article", readonly=True, ondelete='RESTRICT')
    interaction = fields.Boolean("Interaction", readonly=True)
    response_time = fields.TimeDelta(
        "Response Time", readonly=True,
        help="For an agent's message: the time since the requester's "
        "oldest message it answers.")
    client_id = fields.Char("Client Identifier", readonly=True)
    attachment = fields.Binary(
        "Attachment", readonly=True, file_id='attachment_id',
        filename='attachment_name')
    attachment_id = fields.Char("Attachment ID", readonly=True)
    attachment_name = fields.Char("Attachment Name", readonly=True)
    attachment_type = fields.Char("Attachment Type", readonly=True)
    attachment_size = fields.Integer("Attachment Size", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('client_id_unique', Unique(t, t.session, t.client_id),
                'see_webchat.msg_message_client_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.session, Index.Equality()),
                    (t.id, Index.Range())),
                Index(t, (t.date, Index.Range()),
                    (t.author_type, Index.Equality(cardinality='low'))),
                })
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_date(cls):
        return dt.datetime.now()

    def get_protocol(self, name):
        return self.session.protocol.id if self.session.protocol else None

    @classmethod
    def check_modification(cls, mode, messages, values=None, external=False):
        super().check_modification(
            mode, messages, values=values, external=external)
        if mode in {'write', 'delete'}:
            raise AccessError(gettext('see_webchat.msg_transcript_readonly'))

    @classmethod
    def _response_time(cls, session, now):
        "Time since the oldest message of the citizen not yet answered"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        last_agent = table.select(table.id,
            where=(table.session == session.id)
            & (table.author_type == 'agent'),
            order_by=[table.id.desc], limit=1)
        cursor.execute(*last_agent)
        row = cursor.fetchone()
        where = ((table.session == session.id)
            & (table.author_type == 'citizen')
            & (table.kind == 'text'))
        if row:
            where &= table.id > row[0]
        cursor.execute(*table.select(table.date, where=where,
                order_by=[table.id.asc], limit=1))
        row = cursor.fetchone()
        if row:
            return max(now - row[0], dt.timedelta(0))

    @classmethod
    def post(cls, session, author_type, kind, text, article=None,
            client_id=None, attachment=None):
        "Add a message to the transcript of session and wake the other side"
        pool = Pool()
        Session = pool.get('see.chat.session')
        User = pool.get('res.user')
        now = dt.datetime.now()
        values = {
            'session': session.id,
            'date': now,
            'author_type': author_type,
            'kind': kind,
            'text': text,
            'article': article.id if article else None,
            'client_id': client_id,
            'interaction': kind != 'notice',
            }
        if author_type == 'agent':
            user_id = Transaction().user
            values['author'] = user_id or None
            with without_check_access():
                values['author_name'] = User(user_id).rec_name
            values['response_time'] = cls._response_time(session, now)
        elif author_type == 'citizen':
            values['author_name'] = session.requester_name
        if attachment:
            name, type_, data = attachment
            values.update({
                    'attachment': data,
                    'attachment_name': name,
                    'attachment_type': type_,
                    'attachment_size': len(data),
                    })
        # Update (and so lock) the session before inserting: the messages
        # of a conversation get their ids in the order they are committed,
        # so a reader that has seen one has seen all those before it
        table = Session.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.interaction_count],
                [table.interaction_count
                    + (1 if values['interaction'] else 0)],
                where=table.id == session.id))
        Session._invalidate(session.id)
        with without_check_access():
            message, = cls.create([values])
        # The citizen's page and the agent's console show their own
        # messages from the answer to the sending, and the queue of the
        # agents shows no message
        channels = []
        if author_type != 'citizen':
            channels.append(notify.session_channel(session.id))
        if session.agent and author_type != 'agent':
            channels.append(notify.agent_channel(session.agent.id))
        notify.publish(*channels)
        return message

    @classmethod
    def as_json_list(cls, messages, for_agent=False):
        "as_json of messages, reading only the fields it needs"
        rows = cls.read([m.id for m in messages], [
                'date', 'author_type', 'author_name', 'kind', 'text',
                'attachment_name', 'attachment_type', 'attachment_size',
                'session'])
        result = []
        for row in rows:
            data = {
                'id': row['id'],
                'date': row['date'].isoformat(),
                'author_type': row['author_type'],
                'author_name': row['author_name'] or '',
                'kind': row['kind'],
                'text': row['text'] or '',
                }
            if row['attachment_name']:
                data['attachment'] = {
                    'name': row['attachment_name'],
                    'type': row['attachment_type'],
                    'size': row['attachment_size'],
                    }
            if for_agent:
                data['session'] = row['session']
            result.append(data)
        return result

    def as_json(self, for_agent=False):
        data = {
            'id': self.id,
            'date': self.date.isoformat(),
            'author_type': self.author_type,
            'author_name': self.author_name or '',
            'kind': self.kind,
            'text': self.text or '',
            }
        if self.attachment_name:
            data['attachment'] = {
                'name': self.attachment_name,
                'type': self.attachment_type,
                'size': self.attachment_size,
                }
        if for_agent:
            data['session'] = self.session.id
        return data
