# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, sequence_ordered)
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools.timezone import UTC, available_timezones, get_tzinfo
from trytond.transaction import Transaction, without_check_access

from .exceptions import DeskAccessError, SiteClosedError, SiteValidationError


class Site(ServerReadonly, DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Service Site"
    __name__ = 'see.site'

    name = fields.Char("Name", required=True)
    code = fields.Char("Code", required=True)
    address = fields.Text("Address")
    timezone = fields.Selection(
        'get_timezones', "Timezone", required=True,
        help="The tickets' numbering restarts every day at midnight in "
        "this timezone.")
    calendar = fields.Many2One(
        'see.sla.calendar', "Opening Hours", ondelete='RESTRICT',
        help="The service calendar of the site: tickets are issued only on "
        "its days and hours, not on its holidays. Leave empty for a site "
        "open at all times.")
    services = fields.One2Many(
        'see.site.service', 'site', "Services",
        help="The services offered at the site and the prefix of their "
        "tickets.")
    desks = fields.One2Many('see.site.desk', 'site', "Desks")
    supervisors = fields.Many2Many(
        'see.site-res.user.supervisor', 'site', 'user', "Supervisors",
        help="The unit supervisors, who manage everything at the site.")
    receptionists = fields.Many2Many(
        'see.site-res.user.reception', 'site', 'user', "Receptionists",
        help="The users who issue tickets at the site.")
    no_show_calls = fields.Integer(
        "Calls Before No-Show", required=True,
        domain=[('no_show_calls', '>=', 1)],
        help="A ticket called this many times without answer may be "
        "marked as a no-show.")
    priority_ratio = fields.Integer(
        "Priority Calls in a Row", required=True,
        domain=[('priority_ratio', '>=', 1)],
        help="When priority and normal tickets wait, the number of "
        "priority tickets called before a normal one.")
    normal_ratio = fields.Integer(
        "Normal Calls in a Row", required=True,
        domain=[('normal_ratio', '>=', 1)],
        help="When priority and normal tickets wait, the number of normal "
        "tickets called before a priority one again.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'see_presencial.msg_site_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def get_timezones(cls):
        return [(z, z) for z in sorted(available_timezones())]

    @classmethod
    def default_timezone(cls):
        return 'America/Recife'

    @classmethod
    def default_no_show_calls(cls):
        return 3

    @classmethod
    def default_priority_ratio(cls):
        return 2

    @classmethod
    def default_normal_ratio(cls):
        return 1

    def now(self):
        "The current time at the site"
        return dt.datetime.now(UTC).astimezone(get_tzinfo(self.timezone))

    def today(self):
        "The current day at the site, which numbers the tickets"
        return self.now().date()

    def is_open(self, at):
        "Tell if the site is open at at, a UTC naive datetime"
        if not self.calendar:
            return True
        return self.calendar.interval_at(at) is not None

    def next_opening(self, at):
        """The UTC naive datetime the site opens next after at (at itself
        when it is open), or None when its calendar has no hours ahead"""
        if self.is_open(at):
            return at
        return self.calendar.next_opening(at)

    def closing_time(self, at):
        "The UTC naive end of the opening hours around at, or None"
        if not self.calendar:
            return None
        interval = self.calendar.interval_at(at)
        return interval[1] if interval else None

    def format_local(self, at):
        "at, a UTC naive datetime, as the site's calendar shows it"
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        zone = (self.calendar.zone if self.calendar
            else get_tzinfo(self.timezone))
        local = at.replace(tzinfo=UTC).astimezone(zone)
        return '%s %s' % (lang.strftime(local.date()), local.strftime('%H:%M'))

    def check_open(self, at):
        """Refuse to serve at at when the site is closed, saying why and
        when it opens again"""
        # The opening hours are no secret for who may issue a ticket
        with without_check_access():
            self._check_open(at)

    def _check_open(self, at):
        if self.is_open(at):
            return
        opens = self.next_opening(at)
        if not opens:
            raise SiteClosedError(gettext(
                    'see_presencial.msg_site_closed_no_opening',
                    site=self.rec_name, calendar=self.calendar.rec_name))
        day = self.calendar.local_date(at)
        holidays = self.calendar.holiday_dates(day, day)
        if day in holidays:
            raise SiteClosedError(gettext(
                    'see_presencial.msg_site_closed_holiday',
                    site=self.rec_name, holiday=holidays[day],
                    opens=self.format_local(opens)))
        raise SiteClosedError(gettext(
                'see_presencial.msg_site_closed',
                site=self.rec_name, opens=self.format_local(opens)))

    def prefix(self, service):
        "The prefix of the tickets of service at the site, or None"
        for line in self.services:
            if line.service == service:
                return line.prefix
        return None


class SiteService(ServerReadonly, sequence_ordered(), ModelSQL, ModelView):
    __string__ = "Service Site - Service"
    __name__ = 'see.site.service'

    site = fields.Many2One(
        'see.site', "Site", required=True, ondelete='CASCADE')
    service = fields.Many2One(
        'see.service', "Service", required=True, ondelete='RESTRICT')
    prefix = fields.Char(
        "Prefix", required=True, size=8,
        help="The letters before the number of the service's tickets, "
        "such as MAT in MAT-001.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('service_unique', Unique(t, t.site, t.service),
                'see_presencial.msg_site_service_unique'),
            ('prefix_unique', Unique(t, t.site, t.prefix),
                'see_presencial.msg_site_prefix_unique'),
            ]

    @fields.depends('service', 'prefix')
    def on_change_service(self):
        if self.service and not self.prefix:
            self.prefix = self.service.code

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('prefix'):
            values['prefix'] = values['prefix'].strip().upper()
        return values

    def get_rec_name(self, name):
        return self.service.rec_name


class SiteSupervisor(ModelSQL):
    __string__ = "Service Site - Supervisor"
    __name__ = 'see.site-res.user.supervisor'

    site = fields.Many2One(
        'see.site', "Site", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')


class SiteReceptionist(ModelSQL):
    __string__ = "Service Site - Receptionist"
    __name__ = 'see.site-res.user.reception'

    site = fields.Many2One(
        'see.site', "Site", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')


class Desk(ServerReadonly, DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Desk"
    __name__ = 'see.site.desk'

    site = fields.Many2One(
        'see.site', "Site", required=True, ondelete='CASCADE')
    name = fields.Char(
        "Name", required=True,
        help="As called on the panel, such as \"Guichê 3\".")
    number = fields.Integer("Number")
    services = fields.Many2Many(
        'see.site.desk-see.service', 'desk', 'service', "Services",
        help="The services whose tickets this desk calls; they must be "
        "offered at the site.")
    agents = fields.Many2Many(
        'see.site.desk-res.user', 'desk', 'user', "Agents on Duty",
        help="The desk agents who call and attend tickets at this desk.")
    current_ticket = fields.Function(
        fields.Many2One('see.ticket', "Current Ticket"),
        'get_current_ticket')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('name_unique', Unique(t, t.site, t.name),
                'see_presencial.msg_desk_name_unique'),
            ]
        cls._order = [('site', 'ASC'), ('number', 'ASC NULLS LAST'),
            ('name', 'ASC'), ('id', 'ASC')]
        cls._buttons.update({
                'call_next': {
                    'invisible': ~Eval('active', True),
                    'icon': 'tryton-forward',
                    'depends': ['active'],
                    },
                })

    @classmethod
    def validate_fields(cls, desks, field_names):
        super().validate_fields(desks, field_names)
        if field_names and not (field_names & {'site', 'services'}):
            return
        for desk in desks:
            offered = {line.service for line in desk.site.services}
            for service in desk.services:
                if service not in offered:
                    raise SiteValidationError(gettext(
                            'see_presencial.msg_desk_service_not_offered',
                            desk=desk.rec_name, service=service.rec_name,
                            site=desk.site.rec_name))

    def get_current_ticket(self, name):
        pool = Pool()
        Ticket = pool.get('see.ticket')
        tickets = Ticket.search([
                ('desk', '=', self.id),
                ('state', 'in', ['called', 'attending']),
                ], order=[('call_date', 'DESC'), ('id', 'DESC')], limit=1)
        return tickets[0].id if tickets else None

    def check_on_duty(self):
        """Refuse a user who is neither on duty at the desk nor a
        supervisor of its site (root, for processes, may)"""
        user = Transaction().user
        if not user:
            return
        if (user in {a.id for a in self.agents}
                or user in {s.id for s in self.site.supervisors}):
            return
        raise DeskAccessError(gettext(
                'see_presencial.msg_desk_not_on_duty', desk=self.rec_name,
                site=self.site.rec_name))

    @classmethod
    @ModelView.button
    def call_next(cls, desks):
        "Call the next ticket of the queue at each desk"
        pool = Pool()
        Ticket = pool.get('see.ticket')
        for desk in desks:
            Ticket.call_next_at(desk)


class DeskService(ModelSQL):
    __string__ = "Desk - Service"
    __name__ = 'see.site.desk-see.service'

    desk = fields.Many2One(
        'see.site.desk', "Desk", required=True, ondelete='CASCADE')
    service = fields.Many2One(
        'see.service', "Service", required=True, ondelete='CASCADE')


class DeskAgent(ModelSQL):
    __string__ = "Desk - Agent"
    __name__ = 'see.site.desk-res.user'

    desk = fields.Many2One(
        'see.site.desk', "Desk", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
