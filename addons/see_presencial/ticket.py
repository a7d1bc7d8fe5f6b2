# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.modules.see_atendimento.party import normalize_cpf
from trytond.modules.see_atendimento.shown import (
    ShownIdentityMixin, shown_field)
from trytond.modules.see_atendimento.protocol import (
    ENDED_STATES, OPEN_STATES)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import TicketError, TicketValidationError
from .queue_rule import (
    NORMAL, PRIORITY, SCHEDULED, Candidate, pick_next, queue_class)

STATES = [
    ('waiting', "Waiting"),
    ('called', "Called"),
    ('attending', "In Attendance"),
    ('suspended', "Suspended"),
    ('finished', "Finished"),
    ('cancelled', "Cancelled"),
    ('no_show', "No-Show"),
    ]
# States in which a ticket is at a desk
AT_DESK_STATES = {'called', 'attending'}


class Ticket(
        ServerReadonly, ShownIdentityMixin, Workflow, ModelSQL, ModelView):
    """A queue ticket (senha) of a service site

    Only the workflow writes the number, the queue fields and the steps'
    dates and users; reception may correct the priority, the requester and
    the scheduled time while the ticket waits."""
    __string__ = "Ticket"
    __name__ = 'see.ticket'
    _rec_name = 'number'
    _history = True

    _created = {'readonly': Eval('id', -1) >= 0}
    _waiting = {'readonly': Eval('state') != 'waiting'}

    site = fields.Many2One(
        'see.site', "Site", required=True, ondelete='RESTRICT',
        states=_created)
    service = fields.Many2One(
        'see.service', "Service", required=True, ondelete='RESTRICT',
        states=_created,
        help="Changed after issue only by a transfer.")
    number = fields.Char("Number", readonly=True)
    day = fields.Date("Day", readonly=True)
    priority = fields.Many2One(
        'see.ticket.priority', "Priority", ondelete='RESTRICT',
        states=_waiting, help="Leave empty for a normal ticket.")
    requester_name = fields.Char("Name", states=_waiting)
    requester_cpf = fields.Char("CPF", states=_waiting)
    _shown_kinds = {'requester_cpf': 'cpf'}
    requester_cpf_shown = shown_field(
        "CPF", 'cpf', states=_waiting, editable=True)
    scheduled_time = fields.DateTime(
        "Scheduled Time", states=_waiting,
        help="The time of the citizen's appointment: from then on the "
        "ticket is called before the others.")
    issue_date = fields.DateTime("Issued", readonly=True)
    issued_by = fields.Many2One('res.user', "Issued By", readonly=True)
    # A timestamp: tickets issued in the same second keep their order
    arrival = fields.Timestamp(
        "Place in the Queue", readonly=True,
        help="The time that orders the ticket in its queue: its issue, kept "
        "through transfers and suspensions.")
    target_desk = fields.Many2One(
        'see.site.desk', "Reserved for Desk", readonly=True,
        ondelete='RESTRICT',
        help="Set by a transfer to a desk or a suspension: only that desk "
        "calls the ticket.")
    call_count = fields.Integer(
        "Calls", readonly=True,
        help="The calls since the ticket last joined the queue.")
    call_class = fields.Selection([
            (None, ""),
            (SCHEDULED, "Scheduled"),
            (PRIORITY, "Priority"),
            (NORMAL, "Normal"),
            ], "Called As", readonly=True)
    first_call_date = fields.DateTime("First Call", readonly=True)
    call_date = fields.DateTime("Last Call", readonly=True)
    desk = fields.Many2One(
        'see.site.desk', "Desk", readonly=True, ondelete='RESTRICT')
    agent = fields.Many2One('res.user', "Agent", readonly=True)
    start_date = fields.DateTime("Attendance Start", readonly=True)
    end_date = fields.DateTime("End", readonly=True)
    cancel_reason = fields.Text("Cancellation Reason", readonly=True)
    protocol = fields.Many2One(
        'see.protocol', "Protocol", readonly=True, ondelete='RESTRICT',
        help="The protocol of the current attendance.")
    protocols = fields.One2Many(
        'see.protocol', 'ticket', "Protocols", readonly=True)
    events = fields.One2Many(
        'see.ticket.event', 'ticket', "Steps", readonly=True)
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _created, _waiting

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('number_unique', Unique(t, t.site, t.day, t.number),
                'see_presencial.msg_ticket_number_unique'),
            ]
        cls._sql_indexes.update({
                Index(t,
                    (t.site, Index.Equality()),
                    (t.day, Index.Range()),
                    (t.state, Index.Equality(cardinality='low'))),
                Index(t, (t.desk, Index.Equality()),
                    where=t.state.in_(list(AT_DESK_STATES))),
                })
        cls._order = [('issue_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('waiting', 'called'),
            ('called', 'called'),
            ('called', 'attending'),
            ('attending', 'suspended'),
            ('suspended', 'waiting'),
            ('attending', 'finished'),
            ('waiting', 'waiting'),
            ('called', 'waiting'),
            ('attending', 'waiting'),
            ('waiting', 'cancelled'),
            ('called', 'cancelled'),
            ('suspended', 'cancelled'),
            ('attending', 'cancelled'),
            ('called', 'no_show'),
            }
        cls._buttons.update({
                'call': {
                    'invisible': Eval('state') != 'waiting',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'recall': {
                    'invisible': Eval('state') != 'called',
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                'start': {
                    'invisible': Eval('state') != 'called',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'no_show': {
                    'invisible': Eval('state') != 'called',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'suspend': {
                    'invisible': Eval('state') != 'attending',
                    'icon': 'tryton-pause',
                    'depends': ['state'],
                    },
                'resume': {
                    'invisible': Eval('state') != 'suspended',
                    'icon': 'tryton-play',
                    'depends': ['state'],
                    },
                'finish': {
                    'invisible': Eval('state') != 'attending',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'transfer': {
                    'invisible': ~Eval('state').in_(
                        ['waiting', 'called', 'attending']),
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['waiting', 'called', 'suspended', 'attending']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                # What the wizards of transfer and cancel do, in one call
                # for consoles and other systems
                'transfer_to': {},
                'cancel_with_reason': {},
                })

    @classmethod
    def default_state(cls):
        return 'waiting'

    @classmethod
    def default_call_count(cls):
        return 0

    @fields.depends('requester_cpf')
    def on_change_requester_cpf(self):
        cpf = normalize_cpf(self.requester_cpf)
        if cpf:
            self.requester_cpf = cpf

    @fields.depends('requester_cpf_shown')
    def on_change_requester_cpf_shown(self):
        self.requester_cpf = self.requester_cpf_shown
        self.on_change_requester_cpf()
        if normalize_cpf(self.requester_cpf):
            self.requester_cpf_shown = self.shown('requester_cpf')

    # Issue ---------------------------------------------------------------

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Site = pool.get('see.site')
        Service = pool.get('see.service')
        Counter = pool.get('see.ticket.counter')
        values = super().preprocess_values(mode, values)
        if values.get('requester_cpf'):
            cpf = normalize_cpf(values['requester_cpf'])
            if cpf:
                values['requester_cpf'] = cpf
        if mode == 'create' and values.get('site') and values.get('service'):
            site = Site(values['site'])
            service = Service(values['service'])
            prefix = site.prefix(service)
            if not prefix:
                raise TicketValidationError(gettext(
                        'see_presencial.msg_ticket_service_not_offered',
                        service=service.rec_name, site=site.rec_name))
            now = dt.datetime.now()
            site.check_open(now)
            day = site.today()
            number = Counter.next_number(site, service, day)
            values.update({
                    'day': day,
                    'number': '%s-%03d' % (prefix, number),
                    'issue_date': now,
                    'arrival': now,
                    'issued_by': Transaction().user or None,
                    })
        return values

    @classmethod
    def create(cls, vlist):
        tickets = super().create(vlist)
        cls.log_event(tickets, 'issue')
        return tickets

    @classmethod
    def validate_fields(cls, tickets, field_names):
        super().validate_fields(tickets, field_names)
        # The form writes the CPF through its shown field
        if not field_names or field_names & {
                'requester_cpf', 'requester_cpf_shown'}:
            for ticket in tickets:
                if (ticket.requester_cpf
                        and not normalize_cpf(ticket.requester_cpf)):
                    raise TicketValidationError(gettext(
                            'see_presencial.msg_ticket_invalid_cpf',
                            cpf=ticket.requester_cpf))
        if not field_names or field_names & {'site', 'service'}:
            for ticket in tickets:
                if not ticket.site.prefix(ticket.service):
                    raise TicketValidationError(gettext(
                            'see_presencial.msg_ticket_service_not_offered',
                            service=ticket.service.rec_name,
                            site=ticket.site.rec_name))

    @classmethod
    def copy(cls, tickets, default=None):
        if tickets:
            raise TicketError(gettext('see_presencial.msg_ticket_copy'))
        return []

    @classmethod
    def check_modification(cls, mode, tickets, values=None, external=False):
        super().check_modification(
            mode, tickets, values=values, external=external)
        if mode == 'delete' and external:
            raise TicketError(gettext('see_presencial.msg_ticket_delete'))

    # Steps ---------------------------------------------------------------

    @classmethod
    def log_event(cls, tickets, action, description=None):
        pool = Pool()
        Event = pool.get('see.ticket.event')
        Event.append([{
                    'ticket': t.id,
                    'action': action,
                    'desk': t.desk.id if t.desk else None,
                    'service': t.service.id,
                    'description': description,
                    } for t in tickets])

    @classmethod
    def _save_step(cls, tickets, state, action, description=None, **values):
        """Save the fields of a step with the new state, in one write, and
        log it: the transition then has no state left to write"""
        for ticket in tickets:
            ticket.state = state
            for name, value in values.items():
                setattr(ticket, name, value)
        cls.save(tickets)
        cls.log_event(tickets, action, description)

    @classmethod
    def _resolve_desk(cls, ticket, desk=None):
        """The desk at which the user calls ticket: the one given, else the
        only one the user is on duty at that serves the ticket"""
        pool = Pool()
        Desk = pool.get('see.site.desk')
        if desk is not None:
            desk = Desk(int(desk))
        elif Transaction().context.get('see_desk'):
            desk = Desk(Transaction().context['see_desk'])
        else:
            desks = Desk.search([
                    ('site', '=', ticket.site.id),
                    ('agents', '=', Transaction().user),
                    ['OR',
                        ('services', '=', ticket.service.id),
                        ('id', '=', ticket.target_desk.id
                            if ticket.target_desk else -1),
                        ],
                    ])
            if len(desks) != 1:
                raise TicketError(gettext(
                        'see_presencial.msg_ticket_choose_desk',
                        ticket=ticket.rec_name))
            desk, = desks
        if desk.site != ticket.site or not desk.active:
            raise TicketError(gettext(
                    'see_presencial.msg_ticket_desk_site',
                    ticket=ticket.rec_name, desk=desk.rec_name))
        if ticket.target_desk and ticket.target_desk != desk:
            raise TicketError(gettext(
                    'see_presencial.msg_ticket_reserved',
                    ticket=ticket.rec_name,
                    desk=ticket.target_desk.rec_name))
        return desk

    @classmethod
    def _check_desk_free(cls, desk):
        """Refuse to call at a desk that is still with a ticket

        The desk's row is written first: two calls at the same desk at once
        (a double click, two clients) are serialized, the later failing, to
        be retried by the dispatcher, and then seeing the desk busy."""
        pool = Pool()
        Desk = pool.get('see.site.desk')
        table = Desk.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.write_date], [table.write_date],
                where=table.id == desk.id))
        busy = cls.search([
                ('desk', '=', desk.id),
                ('state', 'in', list(AT_DESK_STATES)),
                ], limit=1)
        if busy:
            raise TicketError(gettext(
                    'see_presencial.msg_desk_busy',
                    desk=desk.rec_name, ticket=busy[0].rec_name))

    @classmethod
    def _check_on_duty(cls, tickets):
        for ticket in tickets:
            if ticket.desk:
                ticket.desk.check_on_duty()

    @classmethod
    def candidates(cls, desk):
        """The waiting tickets that desk may call (lazy records by id), and
        the same as the queue rule sees them"""
        pool = Pool()
        Priority = pool.get('see.ticket.priority')
        tickets = cls.search([
                ('site', '=', desk.site.id),
                ('day', '=', desk.site.today()),
                ('state', '=', 'waiting'),
                ['OR',
                    [
                        ('target_desk', '=', None),
                        ('service', 'in', [s.id for s in desk.services]),
                        ],
                    ('target_desk', '=', desk.id),
                    ],
                ])
        # Only the fields the rule needs: reading the whole tickets of a
        # long queue was most of the time of a call
        rows = cls.read([t.id for t in tickets],
            ['arrival', 'priority', 'scheduled_time'])
        weights = {p.id: p.weight for p in Priority.browse(
                {r['priority'] for r in rows if r['priority'] is not None})}
        return {t.id: t for t in tickets}, [Candidate(
                    id=r['id'], arrival=r['arrival'],
                    weight=weights.get(r['priority'], 0),
                    scheduled=r['scheduled_time']) for r in rows]

    @classmethod
    def recent_classes(cls, site, limit):
        "The classes of the latest first calls of the day at site"
        tickets = cls.search([
                ('site', '=', site.id),
                ('day', '=', site.today()),
                ('first_call_date', '!=', None),
                ('call_class', 'in', [PRIORITY, NORMAL]),
                ], order=[('first_call_date', 'DESC'), ('id', 'DESC')],
            limit=limit)
        return [t.call_class for t in reversed(tickets)]

    @classmethod
    def call_next_at(cls, desk):
        """Call at desk the next ticket of its queue by the site's rule

        Two desks calling at once may pick the same ticket: the later write
        of its row fails and the dispatcher retries the call, which then
        picks the next one. Their ratio counts see the calls committed
        before them."""
        desk.check_on_duty()
        cls._check_desk_free(desk)
        site = desk.site
        _, candidates = cls.candidates(desk)
        recent = cls.recent_classes(
            site, max(site.priority_ratio, site.normal_ratio))
        candidate, class_ = pick_next(candidates, dt.datetime.now(), recent,
            site.priority_ratio, site.normal_ratio)
        if candidate is None:
            raise TicketError(gettext(
                    'see_presencial.msg_queue_empty', desk=desk.rec_name))
        # Alone: not loading the other candidates with it
        ticket = cls(candidate.id)
        cls._call([ticket], desk, class_)
        return ticket

    @classmethod
    @Workflow.transition('called')
    def _call(cls, tickets, desk, class_):
        now = dt.datetime.now()
        for ticket in tickets:
            ticket.state = 'called'
            ticket.desk = desk
            ticket.agent = Transaction().user or None
            ticket.call_count = 1
            ticket.call_date = now
            ticket.target_desk = None
            if not ticket.first_call_date:
                ticket.first_call_date = now
                ticket.call_class = class_
        cls.save(tickets)
        cls.log_event(tickets, 'call')

    @classmethod
    @ModelView.button
    def call(cls, tickets, desk=None):
        """Call the tickets at desk (by default the user's desk for them),
        out of the queue's order"""
        now = dt.datetime.now()
        for ticket in tickets:
            if ticket.state != 'waiting':
                raise TicketError(gettext(
                        'see_presencial.msg_ticket_state',
                        ticket=ticket.rec_name, state=ticket.state_string))
            at = cls._resolve_desk(ticket, desk)
            at.check_on_duty()
            cls._check_desk_free(at)
            ticket_class = Candidate(id=ticket.id, arrival=ticket.arrival,
                weight=ticket.priority.weight if ticket.priority else 0,
                scheduled=ticket.scheduled_time)
            cls._call([ticket], at, queue_class(ticket_class, now))

    @classmethod
    @ModelView.button
    @Workflow.transition('called')
    def recall(cls, tickets):
        "Call the tickets again at their desk"
        cls._check_on_duty(tickets)
        now = dt.datetime.now()
        for ticket in tickets:
            ticket.call_count = (ticket.call_count or 0) + 1
            ticket.call_date = now
        cls._save_step(tickets, 'called', 'recall')

    @classmethod
    @ModelView.button
    @Workflow.transition('no_show')
    def no_show(cls, tickets):
        cls._check_on_duty(tickets)
        for ticket in tickets:
            if (ticket.call_count or 0) < ticket.site.no_show_calls:
                raise TicketError(gettext(
                        'see_presencial.msg_ticket_no_show_calls',
                        ticket=ticket.rec_name,
                        calls=ticket.site.no_show_calls,
                        count=ticket.call_count or 0))
        cls._save_step(
            tickets, 'no_show', 'no_show', end_date=dt.datetime.now())

    @classmethod
    @ModelView.button
    @Workflow.transition('attending')
    def start(cls, tickets):
        """Start the attendance: a protocol of channel presencial is opened
        for the ticket, unless one is still open (resumed ticket)"""
        pool = Pool()
        Protocol = pool.get('see.protocol')
        cls._check_on_duty(tickets)
        to_open = [t for t in tickets
            if not t.protocol or t.protocol.state not in OPEN_STATES]
        if to_open:
            with without_check_access():
                protocols = Protocol.create([
                        t._protocol_values() for t in to_open])
            for ticket, protocol in zip(to_open, protocols):
                ticket.protocol = protocol
        now = dt.datetime.now()
        for ticket in tickets:
            if not ticket.start_date:
                ticket.start_date = now
            ticket.agent = Transaction().user or None
        cls._save_step(tickets, 'attending', 'start')

    def _protocol_values(self):
        # In attendance at once when the reception identified the citizen;
        # otherwise a draft, started once the desk fills the requester
        identified = bool(self.requester_name and self.requester_cpf)
        values = {
            'channel': 'presencial',
            'service': self.service.id,
            'state': 'attending' if identified else 'draft',
            'ticket': self.id,
            }
        if self.requester_name:
            values['requester_name'] = self.requester_name
        if self.requester_cpf:
            values['requester_cpf'] = self.requester_cpf
        return values

    @classmethod
    @ModelView.button
    @Workflow.transition('suspended')
    def suspend(cls, tickets):
        "The citizen left the desk for a while (to fetch a document, say)"
        cls._check_on_duty(tickets)
        cls._save_step(tickets, 'suspended', 'suspend')

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def resume(cls, tickets):
        """The citizen came back: the ticket waits again, reserved for its
        desk, with its place in the queue"""
        for ticket in tickets:
            ticket.target_desk = ticket.desk
            ticket.desk = None
            ticket.call_count = 0
        cls._save_step(tickets, 'waiting', 'resume')

    @classmethod
    @ModelView.button
    @Workflow.transition('finished')
    def finish(cls, tickets):
        """Finish the attendance: its protocol must have ended through its
        own workflow (resolved or escalated to SEE-PE)"""
        cls._check_on_duty(tickets)
        for ticket in tickets:
            if not ticket.protocol or ticket.protocol.state not in (
                    ENDED_STATES):
                raise TicketError(gettext(
                        'see_presencial.msg_ticket_finish_protocol',
                        ticket=ticket.rec_name,
                        protocol=ticket.protocol.rec_name
                        if ticket.protocol else ''))
        cls._save_step(
            tickets, 'finished', 'finish', end_date=dt.datetime.now())

    @classmethod
    @ModelView.button_action('see_presencial.wizard_ticket_transfer')
    def transfer(cls, tickets):
        pass

    @classmethod
    @ModelView.button
    def transfer_to(cls, tickets, service=None, desk=None):
        """Transfer the tickets to another service and/or desk of their
        site: they wait again with their place in the queue (arrival) and
        priority, and keep their number"""
        pool = Pool()
        Service = pool.get('see.service')
        Desk = pool.get('see.site.desk')
        if not tickets:
            return
        service = Service(int(service)) if service else None
        desk = Desk(int(desk)) if desk else None
        if not service and not desk:
            raise TicketError(gettext(
                    'see_presencial.msg_ticket_transfer_target'))
        for ticket in tickets:
            if ticket.state not in {'waiting', 'called', 'attending'}:
                raise TicketError(gettext(
                        'see_presencial.msg_ticket_state',
                        ticket=ticket.rec_name, state=ticket.state_string))
            if ticket.desk and ticket.state in AT_DESK_STATES:
                ticket.desk.check_on_duty()
            cls._check_protocol_ended(ticket)
            new_service = service or ticket.service
            if not ticket.site.prefix(new_service):
                raise TicketError(gettext(
                        'see_presencial.msg_ticket_service_not_offered',
                        service=new_service.rec_name,
                        site=ticket.site.rec_name))
            if desk and (desk.site != ticket.site or not desk.active):
                raise TicketError(gettext(
                        'see_presencial.msg_ticket_desk_site',
                        ticket=ticket.rec_name, desk=desk.rec_name))
        description = ', '.join(
            r.rec_name for r in [service, desk] if r)
        cls._transfer(tickets, service, desk, description)

    @classmethod
    @Workflow.transition('waiting')
    def _transfer(cls, tickets, service, desk, description):
        for ticket in tickets:
            if service:
                ticket.service = service
            ticket.target_desk = desk
            ticket.desk = None
            ticket.call_count = 0
            ticket.protocol = None
        cls._save_step(tickets, 'waiting', 'transfer', description)

    @classmethod
    def _check_protocol_ended(cls, ticket):
        "Refuse to leave a desk with the attendance's protocol still open"
        if ticket.state == 'attending' and ticket.protocol and (
                ticket.protocol.state in OPEN_STATES):
            raise TicketError(gettext(
                    'see_presencial.msg_ticket_protocol_open',
                    ticket=ticket.rec_name,
                    protocol=ticket.protocol.rec_name))

    @classmethod
    @ModelView.button_action('see_presencial.wizard_ticket_cancel')
    def cancel(cls, tickets):
        pass

    @classmethod
    @ModelView.button
    def cancel_with_reason(cls, tickets, reason=None):
        "Cancel the tickets, for the reason given"
        if not tickets:
            return
        reason = (reason or '').strip()
        if not reason:
            raise TicketError(gettext(
                    'see_presencial.msg_ticket_cancel_reason'))
        for ticket in tickets:
            if ticket.state not in {
                    'waiting', 'called', 'suspended', 'attending'}:
                raise TicketError(gettext(
                        'see_presencial.msg_ticket_state',
                        ticket=ticket.rec_name, state=ticket.state_string))
            if ticket.desk and ticket.state in AT_DESK_STATES:
                ticket.desk.check_on_duty()
            cls._check_protocol_ended(ticket)
        cls._cancel(tickets, reason)

    @classmethod
    @Workflow.transition('cancelled')
    def _cancel(cls, tickets, reason):
        cls._save_step(tickets, 'cancelled', 'cancel', reason,
            cancel_reason=reason, end_date=dt.datetime.now())


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    ticket = fields.Many2One(
        'see.ticket', "Ticket", readonly=True, ondelete='RESTRICT',
        help="The queue ticket of the in-person attendance.")

    @classmethod
    def copy(cls, protocols, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('ticket', None)
        return super().copy(protocols, default=default)


class TransferStart(ModelView):
    __string__ = "Transfer Ticket"
    __name__ = 'see.ticket.transfer.start'

    site = fields.Many2One('see.site', "Site", readonly=True)
    service = fields.Many2One(
        'see.service', "Service",
        domain=[('id', 'in', Eval('site_services', []))],
        help="Leave empty to keep the ticket's service.")
    site_services = fields.Many2Many(
        'see.service', None, None, "Services of the Site", readonly=True)
    desk = fields.Many2One(
        'see.site.desk', "Desk",
        domain=[('site', '=', Eval('site', -1))],
        help="Only this desk will call the ticket; leave empty for any "
        "desk serving the service.")


class Transfer(Wizard):
    __string__ = "Transfer Ticket"
    __name__ = 'see.ticket.transfer'

    start = StateView('see.ticket.transfer.start',
        'see_presencial.ticket_transfer_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Transfer", 'transfer', 'tryton-ok', default=True),
            ])
    transfer = StateTransition()

    def default_start(self, fields):
        site = self.record.site
        return {
            'site': site.id,
            'site_services': [line.service.id for line in site.services],
            }

    def transition_transfer(self):
        pool = Pool()
        Ticket = pool.get('see.ticket')
        Ticket.transfer_to(self.records,
            self.start.service.id if self.start.service else None,
            self.start.desk.id if self.start.desk else None)
        return 'end'


class CancelStart(ModelView):
    __string__ = "Cancel Ticket"
    __name__ = 'see.ticket.cancel.start'

    reason = fields.Text("Reason", required=True)


class Cancel(Wizard):
    __string__ = "Cancel Ticket"
    __name__ = 'see.ticket.cancel'

    start = StateView('see.ticket.cancel.start',
        'see_presencial.ticket_cancel_start_view_form', [
            Button("Back", 'end', 'tryton-back'),
            Button("Cancel Ticket", 'cancel', 'tryton-cancel', default=True),
            ])
    cancel = StateTransition()

    def transition_cancel(self):
        pool = Pool()
        Ticket = pool.get('see.ticket')
        Ticket.cancel_with_reason(self.records, self.start.reason)
        return 'end'
