# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
from zoneinfo import ZoneInfo

import holidays as holidays_package
from sql.functions import AtTimeZone, Extract

from trytond import backend
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .exceptions import CalendarError

# The module that held the calendars before see_atendimento
FORMER_MODULE = 'see_sla'


def local_hour(column, timezone):
    """SQL expression of the hour of a UTC timestamp column in timezone
    (a column or a name); on SQLite (the demo) the UTC hour"""
    if backend.name == 'sqlite':
        return Extract('HOUR', column)
    return Extract('HOUR', AtTimeZone(AtTimeZone(column, 'UTC'), timezone))


def claim_model(model, module_name):
    """Record model and its fields as module_name's in a database where
    the former module registered them (the table stays as it is)"""
    pool = Pool()
    cursor = Transaction().connection.cursor()
    for name in ['ir.model', 'ir.model.field']:
        table = pool.get(name).__table__()
        column = table.name if name == 'ir.model' else table.model
        cursor.execute(*table.update([table.module], [module_name],
                where=(column == model.__name__)
                & (table.module == FORMER_MODULE)))


WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday',
    'saturday', 'sunday']


class ServiceCalendar(ServerReadonly, DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Service Calendar"
    __name__ = 'see.sla.calendar'
    # The service hours are the denominators of PLAT and the webchat limit
    _history = True

    name = fields.Char("Name", required=True, translate=True)
    kind = fields.Selection([
            ('rotineiro', "Routine"),
            ('especial', "Special"),
            ], "Kind", required=True)
    start_time = fields.Time("Opens At", required=True)
    end_time = fields.Time("Closes At", required=True)
    monday = fields.Boolean("Monday")
    tuesday = fields.Boolean("Tuesday")
    wednesday = fields.Boolean("Wednesday")
    thursday = fields.Boolean("Thursday")
    friday = fields.Boolean("Friday")
    saturday = fields.Boolean("Saturday")
    sunday = fields.Boolean("Sunday")
    timezone = fields.Char(
        "Time Zone", required=True,
        help="The service hours are local time of this zone; "
        "dates are stored in UTC.")
    holiday_country = fields.Char(
        "Holidays Country", size=2,
        help="ISO code of the country whose holidays are closed days "
        "(from the holidays package); leave empty for none.")
    holiday_subdivision = fields.Char(
        "Holidays Subdivision",
        help="State whose holidays are added, for example PE.")
    holidays = fields.One2Many(
        'see.sla.holiday', 'calendar', "Holidays",
        help="Holidays added by the administrator and package holidays "
        "declared working days.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def __register__(cls, module_name):
        super().__register__(module_name)
        claim_model(cls, module_name)

    @classmethod
    def default_timezone(cls):
        return 'America/Recife'

    @classmethod
    def default_holiday_country(cls):
        return 'BR'

    @classmethod
    def default_holiday_subdivision(cls):
        return 'PE'

    @classmethod
    def default_kind(cls):
        return 'rotineiro'

    @classmethod
    def validate_fields(cls, calendars, field_names):
        super().validate_fields(calendars, field_names)
        for calendar in calendars:
            if calendar.start_time >= calendar.end_time:
                raise CalendarError(gettext(
                        'see_atendimento.msg_calendar_hours',
                        calendar=calendar.rec_name))
            try:
                ZoneInfo(calendar.timezone)
            except Exception:
                raise CalendarError(gettext(
                        'see_atendimento.msg_calendar_timezone',
                        timezone=calendar.timezone))

    @property
    def zone(self):
        return ZoneInfo(self.timezone)

    @classmethod
    def agency_zone(cls):
        """The agency's time zone: that of its first routine calendar, else
        the default zone

        The local days of the figures (reports of the modules that have no
        calendar of their own) are those of the service hours."""
        # The zone is no secret: every user of the figures needs it
        with without_check_access():
            calendars = cls.search([
                    ('kind', '=', 'rotineiro'),
                    ], order=[('id', 'ASC')], limit=1)
        if calendars:
            return calendars[0].zone
        return ZoneInfo(cls.default_timezone())

    def holiday_dates(self, start, end):
        "Return {date: name} of the closed days between start and end"
        pool = Pool()
        Holiday = pool.get('see.sla.holiday')
        result = {}
        if self.holiday_country:
            years = list(range(start.year, end.year + 1))
            try:
                package = holidays_package.country_holidays(
                    self.holiday_country,
                    subdiv=self.holiday_subdivision or None,
                    years=years, language='pt_BR')
            except NotImplementedError:
                package = {}
            for date, name in package.items():
                if start <= date <= end:
                    result[date] = name
        for holiday in Holiday.search([
                    ('date', '>=', start),
                    ('date', '<=', end),
                    ['OR',
                        ('calendar', '=', None),
                        ('calendar', '=', self.id),
                        ],
                    ]):
            if holiday.kind == 'working':
                result.pop(holiday.date, None)
            else:
                result[holiday.date] = holiday.name
        return result

    def is_service_day(self, date, holidays):
        return (bool(getattr(self, WEEKDAYS[date.weekday()]))
            and date not in holidays)

    def service_intervals(self, start, end):
        """Return the (start, end) UTC naive datetimes of the service hours
        of the days from start to end included"""
        holidays = self.holiday_dates(start, end)
        zone = self.zone
        utc = dt.timezone.utc
        result = []
        date = start
        while date <= end:
            if self.is_service_day(date, holidays):
                opens = dt.datetime.combine(
                    date, self.start_time, tzinfo=zone)
                closes = dt.datetime.combine(
                    date, self.end_time, tzinfo=zone)
                result.append((
                        opens.astimezone(utc).replace(tzinfo=None),
                        closes.astimezone(utc).replace(tzinfo=None)))
            date += dt.timedelta(days=1)
        return result

    def local_date(self, at):
        "The date in the calendar's zone of at, a UTC naive datetime"
        return at.replace(tzinfo=dt.timezone.utc).astimezone(self.zone).date()

    def interval_at(self, at):
        """Return the (start, end) UTC naive service interval that contains
        at, a UTC naive datetime, or None when the service is closed"""
        day = self.local_date(at)
        # A late closing in a zone west of UTC ends on the next UTC day
        for opens, closes in self.service_intervals(
                day - dt.timedelta(days=1), day):
            if opens <= at < closes:
                return opens, closes
        return None

    def next_opening(self, at, days=366):
        """Return the UTC naive start of the first service interval after
        at, or None if there is none in the next days"""
        day = self.local_date(at)
        for opens, _ in self.service_intervals(
                day, day + dt.timedelta(days=days)):
            if opens > at:
                return opens
        return None

    def working_day_checker(self, start, end):
        "Return a function telling if a date is a working day (Mon-Fri)"
        holidays = self.holiday_dates(start, end)
        return lambda d: d.weekday() < 5 and d not in holidays


class Holiday(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Service Calendar Holiday"
    __name__ = 'see.sla.holiday'
    _history = True

    calendar = fields.Many2One(
        'see.sla.calendar', "Calendar", ondelete='CASCADE',
        help="Leave empty for a day that applies to every calendar.")
    date = fields.Date("Date", required=True)
    name = fields.Char("Name", required=True)
    kind = fields.Selection([
            ('holiday', "Holiday"),
            ('working', "Working Day"),
            ], "Kind", required=True,
        help="Holiday closes the day; Working Day reopens a day that the "
        "holidays package lists as a holiday.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))

    @classmethod
    def __register__(cls, module_name):
        super().__register__(module_name)
        claim_model(cls, module_name)

    @classmethod
    def default_kind(cls):
        return 'holiday'
