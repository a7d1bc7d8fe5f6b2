# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
from collections import defaultdict, namedtuple
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Count, Max, Sum
from sql.conditionals import Case, Greatest, Least
from sql.functions import Extract

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.modules.see_atendimento.protocol import datetime_shifted
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONDecoder, PYSONEncoder
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.wizard import Button, StateView, Wizard

from . import formulas
from .exceptions import MeasurementError, MeasurementLockedError

# What the counting methods return: the numerator and denominator of the
# formula and, for the drill-down, the model and domains of the records
# counted; note is added to the line's explanation.
Counts = namedtuple('Counts', [
        'numerator', 'denominator', 'model', 'numerator_domain',
        'denominator_domain', 'note'],
    defaults=[None, None, None, None])

KINDS = ['rotineiro', 'especial']
# Counts of the protocols of a measurement being computed, by transaction
_COUNTS = {}
_INTERACTIONS = {}
# Periods of a measurement being computed: every indicator asks for them
_PERIODS = {}
# Indicators of a measurement being computed: the settings are read from them
_INDICATORS = {}
LOCKED = {'validated', 'closed'}
# Fields that may still be written on a validated measurement: by its
# workflow and, for the notification of a glosa over the limit, by its users
WRITABLE_LOCKED = {'state', 'validated_by', 'validated_date',
    'notification_date'}


def _percent(value):
    if value is None:
        return '-'
    return str(formulas.to_decimal(value)).replace('.', ',')


def _date(value):
    return value.strftime('%d/%m/%Y') if value else ''


class Measurement(ServerReadonly, Workflow, ModelSQL, ModelView):
    __string__ = "SLA Measurement"
    __name__ = 'see.sla.measurement'
    _history = True

    _states = {'readonly': Eval('state') != 'draft'}

    contract = fields.Many2One(
        'see.contract', "Contract", required=True, ondelete='RESTRICT',
        states=_states)
    month = fields.Date(
        "Month", required=True, states=_states,
        help="Any day of the month measured; stored as its first day.")
    month_index = fields.Function(
        fields.Integer("Month of Operation"), 'get_month_index')
    periods = fields.Function(fields.Char("Periods"), 'get_periods_string')
    lines = fields.One2Many(
        'see.sla.measurement.line', 'measurement', "Indicators",
        readonly=True)
    items = fields.One2Many(
        'see.sla.measurement.item', 'measurement', "Billable Quantities",
        readonly=True)
    comments = fields.One2Many(
        'see.sla.measurement.comment', 'measurement', "Comments",
        readonly=True)
    total_points = fields.Integer("Total Points", readonly=True)
    table_percentage = fields.Numeric(
        "Glosa of the Table (%)", digits=(5, 2), readonly=True)
    additional_percentage = fields.Numeric(
        "Other Glosas (%)", digits=(5, 2), states=_states,
        domain=[('additional_percentage', '>=', 0)],
        help="Annex A item 7: retention for resources not used or used "
        "below what was ordered, added to the table's glosa.")
    additional_reason = fields.Text(
        "Reason of Other Glosas", states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('additional_percentage', 0) > 0,
            })
    glosa_percentage = fields.Numeric(
        "Glosa (%)", digits=(5, 2), readonly=True)
    gross_amount = fields.Numeric(
        "Gross Value", digits=(16, 2), readonly=True)
    glosa_amount = fields.Numeric(
        "Glosa Value", digits=(16, 2), readonly=True)
    net_amount = fields.Numeric("Net Value", digits=(16, 2), readonly=True)
    over_limit = fields.Boolean(
        "Glosa over the Limit", readonly=True,
        help="Annex A item 9: the total glosa is above 50 %; the contractor "
        "must be notified and has 5 working days for its defence.")
    notification_date = fields.Date(
        "Notification Date",
        states={
            'invisible': ~Eval('over_limit', False),
            'readonly': Eval('state') == 'closed',
            },
        help="When the contractor was notified of the glosa above the "
        "limit.")
    defense_deadline = fields.Function(
        fields.Date("Defence Deadline",
            states={'invisible': ~Eval('over_limit', False)}),
        'get_defense_deadline')
    computed_date = fields.DateTime("Computed At", readonly=True)
    computed_by = fields.Many2One('res.user', "Computed By", readonly=True)
    parameters = fields.Dict(
        None, "Parameters", readonly=True,
        help="The settings that the computation applied: the drill-down "
        "selects the records with them, not with the settings of today.")
    parameters_description = fields.Function(
        fields.Text("Parameters"), 'get_parameters_description')
    validated_date = fields.DateTime("Validated At", readonly=True)
    validated_by = fields.Many2One('res.user', "Validated By", readonly=True)
    latest = fields.Function(
        fields.Boolean("Latest"), 'get_latest', searcher='search_latest')
    state = fields.Selection([
            ('draft', "Draft"),
            ('computed', "Computed"),
            ('validated', "Validated"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('contract_month_unique', Unique(t, t.contract, t.month),
                'see_sla.msg_measurement_unique'),
            ]
        cls._sql_indexes.add(Index(t,
                (t.contract, Index.Equality()), (t.month, Index.Range())))
        cls._order = [('month', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'computed'),
            ('computed', 'computed'),
            ('computed', 'draft'),
            ('computed', 'validated'),
            ('validated', 'closed'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') != 'computed',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'compute': {
                    'invisible': ~Eval('state').in_(['draft', 'computed']),
                    'icon': 'tryton-launch',
                    'depends': ['state'],
                    },
                'validate_measurement': {
                    'invisible': Eval('state') != 'computed',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'validated',
                    'icon': 'tryton-close',
                    'depends': ['state'],
                    },
                'check_records': {
                    'invisible': Eval('state') == 'draft',
                    'icon': 'tryton-search',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_additional_percentage(cls):
        return Decimal(0)

    def get_rec_name(self, name):
        return '%s - %s' % (
            self.contract.rec_name, self.month.strftime('%m/%Y'))

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('contract.rec_name',) + tuple(clause[1:])]

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('month'):
            values['month'] = formulas.month_start(values['month'])
        return values

    @classmethod
    def check_modification(cls, mode, measurements, values=None,
            external=False):
        # Before the fields' checks: a locked measurement says so
        for measurement in measurements:
            if mode == 'delete' and measurement.state != 'draft':
                raise MeasurementLockedError(gettext(
                        'see_sla.msg_measurement_delete',
                        measurement=measurement.rec_name))
            if (mode == 'write' and measurement.state in LOCKED
                    and set(values) - WRITABLE_LOCKED):
                raise MeasurementLockedError(gettext(
                        'see_sla.msg_measurement_locked',
                        measurement=measurement.rec_name))
            if (mode == 'write' and measurement.state == 'closed'
                    and set(values) - {'state'}):
                raise MeasurementLockedError(gettext(
                        'see_sla.msg_measurement_locked',
                        measurement=measurement.rec_name))
        super().check_modification(
            mode, measurements, values=values, external=external)

    def get_month_index(self, name):
        return formulas.month_index(
            self.contract.operation_start, self.month)

    @property
    def month_end(self):
        return formulas.month_end(self.month)

    @property
    def zone(self):
        return self.contract.routine_calendar.zone

    def get_periods(self):
        """Return {kind: [(first day, last day)]} of the month

        Days covered by an issued special service order are special, the
        others routine."""
        pool = Pool()
        Order = pool.get('see.service.order')
        key = self._cache_key()
        if key in _PERIODS:
            return _PERIODS[key]
        special = set()
        for order in Order.search([
                    ('contract', '=', self.contract.id),
                    ('state', '=', 'issued'),
                    ('kind', '=', 'especial'),
                    ('start_date', '<=', self.month_end),
                    ('end_date', '>=', self.month),
                    ]):
            date = max(order.start_date, self.month)
            while date <= min(order.end_date, self.month_end):
                special.add(date)
                date += dt.timedelta(days=1)
        result = {k: [] for k in KINDS}
        date = self.month
        while date <= self.month_end:
            kind = 'especial' if date in special else 'rotineiro'
            segments = result[kind]
            if segments and segments[-1][1] == date - dt.timedelta(days=1):
                segments[-1] = (segments[-1][0], date)
            else:
                segments.append((date, date))
            date += dt.timedelta(days=1)
        return result

    def get_periods_string(self, name):
        labels = {'rotineiro': "Rotineiro", 'especial': "Especial"}
        parts = []
        for kind, segments in self.get_periods().items():
            for start, end in segments:
                parts.append('%s %s-%s' % (
                        labels[kind], _date(start), _date(end)))
        return '; '.join(parts)

    def to_utc(self, date):
        "Return the naive UTC datetime of the local midnight of date"
        local = dt.datetime.combine(date, dt.time(), tzinfo=self.zone)
        return local.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def utc_ranges(self, segments):
        return [(self.to_utc(s), self.to_utc(e + dt.timedelta(days=1)))
            for s, e in segments]

    @staticmethod
    def _in_ranges(column, ranges):
        condition = None
        for start, end in ranges:
            clause = (column >= start) & (column < end)
            condition = clause if condition is None else condition | clause
        if condition is None:
            condition = column != column
        return condition

    @staticmethod
    def _domain_ranges(name, ranges):
        domain = ['OR']
        for start, end in ranges:
            domain.append([(name, '>=', start), (name, '<', end)])
        return domain

    def get_month_index_of(self, date):
        return formulas.month_index(self.contract.operation_start, date)

    def get_defense_deadline(self, name):
        pool = Pool()
        Configuration = pool.get('see.sla.configuration')
        if not (self.over_limit and self.notification_date):
            return None
        days = Configuration(1).notice_days
        calendar = self.contract.routine_calendar
        start = self.notification_date
        checker = calendar.working_day_checker(
            start, start + dt.timedelta(days=days * 3 + 30))
        return formulas.add_working_days(start, days, checker)

    @classmethod
    def get_latest(cls, measurements, name):
        ids = {i for i, in cls._latest_query_ids()}
        return {m.id: m.id in ids for m in measurements}

    @classmethod
    def _latest_query(cls):
        table = cls.__table__()
        latest = table.select(
            table.contract, Max(table.month).as_('month'),
            where=table.state != 'draft',
            group_by=[table.contract])
        other = cls.__table__()
        return other.join(latest, condition=(other.contract == latest.contract)
            & (other.month == latest.month)).select(other.id)

    @classmethod
    def _latest_query_ids(cls):
        cursor = Transaction().connection.cursor()
        cursor.execute(*cls._latest_query())
        return cursor.fetchall()

    @classmethod
    def search_latest(cls, name, clause):
        _, operator, value = clause[:3]
        positive = (operator == '=') == bool(value)
        return [('id', 'in' if positive else 'not in', cls._latest_query())]

    # Counting -------------------------------------------------------------

    def indicator_settings(self, source):
        "Return the active indicator of source, for its settings"
        pool = Pool()
        Indicator = pool.get('see.sla.indicator')
        key = self._cache_key()
        if key in _INDICATORS:
            # The same active indicators in the same order as a search
            indicators = [
                i for i in _INDICATORS[key] if i.source == source][:1]
        else:
            indicators = Indicator.search([('source', '=', source)], limit=1)
        return indicators[0] if indicators else None

    def current_parameters(self):
        """Return the settings that counting the month's protocols applies
        today: the configuration's, the IRAE indicator's and the
        classifications' flags"""
        pool = Pool()
        Configuration = pool.get('see.configuration')
        Classification = pool.get('see.classification')
        config = Configuration(1)
        irae = self.indicator_settings('irae')
        with Transaction().set_context(active_test=False):
            classifications = Classification.search([], order=[('id', 'ASC')])
        return {
            'good_score': config.good_score,
            'reincidence_days': config.reincidence_days,
            'webchat_limit_hours': (irae.webchat_limit_hours
                if irae and irae.webchat_limit_hours else 8),
            'webchat_hours': (irae.webchat_hours
                if irae and irae.webchat_hours else 'calendar'),
            'webchat_awaiting': (irae.webchat_awaiting
                if irae and irae.webchat_awaiting else 'exempt'),
            'min_interactions': (irae.min_interactions
                if irae and irae.min_interactions else 6),
            'billable_classifications': [
                c.id for c in classifications if c.billable],
            'resolved_classifications': [
                c.id for c in classifications if c.outcome == 'resolved'],
            }

    def counting_parameters(self):
        """Return the settings of the last computation, those of today
        before the first one: a computed measurement drills down to the
        records it counted whatever changed since"""
        return self.parameters or self.current_parameters()

    def get_parameters_description(self, name):
        pool = Pool()
        Classification = pool.get('see.classification')
        Indicator = pool.get('see.sla.indicator')
        if not self.parameters:
            return None
        parameters = self.parameters
        selections = Indicator.fields_get(
            ['webchat_hours', 'webchat_awaiting'])

        billable = parameters['billable_classifications']
        resolved = parameters['resolved_classifications']
        with Transaction().set_context(active_test=False):
            known = {c.id: c.rec_name for c in Classification.search(
                    [('id', 'in', list(set(billable) | set(resolved)))])}

        def label(field, value):
            return dict(selections[field]['selection']).get(value, value)

        def names(ids):
            return ', '.join(known.get(i, '#%s' % i) for i in ids) or '-'
        return gettext('see_sla.msg_measurement_parameters',
            good_score=parameters['good_score'],
            reincidence_days=parameters['reincidence_days'],
            limit=parameters['webchat_limit_hours'],
            hours=label('webchat_hours', parameters['webchat_hours']),
            awaiting=label('webchat_awaiting', parameters['webchat_awaiting']),
            interactions=parameters['min_interactions'],
            billable=names(billable),
            resolved=names(resolved))

    @staticmethod
    def _webchat_settings(parameters):
        "The IRAE settings of parameters, as the conditions use them"
        return {
            'limit': dt.timedelta(hours=parameters['webchat_limit_hours']),
            'hours': parameters['webchat_hours'],
            'awaiting': parameters['webchat_awaiting'],
            'min_interactions': parameters['min_interactions'],
            }

    def webchat_interactions_query(self, minimum):
        """Return a query of the ids of webchat protocols with at least
        minimum interactions between requester and agent (Annex A 5.2)

        None while no module records the messages: the criterion is then
        not applied and the explanation says so. see_webchat overrides it
        with a query on its messages."""
        return None

    def _service_seconds(self, protocol):
        """SQL expression of the seconds of service hours between the start
        and the end of the protocol, for webchat limits in service hours:
        a sum over the service windows of the month and of the next days"""
        periods = self.get_periods()
        windows = []
        for kind in KINDS:
            calendar = self.contract.calendar(kind)
            for start, end in periods[kind]:
                windows.extend(calendar.service_intervals(start, end))
        after = self.month_end + dt.timedelta(days=1)
        windows.extend(self.contract.routine_calendar.service_intervals(
                after, after + dt.timedelta(days=7)))
        expression = Literal(0)
        for w_start, w_end in windows:
            expression += Greatest(Literal(0), Extract('EPOCH',
                    Least(protocol.end_date, w_end)
                    - Greatest(protocol.start_date, w_start)))
        return expression

    def protocol_conditions(self):
        """Return the month's protocols as (table, query source, where,
        {counter: condition}, interactions), the conditions each counter
        of protocol_counts tests (None: every protocol) and whether the
        webchat interactions are known for billing and for IRAE"""
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Escalation = pool.get('see.protocol.escalation')
        p = Protocol.__table__()
        e = Escalation.__table__()
        parameters = self.counting_parameters()
        webchat = self._webchat_settings(parameters)

        def classified(ids):
            # The classifications as they were when computed: no join
            return p.classification.in_(ids) if ids else Literal(False)
        month = self.utc_ranges([(self.month, self.month_end)])[0]

        # One join instead of a probe of the escalations in each of the
        # conditions that use it
        escalated = e.select(e.protocol, group_by=[e.protocol])
        awaiting = (p.state.in_(['escalated', 'answered'])
            | (escalated.protocol != Null))
        if webchat['hours'] == 'service':
            duration = self._service_seconds(p)
            in_time = ((p.end_date != Null)
                & (duration <= webchat['limit'].total_seconds()))
        else:
            in_time = ((p.end_date != Null)
                & (p.end_date <= datetime_shifted(
                        p.start_date, webchat['limit'])))
        if webchat['awaiting'] == 'exempt':
            attended = in_time | awaiting
        else:
            attended = in_time
        interactions_bill = self.webchat_interactions_query(5)
        interactions_irae = self.webchat_interactions_query(
            webchat['min_interactions'])
        bill_interactions = (p.id.in_(interactions_bill)
            if interactions_bill is not None else Literal(True))
        irae_interactions = (p.id.in_(interactions_irae)
            if interactions_irae is not None else Literal(True))
        billable = Protocol._billable_condition(
            p, classified(parameters['billable_classifications']))
        # attended holds whenever in_time does, in both readings of the
        # awaiting SEE-PE: no need to test it again
        finished = (in_time & ~awaiting
            & classified(parameters['resolved_classifications'])
            & p.state.in_(['resolved', 'closed'])
            & irae_interactions)
        conditions = {
            'registered': None,
            'reincident': Protocol.reincident_condition(
                p, parameters['reincidence_days']),
            'evaluated': p.survey_score != Null,
            'good': p.survey_score > parameters['good_score'],
            'billable': billable & ((p.channel != 'webchat')
                | (attended & bill_interactions)),
            'attended': attended,
            'finished': finished,
            }
        source = p.join(
            escalated, 'LEFT', condition=escalated.protocol == p.id)
        where = ((p.start_date >= month[0]) & (p.start_date < month[1])
            & (p.state != 'cancelled'))
        interactions = {
            'bill': interactions_bill is not None,
            'irae': interactions_irae is not None,
            }
        return p, source, where, conditions, interactions

    def counted_clause(self, counter):
        "Return the domain clause of the protocols counter counts"
        return ('sla_counted', '=', '%s:%s' % (self.id, counter))

    def counted_query(self, counter):
        """Return the query of the ids of the month's protocols that
        counter counts: the drill-down of the figures of protocol_counts"""
        p, source, where, conditions, _ = self.protocol_conditions()
        if conditions[counter] is not None:
            where &= conditions[counter]
        return source.select(p.id, where=where)

    def protocol_counts(self):
        """Return {(channel, kind): {counter: value}} of the month's
        protocols, counted in one aggregate query"""
        key = self._cache_key()
        if key in _COUNTS:
            return _COUNTS[key]
        cursor = Transaction().connection.cursor()
        p, source, where, conditions, interactions = (
            self.protocol_conditions())
        special = self.utc_ranges(self.get_periods()['especial'])
        names = list(conditions)
        # Each condition is tested once per row by the aggregate's filter:
        # no per-row flags to cast and sum
        counts = [Count(filter_=condition) if condition is not None
            else Count() for condition in conditions.values()]
        if special:
            # The month and its special part, the routine one by difference:
            # the range test comes first and spares the other conditions on
            # the routine rows. Grouped by channel only, as the planner
            # would sort the month for a kind computed from the start.
            in_special = self._in_ranges(p.start_date, special)
            counts += [Count(filter_=in_special & condition)
                if condition is not None else Count(filter_=in_special)
                for condition in conditions.values()]
        query = source.select(p.channel, *counts, where=where,
            group_by=[p.channel])
        result = defaultdict(lambda: dict.fromkeys(names, 0))
        cursor.execute(*query)
        for channel, *values in cursor:
            total = dict(zip(names, values[:len(names)]))
            if special:
                in_special = dict(zip(names, values[len(names):]))
                result[(channel, 'especial')] = in_special
                result[(channel, 'rotineiro')] = {
                    n: total[n] - in_special[n] for n in names}
            else:
                result[(channel, 'rotineiro')] = total
        _COUNTS[key] = result
        _INTERACTIONS[key] = interactions
        return result

    def _cache_key(self):
        return (id(Transaction()), self.id)

    def _sum_counts(self, channel, kinds, *names):
        counts = self.protocol_counts()
        return [sum(counts[(ch, k)][n] or 0 for (ch, k) in list(counts)
                if (channel == 'all' or ch == channel) and k in kinds)
            for n in names]

    def _protocol_domain(self, indicator, kinds, *extra):
        periods = self.get_periods()
        ranges = self.utc_ranges(
            [s for k in kinds for s in periods[k]])
        domain = [self._domain_ranges('start_date', ranges),
            ('state', '!=', 'cancelled')]
        if indicator.channel != 'all':
            domain.append(('channel', '=', indicator.channel))
        return domain + list(extra)

    def count_fcr(self, indicator, kinds):
        reincident, registered = self._sum_counts(
            indicator.channel, kinds, 'reincident', 'registered')
        domain = self._protocol_domain(indicator, kinds)
        return Counts(reincident, registered, 'see.protocol',
            domain + [self.counted_clause('reincident')], domain)

    def count_ifqa(self, indicator, kinds):
        good, evaluated = self._sum_counts(
            indicator.channel, kinds, 'good', 'evaluated')
        domain = self._protocol_domain(
            indicator, kinds, ('survey_score', '!=', None))
        good_score = self.counting_parameters()['good_score']
        return Counts(good, evaluated, 'see.protocol',
            domain + [('survey_score', '>', good_score)], domain)

    def count_irae(self, indicator, kinds):
        finished, attended = self._sum_counts(
            indicator.channel, kinds, 'finished', 'attended')
        domain = self._protocol_domain(indicator, kinds)
        note = None
        self.protocol_counts()
        if not _INTERACTIONS[self._cache_key()]['irae']:
            note = gettext('see_sla.msg_explanation_interactions')
        return Counts(finished, attended, 'see.protocol',
            domain + [self.counted_clause('finished')],
            domain + [self.counted_clause('attended')], note)

    def count_qtbc(self, indicator, kinds):
        pool = Pool()
        Rating = pool.get('see.kb.rating')
        Article = pool.get('see.kb.article')
        cursor = Transaction().connection.cursor()
        first, last, evaluated = formulas.evaluation_window(
            self.contract.operation_start, self.month,
            indicator.periodicity, indicator.evaluation)
        last = formulas.month_end(last)
        r = Rating.__table__()
        a = Article.__table__()
        good_grade = indicator.good_grade or 4
        cursor.execute(*r.join(a, condition=r.article == a.id).select(
                Sum(Case((r.grade >= good_grade, 1), else_=0)),
                Count(Literal(1)),
                where=(a.produced_by == 'contractor')
                & (r.date >= first) & (r.date <= last)))
        good, total = cursor.fetchone()
        domain = [
            ('date', '>=', first), ('date', '<=', last),
            ('article.produced_by', '=', 'contractor'),
            ]
        note = gettext('see_sla.msg_explanation_window',
            start=_date(first), end=_date(last))
        return Counts(good or 0, total or 0, 'see.kb.rating',
            domain + [('grade', '>=', good_grade)], domain, note)

    def count_plat(self, indicator, kinds):
        pool = Pool()
        Incident = pool.get('see.platform.incident')
        periods = self.get_periods()
        service = []
        for kind in kinds:
            calendar = self.contract.calendar(kind)
            for start, end in periods[kind]:
                service.extend(calendar.service_intervals(start, end))
        if not service:
            return Counts(0, 0, 'see.platform.incident', [], [])
        low = min(s for s, _ in service)
        high = max(e for _, e in service)
        outages = Incident.downtime(
            low, high, indicator.plat_interval or 'resolution')
        available, total = formulas.availability(service, outages)
        domain = [
            ('contractor_responsible', '=', True),
            ('start', '<', high),
            ['OR',
                ('resolved_date', '>', low),
                ('end', '>', low),
                [('resolved_date', '=', None), ('end', '=', None)],
                ],
            ]
        note = gettext('see_sla.msg_explanation_plat',
            service=_hours(total), down=_hours(total - available))
        return Counts(available, total, 'see.platform.incident',
            domain, domain, note)

    def count_iar(self, indicator, kinds):
        """IAR counts: registered attendances / calls received by a human.

        Hook for see_telefonia: return Counts from the calls of the
        month; None means that there is no call data ("sem dados")."""
        return None

    def count_ins(self, indicator, kinds):
        """INS counts: calls answered within indicator.wait_seconds /
        calls received, according to indicator.ins_denominator and
        indicator.exclude_short_abandons. Hook for see_telefonia."""
        return None

    def count_iac(self, indicator, kinds):
        """IAC counts: calls abandoned (indicator.iac_abandoned, after
        indicator.wait_seconds) / calls received in queue. Hook for
        see_telefonia."""
        return None

    def count_billable(self, item):
        "Return (registered, billable) attendances of the item's channel"
        return self._sum_counts(item.channel, KINDS, 'registered', 'billable')

    def ordered_quantities(self, items):
        "Return {item id: quantity of the issued orders of the month}"
        pool = Pool()
        Line = pool.get('see.service.order.line')
        result = {i.id: 0 for i in items}
        for line in Line.search([
                    ('item', 'in', list(result)),
                    ('order.state', '=', 'issued'),
                    ('order.month', '=', self.month),
                    ]):
            result[line.item.id] += line.quantity
        return result

    # Computation ----------------------------------------------------------

    def indicator_kinds(self, indicator, periods):
        kinds = KINDS if indicator.period == 'both' else [indicator.period]
        return [k for k in kinds if periods[k]]

    def measure(self, indicator, kinds):
        "Return the values of the measurement line of indicator"
        values = {
            'measurement': self.id,
            'indicator': indicator.id,
            'code': indicator.code,
            'name': indicator.name,
            'channel': indicator.channel,
            'period': indicator.period,
            'target': indicator.target,
            'target_string': indicator.target_string,
            'points': 0,
            }
        counts = getattr(self, 'count_%s' % indicator.source)(
            indicator, kinds)
        month_index = self.get_month_index(None)
        force = formulas.in_force(
            self.contract.operation_start, self.month,
            indicator.start_after_months)
        _, _, evaluated = formulas.evaluation_window(
            self.contract.operation_start, self.month,
            indicator.periodicity, indicator.evaluation)
        notes = []
        if counts is None:
            values['status'] = 'no_data'
            values['explanation'] = gettext(
                'see_sla.msg_explanation_no_data', code=indicator.code)
            return values
        values.update({
                'numerator': counts.numerator,
                'denominator': counts.denominator,
                'records_model': counts.model,
                'numerator_domain': PYSONEncoder().encode(
                    counts.numerator_domain or []),
                'denominator_domain': PYSONEncoder().encode(
                    counts.denominator_domain or []),
                })
        value = formulas.ratio(counts.numerator, counts.denominator)
        band = indicator.band(value) if value is not None else None
        values['value'] = formulas.to_decimal(value)
        values['band'] = band.name if band else None
        if value is None:
            status = 'no_records'
            notes.append(gettext('see_sla.msg_explanation_no_records',
                    code=indicator.code))
        else:
            notes.append(gettext('see_sla.msg_explanation_value',
                    code=indicator.code,
                    numerator=counts.numerator,
                    numerator_label=indicator.numerator_label or '',
                    denominator=counts.denominator,
                    denominator_label=indicator.denominator_label or '',
                    value=_percent(value),
                    band=band.name if band else '-',
                    points=band.points if band else 0))
            status = 'measured'
        if not force:
            status = 'not_in_force'
            notes.append(gettext('see_sla.msg_explanation_not_in_force',
                    months=indicator.start_after_months,
                    index=month_index))
        elif not evaluated:
            status = 'off_period'
            notes.append(gettext('see_sla.msg_explanation_off_period',
                    months=indicator.periodicity))
        elif status == 'measured' and band:
            values['points'] = band.points
        if counts.note:
            notes.append(counts.note)
        values['status'] = status
        values['explanation'] = '\n'.join(notes)
        return values

    @classmethod
    @ModelView.button
    @Workflow.transition('computed')
    def compute(cls, measurements):
        pool = Pool()
        Line = pool.get('see.sla.measurement.line')
        Item = pool.get('see.sla.measurement.item')
        Indicator = pool.get('see.sla.indicator')
        Configuration = pool.get('see.sla.configuration')
        config = Configuration(1)
        indicators = Indicator.search([])
        for measurement in measurements:
            if measurement.contract.state == 'draft':
                raise MeasurementError(gettext(
                        'see_sla.msg_measurement_contract_draft',
                        measurement=measurement.rec_name))
        # Lines and items are written by the computation only and nothing
        # refers to them: plain SQL deletes them without the checks and the
        # clean-up of attachments that ModelSQL.delete does for records
        # people edit
        cursor = Transaction().connection.cursor()
        for Model in [Line, Item]:
            table = Model.__table__()
            for sub_ids in grouped_slice(
                    [m.id for m in measurements], backend.MAX_QUERY_PARAMS):
                cursor.execute(*table.delete(
                        where=table.measurement.in_(list(sub_ids))))
        line_values, item_values = [], []
        try:
            for measurement in measurements:
                cls._compute_values(
                    measurement, indicators, config, line_values, item_values)
        finally:
            for measurement in measurements:
                for cache in [_COUNTS, _INTERACTIONS, _PERIODS, _INDICATORS]:
                    cache.pop(measurement._cache_key(), None)
        # One INSERT for all the lines: rows of the same columns
        names = set().union(*line_values)
        line_values = [dict.fromkeys(names) | v for v in line_values]
        with without_check_access():
            Line.create(line_values)
            Item.create(item_values)
        cls.save(measurements)

    @classmethod
    def _compute_values(cls, measurement, indicators, config, line_values,
            item_values):
        "Set the totals of measurement and add the values of its lines"
        pool = Pool()
        GlosaRow = pool.get('see.sla.glosa')
        for cache in [_COUNTS, _INTERACTIONS, _PERIODS, _INDICATORS]:
            cache.pop(measurement._cache_key(), None)
        periods = measurement.get_periods()
        _PERIODS[measurement._cache_key()] = periods
        _INDICATORS[measurement._cache_key()] = indicators
        # Taken before counting: the counts and the drill-down use them
        measurement.parameters = measurement.current_parameters()
        lines = []
        for indicator in indicators:
            kinds = measurement.indicator_kinds(indicator, periods)
            if not kinds:
                continue
            lines.append(measurement.measure(indicator, kinds))
        for line in lines:
            line['sequence'] = len(line_values)
            line_values.append(line)
        amounts = []
        items = measurement.contract.items
        ordered_quantities = measurement.ordered_quantities(items)
        month = measurement.utc_ranges(
            [(measurement.month, measurement.month_end)])
        for item in items:
            registered, billable = measurement.count_billable(item)
            ordered = ordered_quantities[item.id]
            quantity = formulas.paid_quantity(
                measurement.contract.billing_basis, billable, ordered)
            amount = formulas.round_cents(quantity * item.unit_price)
            amounts.append((quantity, item.unit_price))
            registered_domain = [
                measurement._domain_ranges('start_date', month),
                ('state', '!=', 'cancelled'),
                ('channel', '=', item.channel),
                ]
            item_values.append({
                    'measurement': measurement.id,
                    'item': item.id,
                    'channel': item.channel,
                    'registered_domain': PYSONEncoder().encode(
                        registered_domain),
                    'billable_domain': PYSONEncoder().encode(
                        registered_domain
                        + [measurement.counted_clause('billable')]),
                    'registered': registered,
                    'billable': billable,
                    'ordered': ordered,
                    'quantity': quantity,
                    'unit_price': item.unit_price,
                    'amount': amount,
                    })
        total = sum(l['points'] for l in lines)
        table = formulas.to_decimal(GlosaRow.percentage_for(total))
        glosa = formulas.to_decimal(
            table + (measurement.additional_percentage or 0))
        gross, glosa_amount, net = formulas.amounts(amounts, glosa)
        measurement.total_points = total
        measurement.table_percentage = table
        measurement.glosa_percentage = glosa
        measurement.gross_amount = gross
        measurement.glosa_amount = glosa_amount
        measurement.net_amount = net
        measurement.over_limit = glosa > config.notice_threshold
        measurement.computed_date = dt.datetime.now()
        measurement.computed_by = Transaction().user or None

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, measurements):
        pass

    @classmethod
    @ModelView.button_action('see_sla.wizard_measurement_check')
    def check_records(cls, measurements):
        pass

    def recount(self):
        """Return [(figure, computed, today)] for the counts whose records
        the drill-down lists in another number today: the records changed
        since the computation (a protocol reclassified, a survey answered
        late, a call imported again)"""
        pool = Pool()
        Line = pool.get('see.sla.measurement.line')
        Item = pool.get('see.sla.measurement.item')
        line_fields = Line.fields_get(['numerator', 'denominator'])
        item_fields = Item.fields_get(['registered', 'billable', 'channel'])
        channels = dict(item_fields['channel']['selection'])
        differences = []
        for line in self.lines:
            # PLAT counts seconds of service: its records are the outages
            if (not line.records_model
                    or line.records_model == 'see.platform.incident'):
                continue
            Model = pool.get(line.records_model)
            for which in ['numerator', 'denominator']:
                today = Model.search_count(line.records_domain(which))
                computed = getattr(line, which)
                if today != computed:
                    differences.append((
                            '%s %s' % (line.rec_name,
                                line_fields[which]['string']),
                            computed, today))
        Protocol = pool.get('see.protocol')
        for item in self.items:
            for which in ['registered', 'billable']:
                today = Protocol.search_count(item.records_domain(which))
                computed = getattr(item, which)
                if today != computed:
                    differences.append((
                            '%s (%s)' % (item_fields[which]['string'],
                                channels.get(item.channel, item.channel)),
                            computed, today))
        return differences

    @classmethod
    @ModelView.button
    @Workflow.transition('validated')
    def validate_measurement(cls, measurements):
        cls.write(measurements, {
                'validated_date': dt.datetime.now(),
                'validated_by': Transaction().user or None,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, measurements):
        pass


def _hours(seconds):
    hours, rest = divmod(int(seconds), 3600)
    return '%d:%02d' % (hours, rest // 60)


def records_action(record, model, which):
    """The window of the records counted in the which figure of record

    The action opened is declared on see.protocol: its order (and views)
    are those of protocols, so the model's own order replaces it (calls
    and incidents have no start_date)."""
    Model = Pool().get(model)
    return {
        'res_model': model,
        'pyson_domain': getattr(record, '%s_domain' % which) or '[]',
        'pyson_order': PYSONEncoder().encode(Model._order),
        'views': [],
        'name': '%s - %s' % (record.rec_name, gettext(
                'see_sla.msg_records_%s' % which)),
        }


class _ComputedByMeasurement:
    "Records that only the computation of their measurement writes"
    __slots__ = ()

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        for record in records:
            if external:
                raise MeasurementLockedError(gettext(
                        'see_sla.msg_measurement_computed',
                        measurement=record.measurement.rec_name))
            if record.measurement.state in LOCKED:
                raise MeasurementLockedError(gettext(
                        'see_sla.msg_measurement_locked',
                        measurement=record.measurement.rec_name))


class MeasurementLine(
        ServerReadonly, _ComputedByMeasurement, ModelSQL, ModelView):
    __string__ = "SLA Measurement Line"
    __name__ = 'see.sla.measurement.line'

    measurement = fields.Many2One(
        'see.sla.measurement', "Measurement", required=True,
        ondelete='CASCADE', readonly=True)
    month = fields.Function(fields.Date("Month"), 'get_measurement_field',
        searcher='search_measurement_field')
    contract = fields.Function(
        fields.Many2One('see.contract', "Contract"), 'get_measurement_field',
        searcher='search_measurement_field')
    sequence = fields.Integer("Sequence", readonly=True)
    indicator = fields.Many2One(
        'see.sla.indicator', "Indicator", readonly=True, ondelete='RESTRICT')
    code = fields.Char("Code", readonly=True)
    name = fields.Char("Name", readonly=True)
    channel = fields.Selection([
            ('telefone', "Phone"),
            ('webchat', "Webchat"),
            ('all', "All Channels"),
            ], "Channel", readonly=True)
    period = fields.Selection([
            ('both', "Routine and Special"),
            ('rotineiro', "Routine Only"),
            ('especial', "Special Only"),
            ], "Period", readonly=True)
    target = fields.Numeric("Target (%)", digits=(5, 2), readonly=True)
    target_string = fields.Char("Target", readonly=True)
    numerator = fields.Integer("Numerator", readonly=True)
    denominator = fields.Integer("Denominator", readonly=True)
    value = fields.Numeric("Value (%)", digits=(5, 2), readonly=True)
    band = fields.Char("Band", readonly=True)
    points = fields.Integer("Points", readonly=True)
    status = fields.Selection([
            ('measured', "Measured"),
            ('no_data', "No Data"),
            ('no_records', "No Records"),
            ('not_in_force', "Not in Force"),
            ('off_period', "Off Period"),
            ], "Status", readonly=True)
    explanation = fields.Text("Explanation", readonly=True)
    records_model = fields.Char("Records Model", readonly=True)
    numerator_domain = fields.Char("Numerator Domain", readonly=True)
    denominator_domain = fields.Char("Denominator Domain", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.measurement, Index.Equality())))
        cls._order = [('measurement', 'DESC'), ('sequence', 'ASC'),
            ('id', 'ASC')]
        cls._buttons.update({
                'open_numerator': {
                    'invisible': ~Eval('records_model'),
                    'icon': 'tryton-search',
                    'depends': ['records_model'],
                    },
                'open_denominator': {
                    'invisible': ~Eval('records_model'),
                    'icon': 'tryton-search',
                    'depends': ['records_model'],
                    },
                })

    def get_rec_name(self, name):
        return '%s - %s' % (self.measurement.rec_name, self.code)

    def get_measurement_field(self, name):
        value = getattr(self.measurement, name)
        return value.id if hasattr(value, 'id') else value

    @classmethod
    def search_measurement_field(cls, name, clause):
        return [('measurement.' + clause[0],) + tuple(clause[1:])]

    def records_domain(self, which):
        "Return the domain of the records counted in which"
        return PYSONDecoder().decode(
            getattr(self, '%s_domain' % which) or '[]')

    def _records_action(self, which):
        return records_action(self, self.records_model, which)

    @classmethod
    @ModelView.button_action('see_sla.act_measurement_line_records')
    def open_numerator(cls, lines):
        if lines:
            return lines[0]._records_action('numerator')

    @classmethod
    @ModelView.button_action('see_sla.act_measurement_line_records')
    def open_denominator(cls, lines):
        if lines:
            return lines[0]._records_action('denominator')


class MeasurementItem(
        ServerReadonly, _ComputedByMeasurement, ModelSQL, ModelView):
    __string__ = "SLA Measurement Billable Quantity"
    __name__ = 'see.sla.measurement.item'

    measurement = fields.Many2One(
        'see.sla.measurement', "Measurement", required=True,
        ondelete='CASCADE', readonly=True)
    item = fields.Many2One(
        'see.contract.item', "Item", required=True, readonly=True,
        ondelete='RESTRICT')
    channel = fields.Selection([
            ('telefone', "Phone"),
            ('webchat', "Webchat"),
            ], "Channel", readonly=True)
    registered = fields.Integer(
        "Registered", readonly=True,
        help="Attendances registered in the month, each counted once.")
    billable = fields.Integer(
        "Billable", readonly=True,
        help="Registered attendances with the minimum registry (3.1.1.6) "
        "and, for webchat, attended within the limit (Annex A 5.1) with "
        "the minimum interactions (5.2).")
    registered_domain = fields.Char("Registered Domain", readonly=True)
    billable_domain = fields.Char("Billable Domain", readonly=True)
    ordered = fields.Integer("Ordered USA", readonly=True)
    quantity = fields.Integer("Billed Quantity", readonly=True)
    unit_price = fields.Numeric("Unit Price", digits=(16, 4), readonly=True)
    amount = fields.Numeric("Gross Value", digits=(16, 2), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.measurement, Index.Equality())))
        cls._buttons.update({
                'open_registered': {
                    'invisible': ~Eval('registered_domain'),
                    'icon': 'tryton-search',
                    'depends': ['registered_domain'],
                    },
                'open_billable': {
                    'invisible': ~Eval('billable_domain'),
                    'icon': 'tryton-search',
                    'depends': ['billable_domain'],
                    },
                })

    def get_rec_name(self, name):
        return '%s - %s' % (self.measurement.rec_name, self.item.rec_name)

    def records_domain(self, which):
        "Return the domain of the protocols counted in which"
        return PYSONDecoder().decode(
            getattr(self, '%s_domain' % which) or '[]')

    @classmethod
    @ModelView.button_action('see_sla.act_measurement_line_records')
    def open_registered(cls, items):
        if items:
            return records_action(items[0], 'see.protocol', 'registered')

    @classmethod
    @ModelView.button_action('see_sla.act_measurement_line_records')
    def open_billable(cls, items):
        if items:
            return records_action(items[0], 'see.protocol', 'billable')


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    sla_counted = fields.Function(fields.Char(
            "Counted by Measurement",
            help="For searches only: the protocols that a counter of a "
            "measurement counted, as \"measurement id:counter\"."),
        'get_sla_counted', searcher='search_sla_counted')

    def get_sla_counted(self, name):
        return None

    @classmethod
    def search_sla_counted(cls, name, clause):
        pool = Pool()
        Measurement = pool.get('see.sla.measurement')
        _, operator, value = clause[:3]
        if not value:
            # As read, the field is empty on every protocol
            return [] if operator == '=' else [('id', '=', None)]
        measurement, counter = str(value).split(':')
        # Domains are converted without access checks: the figures of a
        # measurement are for those who may read it
        with check_access():
            measurements = Measurement.search(
                [('id', '=', int(measurement))])
        if not measurements:
            return [('id', '=', None)]
        query = measurements[0].counted_query(counter)
        return [('id', 'in' if operator == '=' else 'not in', query)]


class MeasurementComment(ServerReadonly, ModelSQL, ModelView):
    """A remark of the fiscal or the manager on a measurement, in any of its
    states; only its author changes its text"""
    __string__ = "SLA Measurement Comment"
    __name__ = 'see.sla.measurement.comment'
    _history = True

    measurement = fields.Many2One(
        'see.sla.measurement', "Measurement", required=True,
        ondelete='CASCADE', states={'readonly': Eval('id', -1) >= 0})
    author = fields.Many2One('res.user', "Author", readonly=True)
    date = fields.DateTime("Date", readonly=True)
    text = fields.Text("Comment", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    def get_rec_name(self, name):
        return '%s (%s)' % (self.measurement.rec_name,
            self.author.rec_name if self.author else '')

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            values['author'] = Transaction().user or None
            values['date'] = dt.datetime.now()
        return values

    @classmethod
    def check_modification(cls, mode, comments, values=None, external=False):
        super().check_modification(
            mode, comments, values=values, external=external)
        user = Transaction().user
        if mode in {'write', 'delete'} and external:
            for comment in comments:
                if comment.author and comment.author.id != user:
                    raise MeasurementLockedError(gettext(
                            'see_sla.msg_comment_author'))


class MeasurementCheckResult(ModelView):
    __string__ = "Check of the Measurement against the Records"
    __name__ = 'see.sla.measurement.check.result'

    result = fields.Text("Result", readonly=True)


class MeasurementCheck(Wizard):
    """Count again, with the drill-down of each figure, the records of a
    computed measurement: the records may have changed since"""
    __string__ = "Check the Measurement against the Records"
    __name__ = 'see.sla.measurement.check'

    start = StateView('see.sla.measurement.check.result',
        'see_sla.measurement_check_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        measurement = self.record
        differences = measurement.recount()
        if not differences:
            result = gettext('see_sla.msg_measurement_check_same',
                measurement=measurement.rec_name)
        else:
            result = '\n'.join(
                [gettext('see_sla.msg_measurement_check_changed',
                        measurement=measurement.rec_name)]
                + [gettext('see_sla.msg_measurement_check_difference',
                        figure=figure, computed=computed, today=today)
                    for figure, computed, today in differences])
        return {'result': result}
