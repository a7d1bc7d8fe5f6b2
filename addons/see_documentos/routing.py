# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.see_atendimento.integrity import (
    ServerReadonly, external_call)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import RoutingError

# States in which a step holds the protocol: where it is now
CURRENT_STATES = ['sent', 'received']


class RoutingStep(ServerReadonly, Workflow, ModelSQL, ModelView):
    """One step of a protocol's internal routing (tramitação)

    Creating a step dispatches the protocol from the sector that holds it
    to another sector with a note; a user of that sector receives it; the
    next dispatch (or a return to the sender) ends the step. The steps in
    order are the protocol's trail: who sent and received it, when, and
    how long it stayed in each sector."""
    __string__ = "Routing Step"
    __name__ = 'see.routing.step'
    _history = True

    _created = {'readonly': Eval('id', -1) >= 0}

    protocol = fields.Many2One(
        'see.protocol', "Protocol", required=True, ondelete='CASCADE',
        states=_created)
    from_unit = fields.Many2One(
        'see.unit', "From", readonly=True, ondelete='RESTRICT',
        help="The sector that held the protocol: the last step's, or the "
        "service's responsible unit for the first step.")
    to_unit = fields.Many2One(
        'see.unit', "To", required=True, ondelete='RESTRICT',
        states=_created)
    kind = fields.Selection([
            ('dispatch', "Dispatch"),
            ('return', "Return"),
            ('escalation', "Escalation"),
            ], "Kind", readonly=True,
        help="Escalation steps are the 2nd-level escalations of the "
        "attendance: their own workflow opens and ends them.")
    origin = fields.Reference(
        "Origin", selection='get_origin', readonly=True,
        help="The record whose workflow made the step.")
    note = fields.Text(
        "Dispatch Note", states=_created,
        help="What the receiving sector must do.")
    sent_by = fields.Many2One(
        'res.user', "Sent By", readonly=True, ondelete='RESTRICT')
    sent_date = fields.DateTime("Sent", readonly=True)
    received_by = fields.Many2One(
        'res.user', "Received By", readonly=True, ondelete='RESTRICT')
    received_date = fields.DateTime("Received", readonly=True)
    end_date = fields.DateTime(
        "Left", readonly=True,
        help="When the protocol was dispatched onwards from this step.")
    waiting_time = fields.Function(
        fields.TimeDelta("Until Received"), 'get_times')
    stay_time = fields.Function(
        fields.TimeDelta("Time in the Sector",
            help="From its arrival to its dispatch onwards, or to now."),
        'get_times')
    state = fields.Selection([
            ('sent', "Sent"),
            ('received', "Received"),
            ('done', "Dispatched Onwards"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _created

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.protocol, Index.Equality()),
                    (t.sent_date, Index.Range())),
                Index(t, (t.to_unit, Index.Equality()),
                    (t.state, Index.Equality(cardinality='low'))),
                })
        cls._order = [('sent_date', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('sent', 'received'),
            ('received', 'done'),
            # An escalation forwarded or answered before it was analysed
            ('sent', 'done'),
            }
        escalation = Eval('kind') == 'escalation'
        cls._buttons.update({
                'receive': {
                    'invisible': (Eval('state') != 'sent') | escalation,
                    'icon': 'tryton-ok',
                    'depends': ['state', 'kind'],
                    },
                'return_': {
                    'invisible': (Eval('state') != 'received') | escalation,
                    'icon': 'tryton-back',
                    'depends': ['state', 'kind'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'sent'

    @classmethod
    def default_kind(cls):
        return 'dispatch'

    @classmethod
    def _get_origin(cls):
        "The models whose workflow makes steps"
        return ['see.protocol.escalation']

    @classmethod
    def get_origin(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        return [(None, '')] + [
            (m, IrModel.get_name(m)) for m in cls._get_origin()]

    def get_rec_name(self, name):
        return '%s: %s → %s' % (
            self.protocol.rec_name,
            self.from_unit.rec_name if self.from_unit else '-',
            self.to_unit.rec_name)

    @classmethod
    def get_times(cls, steps, names):
        now = dt.datetime.now()
        result = {n: {} for n in names}
        for step in steps:
            if 'waiting_time' in result:
                result['waiting_time'][step.id] = (
                    (step.received_date or now) - step.sent_date
                    if step.sent_date else None)
            if 'stay_time' in result:
                result['stay_time'][step.id] = (
                    (step.end_date or now) - step.sent_date
                    if step.sent_date else None)
        return result

    @classmethod
    def current(cls, protocol):
        """The step that holds protocol now, or None; an open escalation
        does not take the protocol from its sector"""
        steps = cls.search([
                ('protocol', '=', protocol.id),
                ('state', 'in', CURRENT_STATES),
                ('kind', '!=', 'escalation'),
                ], order=[('sent_date', 'DESC'), ('id', 'DESC')], limit=1)
        return steps[0] if steps else None

    @classmethod
    def _check_member(cls, unit, step=None):
        "Only a user of unit (or a supervisor, an administrator) acts for it"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        user = Transaction().user
        if not user:
            return
        allowed = {ModelData.get_id('see_atendimento', name) for name in [
                'group_supervisor', 'group_admin']}
        if allowed & set(User.get_groups()):
            return
        if user not in {u.id for u in unit.users}:
            raise RoutingError(gettext(
                    'see_documentos.msg_routing_not_member',
                    unit=unit.rec_name))

    @classmethod
    def holder(cls, protocol):
        """The step that holds protocol and the sector it leaves from, the
        service's responsible unit when it has not moved yet"""
        current = cls.current(protocol)
        if current and current.state == 'sent':
            raise RoutingError(gettext(
                    'see_documentos.msg_routing_not_received',
                    protocol=protocol.rec_name,
                    unit=current.to_unit.rec_name))
        if current:
            return current, current.to_unit
        if protocol.service:
            return None, protocol.service.unit
        raise RoutingError(gettext(
                'see_documentos.msg_routing_no_origin',
                protocol=protocol.rec_name))

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Protocol = pool.get('see.protocol')
        if external_call():
            # Only the sector that holds the protocol dispatches it
            for values in vlist:
                if values.get('kind') == 'escalation':
                    raise RoutingError(gettext(
                            'see_documentos.msg_routing_escalation_manual'))
                if values.get('protocol'):
                    _, from_unit = cls.holder(Protocol(values['protocol']))
                    cls._check_member(from_unit)
        return super().create(vlist)

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Unit = pool.get('see.unit')
        values = super().preprocess_values(mode, values)
        if mode != 'create' or not values.get('protocol'):
            return values
        protocol = Protocol(values['protocol'])
        if values.get('kind') == 'escalation':
            return cls._preprocess_escalation(protocol, values)
        current, from_unit = cls.holder(protocol)
        if values.get('to_unit') == from_unit.id:
            raise RoutingError(gettext(
                    'see_documentos.msg_routing_same_unit',
                    unit=from_unit.rec_name))
        if values.get('to_unit') and not Unit(values['to_unit']).active:
            raise RoutingError(gettext(
                    'see_documentos.msg_routing_inactive',
                    unit=Unit(values['to_unit']).rec_name))
        if current:
            cls.leave([current])
        values.update({
                'from_unit': from_unit.id,
                'sent_by': Transaction().user or None,
                'sent_date': dt.datetime.now(),
                'state': 'sent',
                })
        values.setdefault('kind', 'dispatch')
        return values

    @classmethod
    def _preprocess_escalation(cls, protocol, values):
        """An escalation leaves from the sector that holds the protocol,
        or from the first level (no sector), and keeps it there"""
        current = cls.current(protocol)
        values.update({
                'from_unit': (values.get('from_unit')
                    or (current.to_unit.id if current else None)),
                'sent_by': Transaction().user or None,
                'sent_date': values.get('sent_date') or dt.datetime.now(),
                'state': 'sent',
                })
        return values

    @classmethod
    def copy(cls, steps, default=None):
        if steps:
            raise RoutingError(gettext('see_documentos.msg_routing_copy'))
        return []

    @classmethod
    def check_modification(cls, mode, steps, values=None, external=False):
        super().check_modification(
            mode, steps, values=values, external=external)
        if mode == 'delete' and external:
            raise RoutingError(gettext('see_documentos.msg_routing_delete'))

    @classmethod
    @ModelView.button
    @Workflow.transition('received')
    def receive(cls, steps):
        for step in steps:
            cls._check_escalation(step)
            cls._check_member(step.to_unit)
            step.received_by = Transaction().user or None
            step.received_date = dt.datetime.now()
        cls.save(steps)

    @classmethod
    @ModelView.button
    def return_(cls, steps):
        "Send the protocol back to the sector it came from"
        for step in steps:
            if step.state != 'received':
                continue
            cls._check_escalation(step)
            cls._check_member(step.to_unit)
            cls.create([{
                        'protocol': step.protocol.id,
                        'to_unit': step.from_unit.id,
                        'kind': 'return',
                        'note': gettext(
                            'see_documentos.msg_routing_return_note',
                            unit=step.to_unit.rec_name),
                        }])

    @classmethod
    def _check_escalation(cls, step):
        "An escalation step moves only with its escalation"
        if step.kind == 'escalation':
            raise RoutingError(gettext(
                    'see_documentos.msg_routing_escalation_manual'))

    @classmethod
    @Workflow.transition('received')
    def arrive(cls, steps, user=None, date=None):
        "Record that the receiving sector took the steps up"
        for step in steps:
            step.received_by = user or Transaction().user or None
            step.received_date = date or dt.datetime.now()
        cls.save(steps)

    @classmethod
    @Workflow.transition('done')
    def leave(cls, steps):
        for step in steps:
            step.end_date = dt.datetime.now()
        cls.save(steps)


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    routing_steps = fields.One2Many(
        'see.routing.step', 'protocol', "Routing", readonly=True,
        help="The protocol's path between the sectors, in order.")
    document_submissions = fields.One2Many(
        'see.document.submission', 'protocol', "Document Submissions",
        readonly=True)
    routing_unit = fields.Function(
        fields.Many2One('see.unit', "Now At",
            help="The sector that holds the protocol, or to which it was "
            "sent."),
        'get_routing_unit')

    @classmethod
    def get_routing_unit(cls, protocols, name):
        pool = Pool()
        Step = pool.get('see.routing.step')
        result = {p.id: None for p in protocols}
        for step in Step.search([
                    ('protocol', 'in', [p.id for p in protocols]),
                    ('state', 'in', CURRENT_STATES),
                    ]):
            result[step.protocol.id] = step.to_unit.id
        return result
