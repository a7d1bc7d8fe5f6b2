# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The unit supervisor's live dashboard: today at each site, per service
and per desk, by SQL aggregates over the tickets and their steps (the
times as statistics.py defines them)"""
import datetime as dt

from sql import Literal, Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.operators import Or

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.transaction import Transaction, without_check_access

from .statistics import (
    QUEUE_ENTRIES, average, seconds_between, segments_query, steps_query,
    tickets_with)
from .ticket import AT_DESK_STATES


def today_condition(ticket_site, ticket_day):
    """SQL condition of the tickets of today, each site's today in its
    timezone"""
    pool = Pool()
    Site = pool.get('see.site')
    with without_check_access():
        sites = Site.search([])
    condition = [(ticket_site == s.id) & (ticket_day == s.today())
        for s in sites]
    if not condition:
        return Literal(False)
    return Or(condition)


def _count(condition):
    return Sum(Case((condition, 1), else_=0))


def segment_tickets(site, kind, column, value):
    """The ids of today's tickets of site with a kind segment whose column
    (service, desk) is value: the tickets behind a TME or TMA"""
    cursor = Transaction().connection.cursor()
    today = site.today()
    segments = segments_query(
        lambda t: (t.site == site.id) & (t.day == today))
    cursor.execute(*segments.select(segments.ticket,
            where=(segments.kind == kind)
            & (getattr(segments, column) == value),
            group_by=[segments.ticket]))
    return sorted(r[0] for r in cursor)


def tickets_action(name, domain):
    "The window of the tickets behind a figure"
    return {
        'res_model': 'see.ticket',
        'pyson_domain': PYSONEncoder().encode(domain),
        'name': name,
        }


class ServiceDashboard(ModelSQL, ModelView):
    "Today's queue of each service of each site"
    __string__ = "In-Person Dashboard"
    __name__ = 'see.site.dashboard'

    site = fields.Many2One('see.site', "Site", readonly=True)
    service = fields.Many2One('see.service', "Service", readonly=True)
    waiting = fields.Integer("Waiting", readonly=True)
    longest_wait = fields.Float(
        "Longest Wait Now (s)", digits=(16, 0), readonly=True,
        help="Of the tickets waiting now: since they last joined the "
        "queue.")
    called = fields.Integer("Called", readonly=True)
    attending = fields.Integer("In Attendance", readonly=True)
    suspended = fields.Integer("Suspended", readonly=True)
    finished = fields.Integer("Finished", readonly=True)
    cancelled = fields.Integer("Cancelled", readonly=True)
    no_show = fields.Integer("No-Show", readonly=True)
    total = fields.Integer("Tickets", readonly=True)
    tme = fields.Float(
        "TME (s)", digits=(16, 0), readonly=True,
        help="Average waiting time of today's tickets called for the "
        "service.")
    tme_tickets = fields.Integer("Tickets Called", readonly=True)
    tma = fields.Float(
        "TMA (s)", digits=(16, 0), readonly=True,
        help="Average attendance time of today's tickets attended for the "
        "service, suspensions left out.")
    tma_tickets = fields.Integer("Tickets Attended", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('site', 'ASC'), ('id', 'ASC')]
        cls._buttons.update({
                name: {'icon': 'tryton-search'} for name in [
                    'open_waiting', 'open_tickets', 'open_tme',
                    'open_tma']})

    @classmethod
    def table_query(cls):
        pool = Pool()
        Ticket = pool.get('see.ticket')
        SiteService = pool.get('see.site.service')
        Site = pool.get('see.site')
        line = SiteService.__table__()
        site = Site.__table__()
        ticket = Ticket.__table__()
        now = dt.datetime.now()

        def of_today(t):
            return today_condition(t.site, t.day)
        states = ticket.select(
            ticket.site.as_('site'), ticket.service.as_('service'),
            *[_count(ticket.state == s).as_(s) for s in [
                    'waiting', 'called', 'attending', 'suspended',
                    'finished', 'cancelled', 'no_show']],
            Count(ticket.id).as_('total'),
            where=of_today(ticket),
            group_by=[ticket.site, ticket.service])
        steps = steps_query(of_today)
        # A waiting ticket waits since its last step put it in the queue
        queue = steps.select(
            steps.site.as_('site'), steps.service.as_('service'),
            Min(steps.date).as_('since'),
            where=(steps.ticket_state == 'waiting')
            & (steps.next_date == Null)
            & steps.action.in_(list(QUEUE_ENTRIES)),
            group_by=[steps.site, steps.service])
        segments = segments_query(of_today)
        times = segments.select(
            segments.site.as_('site'), segments.service.as_('service'),
            average(segments, 'wait').as_('tme'),
            tickets_with(segments, 'wait').as_('tme_tickets'),
            average(segments, 'attendance').as_('tma'),
            tickets_with(segments, 'attendance').as_('tma_tickets'),
            group_by=[segments.site, segments.service])

        def joined(query):
            return (query.site == line.site) & (query.service == line.service)
        query = line.join(site, condition=line.site == site.id
            ).join(states, 'LEFT', condition=joined(states)
            ).join(queue, 'LEFT', condition=joined(queue)
            ).join(times, 'LEFT', condition=joined(times))
        return query.select(
            line.id.as_('id'),
            line.site.as_('site'),
            line.service.as_('service'),
            *[Coalesce(getattr(states, s), 0).as_(s) for s in [
                    'waiting', 'called', 'attending', 'suspended',
                    'finished', 'cancelled', 'no_show', 'total']],
            seconds_between(queue.since, Literal(now)).as_('longest_wait'),
            times.tme.as_('tme'),
            Coalesce(times.tme_tickets, 0).as_('tme_tickets'),
            times.tma.as_('tma'),
            Coalesce(times.tma_tickets, 0).as_('tma_tickets'),
            Literal(0).as_('create_uid'),
            cls.create_date.sql_cast(Literal(now)).as_('create_date'),
            cls.write_uid.sql_cast(Null).as_('write_uid'),
            cls.write_date.sql_cast(Null).as_('write_date'),
            where=site.active == Literal(True))

    def _today_domain(self):
        return [
            ('site', '=', self.site.id),
            ('day', '=', self.site.today()),
            ]

    def _action(self, label, domain):
        return tickets_action('%s - %s - %s' % (
                self.site.rec_name, self.service.rec_name, label), domain)

    @classmethod
    @ModelView.button_action('see_presencial.act_dashboard_tickets')
    def open_waiting(cls, rows):
        if rows:
            row = rows[0]
            return row._action(cls.waiting.string, row._today_domain() + [
                    ('service', '=', row.service.id),
                    ('state', '=', 'waiting')])

    @classmethod
    @ModelView.button_action('see_presencial.act_dashboard_tickets')
    def open_tickets(cls, rows):
        if rows:
            row = rows[0]
            return row._action(cls.total.string, row._today_domain() + [
                    ('service', '=', row.service.id)])

    @classmethod
    @ModelView.button_action('see_presencial.act_dashboard_tickets')
    def open_tme(cls, rows):
        if rows:
            row = rows[0]
            return row._action(cls.tme.string,
                [('id', 'in', segment_tickets(
                            row.site, 'wait', 'service', row.service.id))])

    @classmethod
    @ModelView.button_action('see_presencial.act_dashboard_tickets')
    def open_tma(cls, rows):
        if rows:
            row = rows[0]
            return row._action(cls.tma.string,
                [('id', 'in', segment_tickets(
                            row.site, 'attendance', 'service',
                            row.service.id))])


class DeskDashboard(ModelSQL, ModelView):
    "Today at each desk of each site"
    __string__ = "In-Person Dashboard - Desk"
    __name__ = 'see.site.dashboard.desk'

    site = fields.Many2One('see.site', "Site", readonly=True)
    desk = fields.Many2One('see.site.desk', "Desk", readonly=True)
    status = fields.Selection([
            ('busy', "Busy"),
            ('free', "Free"),
            ('closed', "No Agent on Duty"),
            ], "Status", readonly=True,
        help="Busy: with a ticket called or in attendance. Free: with an "
        "agent on duty and no ticket. No agent on duty: nobody may call "
        "there.")
    agents = fields.Integer("Agents on Duty", readonly=True)
    ticket = fields.Many2One('see.ticket', "Ticket", readonly=True)
    finished = fields.Integer(
        "Finished Today", readonly=True,
        help="Attendances finished at the desk today.")
    tma = fields.Float(
        "TMA (s)", digits=(16, 0), readonly=True,
        help="Average attendance time at the desk today.")
    tma_tickets = fields.Integer("Tickets Attended", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('site', 'ASC'), ('id', 'ASC')]
        cls._buttons.update({
                'open_ticket': {
                    'icon': 'tryton-search',
                    'invisible': ~Eval('ticket'),
                    'depends': ['ticket'],
                    },
                'open_tma': {'icon': 'tryton-search'},
                })

    @classmethod
    def table_query(cls):
        pool = Pool()
        Desk = pool.get('see.site.desk')
        DeskAgent = pool.get('see.site.desk-res.user')
        Ticket = pool.get('see.ticket')
        Event = pool.get('see.ticket.event')
        desk = Desk.__table__()
        desk_agent = DeskAgent.__table__()
        ticket = Ticket.__table__()
        event = Event.__table__()
        now = dt.datetime.now()

        def of_today(t):
            return today_condition(t.site, t.day)
        agents = desk_agent.select(
            desk_agent.desk.as_('desk'),
            Count(desk_agent.user, distinct=True).as_('agents'),
            group_by=[desk_agent.desk])
        current = ticket.select(
            ticket.desk.as_('desk'), Min(ticket.id).as_('ticket'),
            where=ticket.state.in_(list(AT_DESK_STATES)),
            group_by=[ticket.desk])
        finished = event.join(ticket, condition=event.ticket == ticket.id
            ).select(
            event.desk.as_('desk'), Count(event.id).as_('finished'),
            where=(event.action == 'finish') & of_today(ticket),
            group_by=[event.desk])
        segments = segments_query(of_today)
        times = segments.select(
            segments.desk.as_('desk'),
            average(segments, 'attendance').as_('tma'),
            tickets_with(segments, 'attendance').as_('tma_tickets'),
            group_by=[segments.desk])
        query = desk.join(agents, 'LEFT', condition=agents.desk == desk.id
            ).join(current, 'LEFT', condition=current.desk == desk.id
            ).join(finished, 'LEFT', condition=finished.desk == desk.id
            ).join(times, 'LEFT', condition=times.desk == desk.id)
        staffed = Coalesce(agents.agents, 0) > 0
        return query.select(
            desk.id.as_('id'),
            desk.site.as_('site'),
            desk.id.as_('desk'),
            Case((current.ticket != Null, 'busy'), (staffed, 'free'),
                else_='closed').as_('status'),
            Coalesce(agents.agents, 0).as_('agents'),
            current.ticket.as_('ticket'),
            Coalesce(finished.finished, 0).as_('finished'),
            times.tma.as_('tma'),
            Coalesce(times.tma_tickets, 0).as_('tma_tickets'),
            Literal(0).as_('create_uid'),
            cls.create_date.sql_cast(Literal(now)).as_('create_date'),
            cls.write_uid.sql_cast(Null).as_('write_uid'),
            cls.write_date.sql_cast(Null).as_('write_date'),
            where=desk.active == Literal(True))

    @classmethod
    @ModelView.button_action('see_presencial.act_dashboard_tickets')
    def open_ticket(cls, rows):
        if rows and rows[0].ticket:
            row = rows[0]
            return tickets_action(row.desk.rec_name,
                [('id', '=', row.ticket.id)])

    @classmethod
    @ModelView.button_action('see_presencial.act_dashboard_tickets')
    def open_tma(cls, rows):
        if rows:
            row = rows[0]
            ids = segment_tickets(
                row.site, 'attendance', 'desk', row.desk.id)
            return tickets_action('%s - %s' % (
                    row.desk.rec_name, cls.tma.string), [('id', 'in', ids)])
