# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""In-person figures for a period, per site, service, desk, agent, hour or
day, and their CSV, XLSX and PDF files

The tickets of the period are those of its days (each ticket's day at its
site). The counts are the steps: issued, attended (finished), cancelled,
no-show and transferred (counted for the service and desk the ticket
left); the times are TME and TMA as statistics.py defines them."""
import datetime as dt

from sql import Literal, Null, Union
from sql.aggregate import Min, Sum
from sql.conditionals import Case

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.see_atendimento.calendar_ import local_hour
from trytond.modules.see_atendimento.tabular import (
    FiguresReport, PeriodContext)
from trytond.pool import Pool
from trytond.transaction import Transaction

from .statistics import average, segments_query, steps_query, tickets_with

GROUPINGS = [
    ('site', "Site"),
    ('service', "Service"),
    ('desk', "Desk"),
    ('agent', "Agent"),
    ('hour', "Hour of the Day"),
    ('day', "Day"),
    ]
COUNTED_STEPS = {
    'issue': 'issued',
    'finish': 'attended',
    'cancel': 'cancelled',
    'no_show': 'no_show',
    'transfer': 'transferred',
    }


class StatisticsContext(PeriodContext, ModelView):
    __string__ = "In-Person Statistics Context"
    __name__ = 'see.ticket.statistics.context'

    site = fields.Many2One(
        'see.site', "Site", help="Leave empty for every site you may see.")
    grouping = fields.Selection(GROUPINGS, "Per", required=True)

    @classmethod
    def default_grouping(cls):
        return 'service'


def _period():
    context = Transaction().context
    today = dt.date.today()
    return (context.get('from_date') or today.replace(day=1),
        context.get('to_date') or today,
        context.get('site'),
        context.get('grouping') or 'service')


class Statistics(ModelSQL, ModelView):
    "In-person figures of a period per site, service, desk, agent or hour"
    __string__ = "In-Person Statistics"
    __name__ = 'see.ticket.statistics'

    site = fields.Many2One('see.site', "Site", readonly=True)
    service = fields.Many2One('see.service', "Service", readonly=True)
    desk = fields.Many2One('see.site.desk', "Desk", readonly=True)
    agent = fields.Many2One('res.user', "Agent", readonly=True)
    hour = fields.Integer("Hour", readonly=True)
    day = fields.Date("Day", readonly=True)
    issued = fields.Integer("Issued", readonly=True)
    attended = fields.Integer("Attended", readonly=True)
    cancelled = fields.Integer("Cancelled", readonly=True)
    no_show = fields.Integer("No-Show", readonly=True)
    transferred = fields.Integer("Transferred", readonly=True)
    tme = fields.Float(
        "TME (s)", digits=(16, 0), readonly=True,
        help="Average waiting time until called, per ticket.")
    tme_tickets = fields.Integer("Tickets Called", readonly=True)
    tma = fields.Float(
        "TMA (s)", digits=(16, 0), readonly=True,
        help="Average attendance time, suspensions left out, per ticket.")
    tma_tickets = fields.Integer("Tickets Attended", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('day', 'ASC'), ('hour', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        from_date, to_date, site_id, grouping = _period()
        return cls.figures_query(from_date, to_date, site_id, grouping)

    @classmethod
    def figures_query(cls, from_date, to_date, site_id, grouping):
        pool = Pool()
        Site = pool.get('see.site')
        site = Site.__table__()

        def of_period(t):
            condition = (t.day >= from_date) & (t.day <= to_date)
            if site_id:
                condition &= t.site == int(site_id)
            return condition
        steps = steps_query(of_period)
        transfer = steps.action == 'transfer'
        # Even ids for the steps, odd for the segments (which start at a
        # step): the smallest of a group is then the group's own
        counts = steps.select(
            (steps.id * 2).as_('id'),
            steps.ticket.as_('ticket'),
            steps.site.as_('site'),
            steps.day.as_('day'),
            steps.date.as_('date'),
            Case((transfer, steps.previous_service),
                else_=steps.service).as_('service'),
            Case((transfer, steps.previous_desk), else_=steps.desk).as_(
                'desk'),
            steps.user.as_('agent'),
            *[Case((steps.action == a, 1), else_=0).as_(n)
                for a, n in COUNTED_STEPS.items()],
            Literal(None).as_('kind'),
            Literal(None).as_('seconds'),
            where=steps.action.in_(list(COUNTED_STEPS)))
        segments = segments_query(of_period)
        times = segments.select(
            (segments.id * 2 + 1).as_('id'),
            segments.ticket.as_('ticket'),
            segments.site.as_('site'),
            segments.day.as_('day'),
            segments.start.as_('date'),
            segments.service.as_('service'),
            segments.desk.as_('desk'),
            segments.agent.as_('agent'),
            *[Literal(0).as_(n) for n in COUNTED_STEPS.values()],
            segments.kind.as_('kind'),
            segments.seconds.as_('seconds'),
            )
        union = Union(counts, times, all_=True)
        # The hour taken in a subquery: PostgreSQL does not see a
        # parameterized expression of the SELECT in the GROUP BY as the same
        facts = union.join(site, condition=union.site == site.id).select(
            *[getattr(union, n).as_(n) for n in [
                    'id', 'ticket', 'site', 'day', 'service', 'desk',
                    'agent', 'kind', 'seconds', *COUNTED_STEPS.values()]],
            local_hour(union.date, site.timezone).as_('hour'))
        dimensions = {
            'site': facts.site,
            'service': facts.service,
            'desk': facts.desk,
            'agent': facts.agent,
            'hour': facts.hour,
            'day': facts.day,
            }
        group_by = [facts.site]
        if grouping != 'site':
            group_by.append(dimensions[grouping])
        columns = []
        for name, column in dimensions.items():
            if name == grouping or name == 'site':
                columns.append(column.as_(name))
            else:
                columns.append(Literal(None).as_(name))
        now = dt.datetime.now()
        return facts.select(
            Min(facts.id).as_('id'),
            *columns,
            *[Sum(getattr(facts, n)).as_(n) for n in COUNTED_STEPS.values()],
            average(facts, 'wait').as_('tme'),
            tickets_with(facts, 'wait').as_('tme_tickets'),
            average(facts, 'attendance').as_('tma'),
            tickets_with(facts, 'attendance').as_('tma_tickets'),
            Literal(0).as_('create_uid'),
            cls.create_date.sql_cast(Literal(now)).as_('create_date'),
            cls.write_uid.sql_cast(Null).as_('write_uid'),
            cls.write_date.sql_cast(Null).as_('write_date'),
            group_by=group_by)

    @classmethod
    def report_document(cls):
        """The document of the figures under the context's period, site and
        grouping, for tabular.render_*"""
        pool = Pool()
        Context = pool.get('see.ticket.statistics.context')
        Site = pool.get('see.site')
        from_date, to_date, site_id, grouping = _period()
        c_fields = Context.fields_get()
        s_fields = cls.fields_get()
        labels = dict(c_fields['grouping']['selection'])
        summary = [
            (c_fields['from_date']['string'], from_date.strftime('%d/%m/%Y')),
            (c_fields['to_date']['string'], to_date.strftime('%d/%m/%Y')),
            (c_fields['site']['string'],
                Site(int(site_id)).rec_name if site_id
                else gettext('see_presencial.msg_report_all_sites')),
            (c_fields['grouping']['string'], labels[grouping]),
            ]
        dimensions = ['site'] if grouping == 'site' else ['site', grouping]
        figures = ['issued', 'attended', 'cancelled', 'no_show',
            'transferred', 'tme', 'tme_tickets', 'tma', 'tma_tickets']
        header = [s_fields[n]['string'] for n in dimensions + figures]
        rows = []
        for record in cls.search([], order=[
                    (d, 'ASC') for d in dimensions] + [('id', 'ASC')]):
            row = []
            for name in dimensions:
                value = getattr(record, name)
                row.append(value.rec_name if hasattr(value, 'rec_name')
                    else value)
            for name in figures:
                value = getattr(record, name)
                if name in {'tme', 'tma'} and value is not None:
                    value = round(value)
                row.append(value)
            rows.append(row)
        title = gettext('see_presencial.msg_report_title')
        return {
            'title': title,
            'summary': summary,
            'tables': [(labels[grouping], header, rows)],
            }


class StatisticsReport(FiguresReport):
    "The figures as PDF"
    __string__ = "In-Person Report"
    __name__ = 'see.ticket.statistics.report'
    sheet_name = 'Presencial'
    figures_model = 'see.ticket.statistics'
    context_keys = ['from_date', 'to_date', 'site', 'grouping']

    @classmethod
    def figures(cls):
        Statistics = Pool().get('see.ticket.statistics')
        document = Statistics.report_document()
        from_date, to_date, _, grouping = _period()
        return document, [grouping,
            from_date.strftime('%Y%m%d'), to_date.strftime('%Y%m%d')]


class StatisticsReportXLSX(StatisticsReport):
    __string__ = "In-Person Report (XLSX)"
    __name__ = 'see.ticket.statistics.report.xlsx'
    extension = 'xlsx'


class StatisticsReportCSV(StatisticsReport):
    __string__ = "In-Person Report (CSV)"
    __name__ = 'see.ticket.statistics.report.csv'
    extension = 'csv'
