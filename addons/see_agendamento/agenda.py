# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The day of an appointment at its site, and the agenda of the desks and
agents: searchable fields the web client's tabs and the supervisor's
figures filter on (computed on the server, never trusted from the client)"""
import datetime as dt

from trytond import backend
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools.timezone import UTC, get_tzinfo
from trytond.transaction import Transaction, without_check_access

# The states an agent still has something to do in
PENDING_STATES = ['confirmed', 'checked_in']


def site_zone(site):
    "The zone of the site's calendar, which draws the slots"
    return site.calendar.zone if site.calendar else get_tzinfo(site.timezone)


def local_date(site, at):
    """The day at site of at, a UTC naive datetime; on SQLite (the demo)
    the UTC day, as the figures' SQL counts it there"""
    if backend.name == 'sqlite':
        return at.date()
    return at.replace(tzinfo=UTC).astimezone(site_zone(site)).date()


def day_start(site, day):
    "The UTC naive start of day at site (the UTC day on SQLite)"
    start = dt.datetime.combine(day, dt.time())
    if backend.name == 'sqlite':
        return start
    return start.replace(tzinfo=site_zone(site)).astimezone(UTC).replace(
        tzinfo=None)


def site_today(site):
    "The current day at site"
    return dt.datetime.now(UTC).astimezone(site_zone(site)).date()


def _all_sites():
    Site = Pool().get('see.site')
    with without_check_access():
        return Site.search([], order=[('id', 'ASC')])


def _day_domain(site, operator, day):
    "The domain of the appointments of site whose day is operator day"
    one = dt.timedelta(days=1)
    if operator == '=':
        return [('site', '=', site.id),
            ('start', '>=', day_start(site, day)),
            ('start', '<', day_start(site, day + one))]
    if operator == '!=':
        return [('site', '=', site.id), ['OR',
                ('start', '<', day_start(site, day)),
                ('start', '>=', day_start(site, day + one))]]
    bound, start_operator = {
        '>=': (day, '>='),
        '>': (day + one, '>='),
        '<': (day, '<'),
        '<=': (day + one, '<'),
        }[operator]
    return [('site', '=', site.id),
        ('start', start_operator, day_start(site, bound))]


def _nothing():
    return [('id', '<', 0)]


class Appointment(metaclass=PoolMeta):
    __name__ = 'see.appointment'

    day = fields.Function(fields.Date(
            "Day", help="The day of the appointment at its site."),
        'get_day', searcher='search_day')
    today = fields.Function(fields.Boolean(
            "Today", help="The appointment is today at its site."),
        'get_today', searcher='search_today')
    arrived_late = fields.Function(fields.Boolean(
            "Arrived Late",
            help="The citizen checked in after the time of the "
            "appointment, within the late tolerance."),
        'get_arrived_late', searcher='search_arrived_late')
    desk = fields.Function(fields.Many2One(
            'see.site.desk', "Desk",
            help="The desk that called the citizen's ticket."),
        'get_desk')
    attendant = fields.Function(fields.Many2One(
            'res.user', "Attendant",
            help="The agent of the ticket or of the video attendance."),
        'get_attendant', searcher='search_attendant')
    mine = fields.Function(fields.Boolean(
            "Mine", help="The user is the attendant."),
        'get_mine', searcher='search_mine')
    at_my_desk = fields.Function(fields.Boolean(
            "At My Desk",
            help="A desk of the site where the user is an agent serves the "
            "appointment's service."),
        'get_at_my_desk', searcher='search_at_my_desk')

    def get_day(self, name):
        return local_date(self.site, self.start) if self.site else None

    @classmethod
    def search_day(cls, name, clause):
        _, operator, value = clause[:3]
        values = value if operator in {'in', 'not in'} else [value]
        if (operator not in {'=', '!=', '<', '<=', '>', '>=', 'in',
                    'not in'}
                or any(not isinstance(v, dt.date) for v in values)):
            return _nothing()
        each = {'in': '=', 'not in': '!='}.get(operator, operator)
        domains = [_day_domain(s, each, v)
            for s in _all_sites() for v in values]
        if operator == 'not in':
            # Not any of the days: of each site, none of them
            per_site = {}
            for domain in domains:
                per_site.setdefault(domain[0][2], []).append(domain[1])
            domains = [[('site', '=', s)] + d for s, d in per_site.items()]
        return ['OR', *domains] if domains else _nothing()

    def get_today(self, name):
        return bool(self.site) and self.day == site_today(self.site)

    @classmethod
    def search_today(cls, name, clause):
        _, operator, value = clause[:3]
        wanted = (operator == '=') == bool(value)
        domains = [_day_domain(s, '=' if wanted else '!=', site_today(s))
            for s in _all_sites()]
        return ['OR', *domains] if domains else _nothing()

    def get_arrived_late(self, name):
        return bool(self.check_in_date and self.check_in_date > self.start)

    @classmethod
    def search_arrived_late(cls, name, clause):
        _, operator, value = clause[:3]
        table = cls.__table__()
        late = table.select(table.id,
            where=table.check_in_date > table.start)
        wanted = (operator == '=') == bool(value)
        return [('id', 'in' if wanted else 'not in', late)]

    def get_desk(self, name):
        if self.ticket and self.ticket.desk:
            return self.ticket.desk.id

    def get_attendant(self, name):
        if self.ticket and self.ticket.agent:
            return self.ticket.agent.id
        if self.protocol and self.protocol.agent:
            return self.protocol.agent.id

    @classmethod
    def search_attendant(cls, name, clause):
        _, operator, value = clause[:3]
        return ['OR',
            ('ticket.agent', operator, value),
            ('protocol.agent', operator, value),
            ]

    def get_mine(self, name):
        return bool(self.attendant
            and self.attendant.id == Transaction().user)

    @classmethod
    def search_mine(cls, name, clause):
        _, operator, value = clause[:3]
        domain = cls.search_attendant(
            'attendant', ('attendant', '=', Transaction().user))
        if (operator == '=') == bool(value):
            return domain
        return [('id', 'not in', cls.search(domain, query=True))]

    @classmethod
    def _my_desks(cls):
        Desk = Pool().get('see.site.desk')
        with without_check_access():
            return Desk.search([
                    ('agents', '=', Transaction().user),
                    ('active', '=', True),
                    ])

    def get_at_my_desk(self, name):
        return any(d.site == self.site and self.service in d.services
            for d in self._my_desks())

    @classmethod
    def search_at_my_desk(cls, name, clause):
        _, operator, value = clause[:3]
        domains = [[('site', '=', d.site.id),
                ('service', 'in', [s.id for s in d.services])]
            for d in cls._my_desks() if d.services]
        domain = ['OR', *domains] if domains else _nothing()
        if (operator == '=') == bool(value):
            return domain
        return [('id', 'not in', cls.search(domain, query=True))]
