# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import json

from sql import Literal, Null
from sql.conditionals import Coalesce
from sql.functions import Function

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from .exceptions import ProtocolError
from .integrity import ServerReadonly, external_call

CHANNELS = [
    ('telefone', "Phone"),
    ('webchat', "Webchat"),
    ('whatsapp', "WhatsApp"),
    ('email', "E-mail"),
    ('presencial', "In Person"),
    ]
# States in which the attendance is still open to the agent
OPEN_STATES = {'draft', 'attending'}
# States in which the contact itself ended
ENDED_STATES = {'resolved', 'escalated', 'answered', 'closed'}
# States of attendances left out of the reincidence (FCR), on both sides
NOT_RECURRING_STATES = ['escalated', 'cancelled']
# Fields filled by the workflow and the survey that only an administrator's
# import of past attendances gives when creating
IMPORTED_FIELDS = {'end_date', 'closed_date', 'survey_score', 'survey_date'}


class _SQLiteDateTime(Function):
    "SQLite's DATETIME(value, modifier): its timestamps are text"
    __slots__ = ()
    _function = 'DATETIME'


def datetime_shifted(column, delta):
    "SQL expression of the timestamps of column moved by the timedelta"
    if backend.name == 'sqlite':
        # Adding an interval to text would give a number there
        return _SQLiteDateTime(
            column, f'{delta.total_seconds():+.0f} seconds')
    return column + delta


# An immutable unaccent: PostgreSQL's is only stable, so that no index can
# hold its result; named by [database] unaccent_function, Tryton indexes
# and searches the unaccented texts with it
UNACCENT_FUNCTION = 'see_unaccent'


def create_unaccent_function(cursor):
    """Create the extensions the searches use when the database owner may
    (pg_trgm and unaccent are trusted) and the immutable unaccent"""
    if backend.name != 'postgresql':
        return
    for extension in ['unaccent', 'pg_trgm']:
        cursor.execute('SELECT 1 FROM pg_available_extensions '
            'WHERE name = %s', (extension,))
        if not cursor.fetchone():
            continue
        cursor.execute('SAVEPOINT see_extension')
        try:
            cursor.execute(f'CREATE EXTENSION IF NOT EXISTS "{extension}"')
        except Exception:
            cursor.execute('ROLLBACK TO SAVEPOINT see_extension')
        else:
            cursor.execute('RELEASE SAVEPOINT see_extension')
    cursor.execute("SELECT n.nspname FROM pg_extension e "
        "JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'unaccent'")
    row = cursor.fetchone()
    if not row:
        return
    schema, = row
    # The dictionary is named: the function's result then does not depend
    # on the search_path, which is what makes it immutable
    cursor.execute(
        f'CREATE OR REPLACE FUNCTION "{UNACCENT_FUNCTION}"(text) '
        'RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS '
        f"$$ SELECT \"{schema}\".unaccent("
        f"'\"{schema}\".unaccent'::regdictionary, $1) $$")


class StepWorkflow(Workflow):
    """Workflow whose transitions save their state with the step's other
    fields, in one write: the transition then writes the state of no record,
    which would still cost an UPDATE and a history query"""
    __slots__ = ()

    @classmethod
    def write(cls, *args):
        if not any(args[::2]):
            return
        super().write(*args)


class Protocol(ServerReadonly, StepWorkflow, ModelSQL, ModelView):
    __string__ = "Attendance Protocol"
    __name__ = 'see.protocol'
    _rec_name = 'number'
    # create checks the state it is given: draft, in attendance or, for
    # administrators, an import, which may also give what the attendance's
    # steps and the survey would have filled
    _create_readonly = {'state'} | IMPORTED_FIELDS
    # Who changed what and when is kept by the history and the event log;
    # Tryton's model log, on by default, would repeat it at a quarter of
    # the server's time per attendance
    _history = True
    _log = False
    # Kept up to date by SQL for the reincidence, changed by nobody
    _audit_excluded = {'previous_contact'}

    _states = {
        'readonly': ~Eval('state').in_(list(OPEN_STATES)),
        }

    number = fields.Char("Number", readonly=True, required=True)
    channel = fields.Selection(
        CHANNELS, "Channel", required=True, states=_states)
    requester = fields.Many2One(
        'party.party', "Requester", ondelete='RESTRICT', states=_states,
        context={'company': None},
        help="The citizen; found or created from the phone or CPF "
        "when left blank.")
    requester_name = fields.Char("Requester Name", states=_states)
    requester_phone = fields.Char(
        "Requester Phone", states=_states,
        help="Stored in international format (E.164).")
    requester_cpf = fields.Char("Requester CPF", states=_states)
    service = fields.Many2One(
        'see.service', "Service", ondelete='RESTRICT', states=_states)
    unit = fields.Function(
        fields.Many2One('see.unit', "Responsible Unit"),
        'on_change_with_unit', searcher='search_unit')
    classification = fields.Many2One(
        'see.classification', "Classification", ondelete='RESTRICT',
        states=_states)
    description = fields.Text(
        "Request", states=_states,
        help="What the requester asked, in their words.")
    answer = fields.Text(
        "Answer", states={
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            })
    kb_query = fields.Function(
        fields.Char("Search the Knowledge Base", states=_states),
        'get_kb_query', setter='set_kb_query')
    kb_suggestions = fields.Function(
        fields.Many2Many(
            'see.kb.article', None, None, "Suggested Articles"),
        'on_change_with_kb_suggestions')
    kb_articles = fields.Many2Many(
        'see.protocol-see.kb.article', 'protocol', 'article',
        "Articles Used", states=_states,
        domain=[('state', '=', 'published')])
    agent = fields.Many2One(
        'res.user', "Agent", required=True, readonly=True,
        ondelete='RESTRICT')
    # Given when the contact is registered, never moved afterwards: the
    # month of the attendance is the month it is measured in
    start_date = fields.DateTime(
        "Start", required=True, states={
            'readonly': Eval('id', -1) >= 0,
            })
    end_date = fields.DateTime("End", readonly=True)
    closed_date = fields.DateTime("Closed", readonly=True)
    duration = fields.Function(
        fields.TimeDelta("Duration"), 'get_duration')
    escalations = fields.One2Many(
        'see.protocol.escalation', 'protocol', "Escalations", readonly=True)
    awaiting_see = fields.Function(
        fields.Boolean("Awaiting SEE-PE"), 'get_awaiting_see')
    billable = fields.Function(
        fields.Boolean("Billable",
            help="Holds the minimum registry (item 3.1.1.6): protocol, "
            "requester name and phone, service and a billable "
            "classification."),
        'get_billable', searcher='search_billable')
    events = fields.One2Many(
        'see.protocol.event', 'protocol', "History", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('attending', "In Attendance"),
            ('resolved', "Resolved"),
            ('escalated', "Awaiting SEE-PE"),
            ('answered', "Answered by SEE-PE"),
            ('closed', "Closed"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('number_unique', Unique(t, t.number),
                'see_atendimento.msg_protocol_number_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                Index(t, (t.start_date, Index.Range())),
                Index(t,
                    (t.requester, Index.Equality()),
                    (t.service, Index.Equality()),
                    (t.start_date, Index.Range())),
                Index(t, (t.agent, Index.Equality())),
                # The agent's search for a citizen's attendances by CPF or
                # phone; the domain compares COALESCE(column, '')
                Index(t, (Coalesce(t.requester_cpf, ''), Index.Equality())),
                Index(t,
                    (Coalesce(t.requester_phone, ''), Index.Equality())),
                # The search by the beginning of the requester's name: a
                # trigram index (pg_trgm) on the unaccented name, usable
                # when [database] unaccent_function names an immutable
                # function (see_unaccent, see create_unaccent_function)
                Index(t, (Index.Unaccent(Coalesce(t.requester_name, '')),
                        Index.Similarity())),
                })
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls.__rpc__['escalate_to_see'] = RPC(readonly=False, instantiate=0,
            result=lambda escalations: [e.id for e in escalations])
        cls._transitions |= {
            ('draft', 'attending'),
            ('draft', 'cancelled'),
            ('attending', 'resolved'),
            ('attending', 'escalated'),
            ('attending', 'cancelled'),
            ('escalated', 'answered'),
            ('resolved', 'closed'),
            ('answered', 'closed'),
            }
        cls._buttons.update({
                'start': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'resolve': {
                    'invisible': Eval('state') != 'attending',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'escalate': {
                    'invisible': Eval('state') != 'attending',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                # What the wizard of escalate does, in one call for the
                # agents' consoles and other systems; its groups are the
                # button's and it explains itself a wrong state
                'escalate_to_see': {},
                'close': {
                    'invisible': ~Eval('state').in_(['resolved', 'answered']),
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(list(OPEN_STATES)),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'correct_classification': {
                    'invisible': ~Eval('state').in_(sorted(ENDED_STATES)),
                    'icon': 'tryton-launch',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def __register__(cls, module):
        create_unaccent_function(Transaction().connection.cursor())
        super().__register__(module)

    @classmethod
    def __setup_indexes__(cls):
        super().__setup_indexes__()
        # The free-text search in the description (ilike '%word%'): only a
        # trigram index serves it; without pg_trgm Tryton would make it a
        # B-tree, which refuses long descriptions, so none is declared
        if (backend.name == 'postgresql'
                and Transaction().database.has_extension('pg_trgm')):
            t = cls.__table__()
            cls._sql_indexes.add(
                Index(t, (Index.Unaccent(Coalesce(t.description, '')),
                        Index.Similarity())))

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_channel(cls):
        return Transaction().context.get('see_channel', 'telefone')

    @classmethod
    def default_agent(cls):
        return Transaction().user

    @classmethod
    def default_start_date(cls):
        return dt.datetime.now()

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('see.configuration')
        values = super().preprocess_values(mode, values)
        values = cls._normalize_requester(values)
        if mode == 'create':
            if not values.get('number'):
                values['number'] = (
                    Configuration.get_protocol_sequence().get())
            # The agent is whoever registers the attendance; only root
            # (imports, integrations run as root) may name another one
            user = Transaction().user
            if user or not values.get('agent'):
                values['agent'] = user
            if not values.get('requester'):
                requester = cls._requester_party(
                    values.get('requester_name'),
                    values.get('requester_phone'),
                    values.get('requester_cpf'))
                if requester:
                    values['requester'] = requester.id
        return values

    @classmethod
    def create(cls, vlist):
        # A contact that is happening is registered in attendance at once,
        # by those who may press the start button
        vlist = [v.copy() for v in vlist]
        to_start = [v.get('state') == 'attending' for v in vlist]
        started_now = any(to_start) and cls._may_start_at_creation()
        if any(to_start) and not started_now:
            # The button has rules of its own: created as drafts, then
            # started through it
            for values, start in zip(vlist, to_start):
                if start:
                    del values['state']
        imported = {v['state'] for v in vlist
            if v.get('state') not in {None, 'draft', 'attending'}}
        if imported:
            cls._check_import(imported)
        for values in vlist:
            for name in sorted(IMPORTED_FIELDS & values.keys()):
                if not cls._importing():
                    cls._raise_readonly(name)
        protocols = super().create(vlist)
        cls.log_event(protocols, 'create')
        started = [p for p, start in zip(protocols, to_start) if start]
        if started_now:
            cls.check_start(started)
            cls.log_event(started, 'start')
        elif started:
            cls.start(started)
        return protocols

    @classmethod
    def _may_start_at_creation(cls):
        """Check that the user may press the start button, as the button
        does, and tell whether a protocol may be created in attendance
        without going through the button: not when the button has rules"""
        pool = Pool()
        Button = pool.get('ir.model.button')
        ModelAccess = pool.get('ir.model.access')
        User = pool.get('res.user')
        transaction = Transaction()
        if Button.get_rules(cls.__name__, 'start'):
            return False
        if transaction.user and transaction.check_access:
            groups = Button.get_groups(cls.__name__, 'start')
            if not groups:
                ModelAccess.check(cls.__name__, 'write')
            elif not groups & set(User.get_groups()):
                raise AccessButtonError(gettext(
                        'ir.msg_access_button_error', button='start',
                        **cls.__names__()))
        return True

    @classmethod
    def _importing(cls):
        "Tell whether the current call may import past attendances"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        if not external_call():
            return True
        return ModelData.get_id('see_atendimento', 'group_admin') in (
            User.get_groups())

    @classmethod
    def _check_import(cls, states):
        """Only administrators register protocols past attendance (imports
        of past attendances): the others go through the workflow, whose
        steps the billing and the indicators rely on"""
        if not cls._importing():
            selection = dict(cls.fields_get(['state'])['state']['selection'])
            state = sorted(states)[0]
            raise AccessError(gettext(
                    'see_atendimento.msg_protocol_create_state',
                    state=selection.get(state, state)))

    @classmethod
    def write(cls, *args):
        super().write(*args)
        requester_fields = {'requester_name', 'requester_phone',
            'requester_cpf', 'requester', 'requester_phone_shown',
            'requester_cpf_shown'}
        protocols = []
        for records, values in zip(args[::2], args[1::2]):
            if requester_fields & values.keys():
                protocols.extend(records)
        cls.link_requesters(protocols)

    @classmethod
    def copy(cls, protocols, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'end_date', 'closed_date', 'survey_score',
                'survey_date', 'escalations', 'events', 'agent',
                'start_date']:
            default.setdefault(name, None)
        return super().copy(protocols, default=default)

    @classmethod
    def check_modification(cls, mode, protocols, values=None, external=False):
        super().check_modification(
            mode, protocols, values=values, external=external)
        if mode == 'delete':
            for protocol in protocols:
                if protocol.state != 'cancelled':
                    raise ProtocolError(gettext(
                            'see_atendimento.msg_protocol_delete_cancel',
                            protocol=protocol.rec_name))

    # Knowledge base -------------------------------------------------------

    def get_kb_query(self, name):
        return None

    @classmethod
    def set_kb_query(cls, protocols, name, value):
        pass

    @fields.depends('kb_query', 'service')
    def on_change_with_kb_suggestions(self, name=None):
        pool = Pool()
        Article = pool.get('see.kb.article')
        if not self.kb_query:
            return []
        return [a.id for a in Article.find(
                self.kb_query, service=self.service)]

    @fields.depends('service')
    def on_change_with_unit(self, name=None):
        return self.service.unit if self.service else None

    @classmethod
    def search_unit(cls, name, clause):
        return [('service.unit' + clause[0][len(name):], *clause[1:])]

    # Computed -------------------------------------------------------------

    def get_duration(self, name):
        if self.start_date and self.end_date:
            return self.end_date - self.start_date

    def get_awaiting_see(self, name):
        return self.state == 'escalated'

    @classmethod
    def _billable_condition(cls, table, billable_classification):
        """SQL condition of the minimum registry of item 3.1.1.6, with
        billable_classification the condition that the classification of
        table is billable"""
        return ((table.number != Null)
            & (table.requester_name != Null) & (table.requester_name != '')
            & (table.requester_phone != Null) & (table.requester_phone != '')
            & (table.service != Null)
            & (table.classification != Null)
            & billable_classification
            & table.state.in_(list(ENDED_STATES)))

    @classmethod
    def billable_query(cls):
        "Return a query of the ids of billable protocols"
        pool = Pool()
        Classification = pool.get('see.classification')
        table = cls.__table__()
        classification = Classification.__table__()
        return table.join(classification,
            condition=table.classification == classification.id
            ).select(table.id,
                where=cls._billable_condition(
                    table, classification.billable == Literal(True)))

    @classmethod
    def get_billable(cls, protocols, name):
        result = {p.id: False for p in protocols}
        cursor = Transaction().connection.cursor()
        query = cls.billable_query()
        query.where &= query.from_[0].left.id.in_(list(result))
        cursor.execute(*query)
        result.update((i, True) for i, in cursor)
        return result

    @classmethod
    def search_billable(cls, name, clause):
        _, operator, value = clause[:3]
        positive = (operator == '=') == bool(value)
        return [('id', 'in' if positive else 'not in', cls.billable_query())]

    # Workflow -------------------------------------------------------------

    @classmethod
    def log_event(cls, protocols, action, description=None):
        pool = Pool()
        Event = pool.get('see.protocol.event')
        Event.append([{
                    'protocol': p.id,
                    'action': action,
                    'description': description,
                    } for p in protocols])

    @classmethod
    def _check_classified(cls, protocols):
        for protocol in protocols:
            if not protocol.classification:
                raise ProtocolError(gettext(
                        'see_atendimento.msg_protocol_classification_required',
                        protocol=protocol.rec_name))

    @classmethod
    def _end(cls, protocols, state):
        """Save the end of the contact with its state: one write, and the
        records show the state so the transition does not write it again"""
        now = dt.datetime.now()
        for protocol in protocols:
            protocol.state = state
            protocol.end_date = now
        cls.save(protocols)

    @classmethod
    @ModelView.button
    @Workflow.transition('attending')
    def start(cls, protocols):
        cls.check_start(protocols)
        cls.log_event(protocols, 'start')

    @classmethod
    def check_start(cls, protocols):
        """Check that the protocols have what an attendance needs to leave
        the draft: the requester's name and phone or CPF, the channel and
        the service, which an invalid contact (wrong number, prank, dropped
        call) is not about"""
        def required(protocol, field):
            return ProtocolError(gettext(
                    'see_atendimento.msg_protocol_start_required',
                    field=cls.__names__(field=field)['field'],
                    protocol=protocol.rec_name))
        for protocol in protocols:
            if not protocol.requester_name:
                raise required(protocol, 'requester_name')
            if not (protocol.requester_phone or protocol.requester_cpf):
                raise ProtocolError(gettext(
                        'see_atendimento.msg_protocol_start_contact',
                        phone=cls.__names__(field='requester_phone')['field'],
                        cpf=cls.__names__(field='requester_cpf')['field'],
                        protocol=protocol.rec_name))
            if not protocol.channel:
                raise required(protocol, 'channel')
            invalid = (protocol.classification
                and protocol.classification.outcome == 'invalid')
            if not protocol.service and not invalid:
                raise required(protocol, 'service')

    @classmethod
    @ModelView.button
    @Workflow.transition('resolved')
    def resolve(cls, protocols):
        cls._check_classified(protocols)
        for protocol in protocols:
            if not protocol.answer:
                raise ProtocolError(gettext(
                        'see_atendimento.msg_protocol_answer_required',
                        protocol=protocol.rec_name))
        cls._end(protocols, 'resolved')
        cls.log_event(protocols, 'resolve')

    @classmethod
    @ModelView.button_action('see_atendimento.wizard_protocol_escalate')
    def escalate(cls, protocols):
        pass

    @classmethod
    @ModelView.button
    def escalate_to_see(cls, protocols, question=None,
            request_kb_update=False):
        """Send the question about protocols in attendance to SEE-PE's
        second level and return the escalations"""
        pool = Pool()
        Escalation = pool.get('see.protocol.escalation')
        if not protocols:
            return []
        question = (question or '').strip()
        # The question is the user's input even though the button creates
        Escalation.check_input({'question': question}, external=True)
        if not question:
            raise ProtocolError(gettext(
                    'see_atendimento.msg_protocol_question_required',
                    protocol=protocols[0].rec_name))
        for protocol in protocols:
            if protocol.state != 'attending':
                raise ProtocolError(gettext(
                        'see_atendimento.msg_protocol_escalate_state',
                        protocol=protocol.rec_name,
                        state=protocol.state_string))
        cls.mark_escalated(protocols)
        return Escalation.create([{
                    'protocol': p.id,
                    'question': question,
                    'request_kb_update': bool(request_kb_update),
                    } for p in protocols])

    @classmethod
    @Workflow.transition('escalated')
    def mark_escalated(cls, protocols):
        cls._check_classified(protocols)
        for protocol in protocols:
            if not protocol.service:
                raise ProtocolError(gettext(
                        'see_atendimento.msg_protocol_service_required',
                        protocol=protocol.rec_name))
        # The escalation logs this step, with the question asked
        cls._end(protocols, 'escalated')

    @classmethod
    @Workflow.transition('answered')
    def mark_answered(cls, protocols, answers=None):
        """Mark that SEE-PE answered; answers gives, by protocol id, the
        answer for the protocols that have none yet"""
        answers = answers or {}
        for protocol in protocols:
            protocol.state = 'answered'
            if not protocol.answer and answers.get(protocol.id):
                protocol.answer = answers[protocol.id]
        cls.save(protocols)
        cls.log_event(protocols, 'answered')

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, protocols):
        now = dt.datetime.now()
        for protocol in protocols:
            protocol.state = 'closed'
            protocol.closed_date = now
            if protocol.survey_score is not None and not protocol.survey_date:
                protocol.survey_date = now
        cls.save(protocols)
        cls.log_event(protocols, 'close')
        # Closing acknowledges the second level's answer
        escalations = [e for p in protocols for e in p.escalations
            if e.state == 'answered']
        if escalations:
            Escalation = Pool().get('see.protocol.escalation')
            with without_check_access():
                Escalation.return_(escalations)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, protocols):
        cls._end(protocols, 'cancelled')
        cls.log_event(protocols, 'cancel')

    @classmethod
    @ModelView.button_action(
        'see_atendimento.wizard_protocol_correct_classification')
    def correct_classification(cls, protocols):
        pass

    @classmethod
    def reclassify(cls, protocols, classification, reason):
        """Correct the classification of ended protocols

        The supervisor's correction: the reason and both classifications
        go to the protocol's event log, the change to its history."""
        reason = (reason or '').strip()
        for protocol in protocols:
            if protocol.state not in ENDED_STATES:
                raise ProtocolError(gettext(
                        'see_atendimento.msg_protocol_correction_state',
                        protocol=protocol.rec_name,
                        state=protocol.state_string))
            if not reason:
                raise ProtocolError(gettext(
                        'see_atendimento.msg_protocol_correction_reason',
                        protocol=protocol.rec_name))
        changed = [p for p in protocols if p.classification != classification]
        if not changed:
            return
        events = [{
                'protocol': p.id,
                'action': 'classification',
                'description': gettext(
                    'see_atendimento.msg_protocol_correction_event',
                    old=p.classification.rec_name if p.classification else '',
                    new=classification.rec_name,
                    reason=reason),
                } for p in changed]
        with without_check_access():
            cls.write(changed, {'classification': classification.id})
        Pool().get('see.protocol.event').append(events)

    def notify_agent(self, label, description):
        "Tell the agent of the protocol, in the web client"
        pool = Pool()
        Notification = pool.get('res.notification')
        with without_check_access():
            Notification.create([{
                        'user': self.agent.id,
                        'label': label,
                        'description': description,
                        'icon': 'tryton-notification',
                        'model': self.__name__,
                        'records': json.dumps([self.id]),
                        }])


class ProtocolArticle(ModelSQL):
    __string__ = "Protocol - Knowledge Base Article"
    __name__ = 'see.protocol-see.kb.article'

    protocol = fields.Many2One(
        'see.protocol', "Protocol", required=True, ondelete='CASCADE')
    article = fields.Many2One(
        'see.kb.article', "Article", required=True, ondelete='RESTRICT')


