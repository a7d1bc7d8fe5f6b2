# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Occupation and no-shows of a period per site, day and booking type, and
their CSV, XLSX and PDF files

A row is a booking type on a day at its site (the day in the time zone of
the site's calendar; the UTC day on SQLite, the demo). Offered is the
places of the day's slots (the slots of the type's grid times its
capacity), computed from the type's current settings, calendar and
holidays; an inactive type offers none. The counts are of the
appointments that start on the day:

- booked: confirmed once and not cancelled (confirmed, checked in,
  no-show, done); holds are not bookings;
- checked in: with a check-in; late: checked in after their time;
- no-show; cancelled: cancelled after being confirmed; attended: done;
- occupation: booked over offered, in per cent.

Each count opens its appointments (the row's button, one tab per count),
whose numbers in the tabs are the row's."""
import datetime as dt

from sql import Literal, Null, Union, Values
from sql.aggregate import Max, Min, Sum
from sql.conditionals import Case, Coalesce

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.see_atendimento.tabular import (
    FiguresReport, PeriodContext)
from trytond.pool import Pool
from trytond.pyson import PYSONEncoder
from trytond.transaction import Transaction, without_check_access

from .agenda import local_date
from .exceptions import AppointmentError

# The longest period a report covers
MAX_DAYS = 366
BOOKED_STATES = ['confirmed', 'checked_in', 'no_show', 'done']
COUNTS = ['booked', 'checked_in', 'late', 'no_show', 'cancelled',
    'attended']
# Epoch of the rows' ids: a row is (booking type, day)
EPOCH = dt.date(2000, 1, 1)
DAY_IDS = 100000


class OccupationContext(PeriodContext, ModelView):
    __string__ = "Appointment Occupation Context"
    __name__ = 'see.appointment.occupation.context'

    site = fields.Many2One(
        'see.site', "Site", help="Leave empty for every site you may see.")


def _period():
    "The context's from and to dates and site id, the period checked"
    context = Transaction().context
    today = dt.date.today()
    from_date = context.get('from_date') or today.replace(day=1)
    to_date = context.get('to_date') or today
    if to_date < from_date:
        raise AppointmentError(gettext(
                'see_agendamento.msg_occupation_dates'))
    if (to_date - from_date).days >= MAX_DAYS:
        raise AppointmentError(gettext(
                'see_agendamento.msg_occupation_period', days=MAX_DAYS))
    return from_date, to_date, context.get('site')


def offered_places(booking_types, from_date, to_date):
    """{(booking type id, day): places offered} of the days from from_date
    to to_date with slots"""
    result = {}
    for booking_type in booking_types:
        if not booking_type.active or not booking_type.site.calendar:
            continue
        site = booking_type.site
        for start, _ in booking_type.grid(from_date, to_date):
            key = (booking_type.id, local_date(site, start))
            result[key] = result.get(key, 0) + booking_type.capacity
    return result


class Occupation(ModelSQL, ModelView):
    "Places offered and appointments per site, day and booking type"
    __string__ = "Appointment Occupation"
    __name__ = 'see.appointment.occupation'

    site = fields.Many2One('see.site', "Site", readonly=True)
    day = fields.Date("Day", readonly=True)
    booking_type = fields.Many2One(
        'see.booking.type', "Booking Type", readonly=True)
    offered = fields.Integer(
        "Offered", readonly=True,
        help="The places of the day's slots: slots times capacity.")
    booked = fields.Integer(
        "Booked", readonly=True,
        help="Confirmed and not cancelled, no-shows included.")
    checked_in = fields.Integer("Checked In", readonly=True)
    late = fields.Integer(
        "Late", readonly=True,
        help="Checked in after the time of the appointment.")
    no_show = fields.Integer("No-Show", readonly=True)
    cancelled = fields.Integer(
        "Cancelled", readonly=True,
        help="Cancelled after being confirmed (expired holds left out).")
    attended = fields.Integer("Attended", readonly=True)
    occupation = fields.Function(fields.Float(
            "Occupation (%)", digits=(16, 1),
            help="Booked over offered."),
        'get_occupation')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('site', 'ASC'), ('day', 'ASC'), ('booking_type', 'ASC'),
            ('id', 'ASC')]
        cls._buttons.update({
                'open_appointments': {'icon': 'tryton-search'},
                })

    @classmethod
    def table_query(cls):
        pool = Pool()
        Appointment = pool.get('see.appointment')
        BookingType = pool.get('see.booking.type')
        Site = pool.get('see.site')
        Calendar = pool.get('see.sla.calendar')
        appointment = Appointment.__table__()
        site = Site.__table__()
        calendar = Calendar.__table__()
        from_date, to_date, site_id = _period()

        domain = [('site', '=', int(site_id))] if site_id else []
        with without_check_access(), Transaction().set_context(
                active_test=False):
            types = BookingType.search(domain)
        offered = offered_places(types, from_date, to_date)
        sites = {t.id: t.site.id for t in types}

        # A day either side: the local days of the period in any zone
        where = ((appointment.start >= dt.datetime.combine(
                    from_date - dt.timedelta(days=1), dt.time()))
            & (appointment.start < dt.datetime.combine(
                    to_date + dt.timedelta(days=2), dt.time())))
        if site_id:
            where &= appointment.site == int(site_id)

        def count(condition):
            return Case((condition, 1), else_=0)
        # Even ids for the appointments, odd for the offered places: the
        # smallest of a group is its row's id
        facts = appointment.join(site,
            condition=appointment.site == site.id
            ).join(calendar, 'LEFT', condition=site.calendar == calendar.id
            ).select(
            (appointment.id * 2).as_('id'),
            appointment.site.as_('site'),
            appointment.booking_type.as_('booking_type'),
            # The UTC day on SQLite
            cls.day.sql_cast(appointment.start, timezone=Coalesce(
                    calendar.timezone, site.timezone)).as_('day'),
            Literal(0).as_('offered'),
            count(appointment.state.in_(BOOKED_STATES)).as_('booked'),
            count(appointment.check_in_date != Null).as_('checked_in'),
            count(appointment.check_in_date > appointment.start).as_('late'),
            count(appointment.state == 'no_show').as_('no_show'),
            count((appointment.state == 'cancelled')
                & (appointment.confirm_date != Null)).as_('cancelled'),
            count(appointment.state == 'done').as_('attended'),
            where=where)
        if offered:
            places = Values([[
                        ((type_id * DAY_IDS + (day - EPOCH).days) * 2 + 1),
                        sites[type_id], type_id, day, places]
                    for (type_id, day), places in sorted(offered.items())])
            facts = Union(facts, places.select(
                    places.column1.as_('id'),
                    places.column2.as_('site'),
                    places.column3.as_('booking_type'),
                    cls.day.sql_cast(places.column4).as_('day'),
                    places.column5.as_('offered'),
                    *[Literal(0).as_(n) for n in COUNTS]),
                all_=True)
        now = dt.datetime.now()
        return facts.select(
            Min(facts.id).as_('id'),
            facts.site.as_('site'),
            facts.booking_type.as_('booking_type'),
            facts.day.as_('day'),
            Max(facts.offered).as_('offered'),
            *[Sum(getattr(facts, n)).as_(n) for n in COUNTS],
            Literal(0).as_('create_uid'),
            cls.create_date.sql_cast(Literal(now)).as_('create_date'),
            cls.write_uid.sql_cast(Null).as_('write_uid'),
            cls.write_date.sql_cast(Null).as_('write_date'),
            where=(facts.day >= from_date) & (facts.day <= to_date),
            group_by=[facts.site, facts.booking_type, facts.day])

    @classmethod
    def get_occupation(cls, rows, name):
        return {r.id: round(100 * r.booked / r.offered, 1)
            if r.offered else None for r in rows}

    def appointments_domain(self):
        "The domain of the appointments the row counts"
        return [
            ('booking_type', '=', self.booking_type.id),
            ('day', '=', self.day),
            ]

    @classmethod
    @ModelView.button_action(
        'see_agendamento.act_occupation_appointments')
    def open_appointments(cls, rows):
        if rows:
            row = rows[0]
            return {
                'name': '%s - %s' % (row.booking_type.rec_name,
                    row.day.strftime('%d/%m/%Y')),
                'pyson_domain': PYSONEncoder().encode(
                    row.appointments_domain()),
                }

    @classmethod
    def report_document(cls):
        """The document of the rows under the context's period and site,
        and their totals per site and day, for tabular.render_*"""
        pool = Pool()
        Context = pool.get('see.appointment.occupation.context')
        Site = pool.get('see.site')
        from_date, to_date, site_id = _period()
        c_fields = Context.fields_get()
        names = ['site', 'day', 'booking_type', 'offered', *COUNTS,
            'occupation']
        s_fields = cls.fields_get(names)
        header = [s_fields[n]['string'] for n in names]
        summary = [
            (c_fields['from_date']['string'], from_date.strftime('%d/%m/%Y')),
            (c_fields['to_date']['string'], to_date.strftime('%d/%m/%Y')),
            (c_fields['site']['string'],
                Site(int(site_id)).rec_name if site_id
                else gettext('see_agendamento.msg_occupation_all_sites')),
            ]
        rows, totals = [], {}
        for record in cls.search([]):
            figures = [record.offered] + [getattr(record, n) for n in COUNTS]
            rows.append([record.site.rec_name,
                    record.day.strftime('%d/%m/%Y'),
                    record.booking_type.rec_name, *figures,
                    record.occupation])
            key = (record.site.rec_name, record.day)
            total = totals.setdefault(key, [0] * len(figures))
            totals[key] = [a + b for a, b in zip(total, figures)]
        day_rows = [[site_name, day.strftime('%d/%m/%Y'), *figures,
                round(100 * figures[1] / figures[0], 1)
                if figures[0] else None]
            for (site_name, day), figures in sorted(totals.items())]
        day_header = [h for n, h in zip(names, header) if n != 'booking_type']
        return {
            'title': gettext('see_agendamento.msg_occupation_title'),
            'summary': summary,
            'tables': [
                (gettext('see_agendamento.msg_occupation_per_day'),
                    day_header, day_rows),
                (cls.__names__()['model'], header, rows),
                ],
            }


class OccupationReport(FiguresReport):
    "The occupation as PDF"
    __string__ = "Occupation Report"
    __name__ = 'see.appointment.occupation.report'
    sheet_name = 'Agendamentos'
    figures_model = 'see.appointment.occupation'
    context_keys = ['from_date', 'to_date', 'site']

    @classmethod
    def figures(cls):
        Occupation = Pool().get('see.appointment.occupation')
        document = Occupation.report_document()
        from_date, to_date, _ = _period()
        return document, [
            from_date.strftime('%Y%m%d'), to_date.strftime('%Y%m%d')]


class OccupationReportXLSX(OccupationReport):
    __string__ = "Occupation Report (XLSX)"
    __name__ = 'see.appointment.occupation.report.xlsx'
    extension = 'xlsx'


class OccupationReportCSV(OccupationReport):
    __string__ = "Occupation Report (CSV)"
    __name__ = 'see.appointment.occupation.report.csv'
    extension = 'csv'
