# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

from trytond.bus import notify
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from .exceptions import EscalationError
from .integrity import ServerReadonly
from .party import format_phone, phone_region
from .protocol import CHANNELS, StepWorkflow


def human_duration(delta):
    """The duration as people read it, to the minute: "2 d 3 h",
    "5 h 12 min", "8 min", "< 1 min" (the units read the same in
    Portuguese)"""
    if delta is None:
        return None
    minutes = int(delta.total_seconds()) // 60
    if minutes < 1:
        return "< 1 min"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"

STATES = [
    ('new', "New"),
    ('analysis', "In Analysis"),
    ('forwarded', "Forwarded to Responsible Unit"),
    ('answered', "Answered"),
    ('returned', "Returned to First Level"),
    ]


class Escalation(ServerReadonly, StepWorkflow, ModelSQL, ModelView):
    __string__ = "Escalation to SEE-PE"
    __name__ = 'see.protocol.escalation'
    # Who changed what and when is kept by the history and the event log;
    # Tryton's model log, on by default, would repeat it at a quarter of
    # the server's time per attendance
    _history = True
    _log = False

    protocol = fields.Many2One(
        'see.protocol', "Protocol", required=True, readonly=True,
        ondelete='RESTRICT')
    question = fields.Text(
        "Question", required=True, readonly=True,
        help="The question as the agent wrote it.")
    # The service's managing unit; another unit answers through forward
    unit = fields.Many2One(
        'see.unit', "Unit", required=True, readonly=True,
        ondelete='RESTRICT',
        help="The SEE-PE unit that manages the service.")
    forwarded_unit = fields.Many2One(
        'see.unit', "Forwarded To", ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'analysis',
            },
        help="The unit responsible for the service, when the managing unit "
        "needs it to answer.")
    answer = fields.Text(
        "Answer",
        states={
            'readonly': ~Eval('state').in_(['analysis', 'forwarded']),
            'required': Eval('state').in_(['answered', 'returned']),
            })
    request_kb_update = fields.Boolean(
        "Request Knowledge Base Update",
        states={'readonly': Eval('state') == 'returned'})
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    requested_by = fields.Many2One('res.user', "Requested By", readonly=True)
    request_date = fields.DateTime("Requested", readonly=True)
    analysis_by = fields.Many2One('res.user', "Analysed By", readonly=True)
    analysis_date = fields.DateTime("Analysis Started", readonly=True)
    forwarded_by = fields.Many2One('res.user', "Forwarded By", readonly=True)
    forwarded_date = fields.DateTime("Forwarded", readonly=True)
    answered_by = fields.Many2One('res.user', "Answered By", readonly=True)
    answered_date = fields.DateTime("Answered", readonly=True)
    returned_by = fields.Many2One('res.user', "Returned By", readonly=True)
    returned_date = fields.DateTime("Returned", readonly=True)

    service = fields.Function(
        fields.Many2One('see.service', "Service"),
        'get_protocol_field', searcher='search_protocol_field')
    channel = fields.Function(
        fields.Selection(CHANNELS, "Channel"), 'get_protocol_field')
    requester_name = fields.Function(
        fields.Char("Requester Name"), 'get_protocol_field')
    requester_phone = fields.Function(
        fields.Char("Requester Phone"), 'get_protocol_field')
    protocol_description = fields.Function(
        fields.Text("Request"), 'get_protocol_field')
    agent = fields.Function(
        fields.Many2One('res.user', "Agent"), 'get_protocol_field')
    protocol_events = fields.Function(
        fields.Many2Many(
            'see.protocol.event', None, None, "Protocol History"),
        'get_protocol_events')
    requester_protocols = fields.Function(
        fields.Many2Many(
            'see.protocol', None, None, "Requester's Attendances"),
        'get_requester_protocols')
    age = fields.Function(fields.TimeDelta("Age"), 'get_age')
    age_text = fields.Function(fields.Char("Age",
            help="Since the question was sent, until it was answered."),
        'get_age_text')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality(cardinality='low'))),
                Index(t, (t.protocol, Index.Equality())),
                Index(t, (t.unit, Index.Equality())),
                # The record rule of the units' users reads both
                Index(t, (t.forwarded_unit, Index.Equality())),
                })
        cls._order = [('request_date', 'ASC'), ('id', 'ASC')]
        # The board's move, for the other clients of the second level
        cls.__rpc__['move'] = RPC(readonly=False, instantiate=0)
        cls._transitions |= {
            ('new', 'analysis'),
            ('analysis', 'forwarded'),
            ('analysis', 'answered'),
            ('forwarded', 'answered'),
            ('answered', 'returned'),
            }
        cls._buttons.update({
                'analyse': {
                    'invisible': Eval('state') != 'new',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'forward': {
                    'invisible': Eval('state') != 'analysis',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'answer_': {
                    'invisible': ~Eval('state').in_(['analysis', 'forwarded']),
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'return_': {
                    'invisible': Eval('state') != 'answered',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'new'

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Protocol = pool.get('see.protocol')
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            values['requested_by'] = Transaction().user
            values['request_date'] = dt.datetime.now()
            if not values.get('unit') and values.get('protocol'):
                protocol = Protocol(values['protocol'])
                if protocol.service:
                    values['unit'] = protocol.service.unit.id
        return values

    def get_rec_name(self, name):
        return self.protocol.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('protocol.rec_name',) + tuple(clause[1:])]

    @classmethod
    def get_protocol_field(cls, escalations, names):
        result = {n: {} for n in names}
        with without_check_access():
            for escalation in cls.browse(escalations):
                protocol = escalation.protocol
                for name in names:
                    source = {
                        'protocol_description': 'description',
                        }.get(name, name)
                    value = getattr(protocol, source)
                    if isinstance(value, ModelSQL):
                        value = value.id
                    elif name == 'requester_phone' and value:
                        # As people read it; the protocol keeps the E.164
                        value = format_phone(value, phone_region())
                    result[name][escalation.id] = value
        return result

    @classmethod
    def search_protocol_field(cls, name, clause):
        return [('protocol.' + clause[0],) + tuple(clause[1:])]

    def get_protocol_events(self, name):
        return [e.id for e in self.protocol.events]

    def get_requester_protocols(self, name):
        pool = Pool()
        Protocol = pool.get('see.protocol')
        if not self.protocol.requester:
            return []
        with without_check_access():
            protocols = Protocol.search([
                    ('requester', '=', self.protocol.requester.id),
                    ('id', '!=', self.protocol.id),
                    ], limit=20)
        return [p.id for p in protocols]

    def get_age(self, name):
        if self.request_date:
            end = self.returned_date or self.answered_date or dt.datetime.now()
            return end - self.request_date

    def get_age_text(self, name):
        return human_duration(self.age)

    @classmethod
    def log_event(cls, escalations, action, description=None):
        pool = Pool()
        Event = pool.get('see.protocol.event')
        Event.append([{
                    'protocol': e.protocol.id,
                    'escalation': e.id,
                    'action': action,
                    'description': description,
                    } for e in escalations])

    @classmethod
    def create(cls, vlist):
        escalations = super().create(vlist)
        for escalation in escalations:
            cls.log_event([escalation], 'escalate', escalation.question)
        return escalations

    @classmethod
    def _record_step(cls, escalations, state, step):
        """Save the state with who took the step and when: one write, and
        the records show the state so the transition does not write it
        again"""
        now = dt.datetime.now()
        user = Transaction().user
        for escalation in escalations:
            escalation.state = state
            setattr(escalation, f'{step}_by', user)
            setattr(escalation, f'{step}_date', now)
        cls.save(escalations)

    @classmethod
    @ModelView.button
    @Workflow.transition('analysis')
    def analyse(cls, escalations):
        cls._record_step(escalations, 'analysis', 'analysis')
        cls.log_event(escalations, 'escalation_analysis')

    @classmethod
    @ModelView.button
    @Workflow.transition('forwarded')
    def forward(cls, escalations):
        for escalation in escalations:
            if not escalation.forwarded_unit:
                raise EscalationError(gettext(
                        'see_atendimento.msg_escalation_forward_unit',
                        escalation=escalation.rec_name))
        cls._record_step(escalations, 'forwarded', 'forwarded')
        for escalation in escalations:
            cls.log_event([escalation], 'escalation_forward',
                escalation.forwarded_unit.rec_name)

    @classmethod
    @ModelView.button
    @Workflow.transition('answered')
    def answer_(cls, escalations):
        pool = Pool()
        Protocol = pool.get('see.protocol')
        for escalation in escalations:
            if not escalation.answer:
                raise EscalationError(gettext(
                        'see_atendimento.msg_escalation_answer_required',
                        escalation=escalation.rec_name))
        cls._record_step(escalations, 'answered', 'answered')
        for escalation in escalations:
            cls.log_event([escalation], 'escalation_answer', escalation.answer)
        answers = {}
        for escalation in escalations:
            if escalation.protocol.state == 'escalated':
                answers.setdefault(escalation.protocol.id, escalation.answer)
        with without_check_access():
            protocols = Protocol.browse(answers)
            Protocol.mark_answered(protocols, answers)
        for protocol in protocols:
            cls.notify_answer(protocol)

    @classmethod
    def notify_answer(cls, protocol):
        label = gettext('see_atendimento.msg_escalation_answered_title',
            protocol=protocol.rec_name)
        description = gettext(
            'see_atendimento.msg_escalation_answered_body',
            protocol=protocol.rec_name,
            requester=protocol.requester_name or '')
        protocol.notify_agent(label, description)
        notify(label, description, user=protocol.agent.id)

    @classmethod
    @ModelView.button
    @Workflow.transition('returned')
    def return_(cls, escalations):
        cls._record_step(escalations, 'returned', 'returned')
        cls.log_event(escalations, 'escalation_return')

    @classmethod
    def move(cls, escalations, state, values=None):
        """Move escalations to state through its workflow method; values
        may give the field the step needs, written first: the answer to
        answer, the unit to forward to"""
        methods = {
            'analysis': cls.analyse,
            'forwarded': cls.forward,
            'answered': cls.answer_,
            'returned': cls.return_,
            }
        # Answering a new escalation takes it into analysis first, both
        # steps recorded: one call for the one thing the user does
        shortcuts = {('new', 'answered'): 'analysis'}
        for escalation in escalations:
            if (escalation.state, state) in shortcuts:
                continue
            if ((escalation.state, state) not in cls._transitions
                    or state not in methods):
                raise EscalationError(gettext(
                        'see_atendimento.msg_escalation_illegal_move',
                        escalation=escalation.rec_name,
                        from_=escalation.state_string,
                        to=dict(cls.fields_get(['state'])['state']
                            ['selection'])[state]))
        step_fields = {'answered': 'answer', 'forwarded': 'forwarded_unit'}
        values = {k: v for k, v in (values or {}).items()
            if k == step_fields.get(state)}
        if values:
            # Saved by the step's own write, once the user is known to be
            # allowed to write them
            cls._check_write(escalations, list(values))
        for (from_, to), step in shortcuts.items():
            first = [e for e in escalations
                if e.state == from_ and to == state]
            if first:
                methods[step](first)
        if values:
            for escalation in escalations:
                for name, value in values.items():
                    setattr(escalation, name, value)
        methods[state](escalations)

    @classmethod
    def _check_write(cls, escalations, field_names):
        "Check the rights that writing field_names on escalations needs"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        FieldAccess = pool.get('ir.model.field.access')
        Rule = pool.get('ir.rule')
        transaction = Transaction()
        if not transaction.user or not transaction.check_access:
            return
        ModelAccess.check(cls.__name__, 'write')
        FieldAccess.check(cls.__name__, field_names, 'write')
        domain = Rule.domain_get(cls.__name__, mode='write')
        if domain:
            ids = {e.id for e in escalations}
            with without_check_access():
                allowed = {e.id for e in cls.search(
                            [('id', 'in', list(ids)), domain])}
            if ids - allowed:
                raise AccessError(gettext('ir.msg_write_rule_error',
                        ids=', '.join(map(str, sorted(ids - allowed))),
                        model=cls.__names__()['model'], rules=''))
