# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Document-review figures for a period, and their CSV, XLSX and PDF files

Three lists under one context (period and service): the submissions by
service and state, the rejections by service, document type and reason,
and per reviewer the documents decided and the time to first review
against the checklist's target. The period's days are the agency's local
days (the zone of its routine calendar): a submission counts on the day it
was created, a document on the day it was reviewed, a first review on the
day it was concluded."""
import datetime as dt

from sql import Literal, Null, Union
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.see_atendimento import tabular
from trytond.pool import Pool
from trytond.transaction import Transaction

from .submission import STATES


class ReportContext(tabular.PeriodContext, ModelView):
    __string__ = "Document Review Figures Context"
    __name__ = 'see.document.report.context'

    service = fields.Many2One(
        'see.service', "Service", help="Leave empty for every service.")


def _period():
    """The context's period as [start, end) UTC datetimes, its dates and
    service id"""
    Calendar = Pool().get('see.sla.calendar')
    context = Transaction().context
    zone = Calendar.agency_zone()
    today = dt.datetime.now(zone).date()
    from_date = context.get('from_date') or today.replace(day=1)
    to_date = context.get('to_date') or today

    def utc(date):
        local = dt.datetime.combine(date, dt.time(), tzinfo=zone)
        return local.astimezone(dt.timezone.utc).replace(tzinfo=None)
    start = utc(from_date)
    end = utc(to_date + dt.timedelta(days=1))
    return start, end, from_date, to_date, context.get('service')


def _stamps(cls):
    "The columns every table_query gives"
    now = dt.datetime.now()
    return [
        Literal(0).as_('create_uid'),
        cls.create_date.sql_cast(Literal(now)).as_('create_date'),
        cls.write_uid.sql_cast(Null).as_('write_uid'),
        cls.write_date.sql_cast(Null).as_('write_date'),
        ]


class _Tabular:
    "A figures list that gives its table to the report's document"
    __slots__ = ()
    _figures_dimensions = []
    _figures = []

    @classmethod
    def report_table(cls):
        "(title, header, rows) of the records under the context"
        names = cls._figures_dimensions + cls._figures
        s_fields = cls.fields_get(names)
        header = [s_fields[n]['string'] for n in names]
        rows = []
        for record in cls.search([], order=[
                    (d, 'ASC') for d in cls._figures_dimensions]
                + [('id', 'ASC')]):
            row = []
            for name in names:
                value = getattr(record, name)
                if hasattr(value, 'rec_name'):
                    value = value.rec_name
                elif name == 'state':
                    value = record.state_string
                elif isinstance(value, float):
                    value = round(value)
                row.append(value)
            rows.append(row)
        return cls.__names__()['model'], header, rows


class SubmissionFigures(_Tabular, ModelSQL, ModelView):
    "Submissions created in the period, per service and state"
    __string__ = "Submissions by State"
    __name__ = 'see.document.report.state'

    service = fields.Many2One('see.service', "Service", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, sort=False)
    state_string = state.translated('state')
    submissions = fields.Integer("Submissions", readonly=True)
    cycles = fields.Integer(
        "Review Cycles", readonly=True,
        help="The times their documents were sent to review, in all.")

    _figures_dimensions = ['service', 'state']
    _figures = ['submissions', 'cycles']

    @classmethod
    def table_query(cls):
        pool = Pool()
        submission = pool.get('see.document.submission').__table__()
        checklist = pool.get('see.document.checklist').__table__()
        start, end, _, _, service = _period()
        where = ((submission.create_date >= start)
            & (submission.create_date < end))
        if service:
            where &= checklist.service == int(service)
        return submission.join(checklist,
            condition=submission.checklist == checklist.id).select(
            Min(submission.id).as_('id'),
            checklist.service.as_('service'),
            submission.state.as_('state'),
            Count(submission.id).as_('submissions'),
            Sum(submission.cycle).as_('cycles'),
            *_stamps(cls),
            where=where,
            group_by=[checklist.service, submission.state])


class RejectionFigures(_Tabular, ModelSQL, ModelView):
    """Documents rejected in the period, per service, document type and
    reason"""
    __string__ = "Rejection Reasons"
    __name__ = 'see.document.report.rejection'

    service = fields.Many2One('see.service', "Service", readonly=True)
    item = fields.Many2One(
        'see.document.checklist.item', "Document Type", readonly=True)
    reason = fields.Many2One(
        'see.document.rejection.reason', "Reason", readonly=True)
    rejections = fields.Integer("Rejections", readonly=True)

    _figures_dimensions = ['service', 'item', 'reason']
    _figures = ['rejections']

    @classmethod
    def table_query(cls):
        pool = Pool()
        document = pool.get('see.document').__table__()
        item = pool.get('see.document.checklist.item').__table__()
        checklist = pool.get('see.document.checklist').__table__()
        start, end, _, _, service = _period()
        # A replaced document stays rejected for the figures
        where = ((document.rejection_reason != Null)
            & document.state.in_(['rejected', 'replaced'])
            & (document.review_date >= start)
            & (document.review_date < end))
        if service:
            where &= checklist.service == int(service)
        return (document
            .join(item, condition=document.item == item.id)
            .join(checklist, condition=item.checklist == checklist.id)
            .select(
                Min(document.id).as_('id'),
                checklist.service.as_('service'),
                document.item.as_('item'),
                document.rejection_reason.as_('reason'),
                Count(document.id).as_('rejections'),
                *_stamps(cls),
                where=where,
                group_by=[checklist.service, document.item,
                    document.rejection_reason]))


class ReviewerFigures(_Tabular, ModelSQL, ModelView):
    """Per reviewer: the documents decided in the period, and the
    submissions first reviewed in it with their time to first review (in
    the checklist calendar's service hours) against the checklist's
    target"""
    __string__ = "Review Times per Reviewer"
    __name__ = 'see.document.report.reviewer'

    reviewer = fields.Many2One('res.user', "Reviewer", readonly=True)
    approved = fields.Integer("Documents Approved", readonly=True)
    rejected = fields.Integer("Documents Rejected", readonly=True)
    reviewed = fields.Integer(
        "Submissions First Reviewed", readonly=True,
        help="Counted for the reviewer who holds the submission.")
    review_time = fields.Function(fields.Float(
            "Average Time to First Review (h)", digits=(16, 1)),
        'get_review_figures')
    within_target = fields.Function(
        fields.Integer("Within the Target"), 'get_review_figures')
    over_target = fields.Function(
        fields.Integer("Over the Target"), 'get_review_figures')

    _figures_dimensions = ['reviewer']
    _figures = ['approved', 'rejected', 'reviewed', 'review_time',
        'within_target', 'over_target']

    @classmethod
    def table_query(cls):
        pool = Pool()
        document = pool.get('see.document').__table__()
        item = pool.get('see.document.checklist.item').__table__()
        submission = pool.get('see.document.submission').__table__()
        checklist = pool.get('see.document.checklist').__table__()
        start, end, _, _, service = _period()

        decided = ((document.reviewed_by != Null)
            & (document.review_date >= start) & (document.review_date < end))
        # The other join's own checklist table, for the first reviews
        s_checklist = pool.get('see.document.checklist').__table__()
        first = ((submission.reviewer != Null)
            & (submission.first_review_date >= start)
            & (submission.first_review_date < end))
        if service:
            decided &= checklist.service == int(service)
            first &= s_checklist.service == int(service)
        documents = (document
            .join(item, condition=document.item == item.id)
            .join(checklist, condition=item.checklist == checklist.id)
            .select(
                document.reviewed_by.as_('reviewer'),
                Case((document.state == 'approved', 1), else_=0).as_(
                    'approved'),
                Case((document.state.in_(['rejected', 'replaced']), 1),
                    else_=0).as_(
                    'rejected'),
                Literal(0).as_('reviewed'),
                where=decided))
        submissions = submission.join(s_checklist,
            condition=submission.checklist == s_checklist.id).select(
            submission.reviewer.as_('reviewer'),
            Literal(0).as_('approved'),
            Literal(0).as_('rejected'),
            Literal(1).as_('reviewed'),
            where=first)
        facts = Union(documents, submissions, all_=True)
        # One row per reviewer: the reviewer's id is the row's
        return facts.select(
            facts.reviewer.as_('id'),
            facts.reviewer.as_('reviewer'),
            Sum(facts.approved).as_('approved'),
            Sum(facts.rejected).as_('rejected'),
            Sum(facts.reviewed).as_('reviewed'),
            *_stamps(cls),
            group_by=[facts.reviewer])

    @classmethod
    def get_review_figures(cls, rows, names):
        pool = Pool()
        Submission = pool.get('see.document.submission')
        start, end, _, _, service = _period()
        result = {n: {r.id: None for r in rows} for n in names}
        domain = [
            ('reviewer', 'in', [r.id for r in rows]),
            ('first_review_date', '>=', start),
            ('first_review_date', '<', end),
            ]
        if service:
            domain.append(('checklist.service', '=', int(service)))
        per_reviewer = {}
        for submission in Submission.search(domain):
            per_reviewer.setdefault(submission.reviewer.id, []).append(
                submission)
        for reviewer, submissions in per_reviewer.items():
            figures = Submission.get_review_time(
                submissions, ['review_time', 'review_late'])
            times = figures['review_time'].values()
            late = sum(1 for v in figures['review_late'].values() if v)
            if 'review_time' in result:
                result['review_time'][reviewer] = (
                    sum(t.total_seconds() for t in times)
                    / len(submissions) / 3600)
            if 'over_target' in result:
                result['over_target'][reviewer] = late
            if 'within_target' in result:
                result['within_target'][reviewer] = len(submissions) - late
        return result


def report_document():
    """The document of the three lists under the context's period and
    service, for tabular.render_*"""
    pool = Pool()
    Context = pool.get('see.document.report.context')
    Service = pool.get('see.service')
    _, _, from_date, to_date, service = _period()
    c_fields = Context.fields_get()
    summary = [
        (c_fields['from_date']['string'], from_date.strftime('%d/%m/%Y')),
        (c_fields['to_date']['string'], to_date.strftime('%d/%m/%Y')),
        (c_fields['service']['string'],
            Service(int(service)).rec_name if service
            else gettext('see_documentos.msg_report_all_services')),
        ]
    return {
        'title': gettext('see_documentos.msg_report_title'),
        'summary': summary,
        'tables': [pool.get(name).report_table() for name in [
                'see.document.report.state',
                'see.document.report.rejection',
                'see.document.report.reviewer',
                ]],
        }


class FiguresReport(tabular.FiguresReport):
    "The figures as PDF"
    __string__ = "Document Review Report"
    __name__ = 'see.document.report'
    sheet_name = 'Documentos'
    figures_model = 'see.document.report.state'
    context_keys = ['from_date', 'to_date', 'service']

    @classmethod
    def figures(cls):
        document = report_document()
        _, _, from_date, to_date, _ = _period()
        return document, [
            from_date.strftime('%Y%m%d'), to_date.strftime('%Y%m%d')]


class FiguresReportXLSX(FiguresReport):
    __string__ = "Document Review Report (XLSX)"
    __name__ = 'see.document.report.xlsx'
    extension = 'xlsx'


class FiguresReportCSV(FiguresReport):
    __string__ = "Document Review Report (CSV)"
    __name__ = 'see.document.report.csv'
    extension = 'csv'
