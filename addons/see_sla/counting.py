# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The counting engine of the measurement: one `Counting` per run.

A run gathers once what every indicator of a month asks for (the periods,
the active indicators, the settings applied and the counts of the month's
protocols in one aggregate query) and is dropped with the run: nothing is
kept between two computations or two transactions.

The rules of the contract are decided here only. The webchat rules of
Annex A 5 (the limit of 5.1, the interactions of 5.2 and 5.3) are settings
of the IRAE indicator; the modules of the channels supply facts through
the hooks of `see.sla.measurement` (`count_<source>` for their indicators,
`webchat_interactions_query` for the interactions of a conversation) and
show the status of a protocol with `protocol_status`, the same conditions
the measurement counts.
"""
import datetime as dt
from collections import defaultdict, namedtuple

from sql import Literal, Null
from sql.aggregate import Count, Sum
from sql.conditionals import Case, Greatest, Least
from sql.functions import Extract

from trytond.i18n import gettext
from trytond.modules.see_atendimento.protocol import datetime_shifted
from trytond.pool import Pool
from trytond.pyson import PYSONEncoder
from trytond.transaction import Transaction

from . import formulas

# What the counting methods return: the numerator and denominator of the
# formula and, for the drill-down, the model and domains of the records
# counted; note is added to the line's explanation.
Counts = namedtuple('Counts', [
        'numerator', 'denominator', 'model', 'numerator_domain',
        'denominator_domain', 'note'],
    defaults=[None, None, None, None])

KINDS = ['rotineiro', 'especial']
# The readings of Annex A 5 when the IRAE indicator leaves them empty
WEBCHAT_DEFAULTS = {
    'webchat_limit_hours': 8,
    'webchat_hours': 'calendar',
    'webchat_awaiting': 'exempt',
    'billing_interactions': 5,
    'min_interactions': 6,
    }


def percent(value):
    if value is None:
        return '-'
    return str(formulas.to_decimal(value)).replace('.', ',')


def date_string(value):
    return value.strftime('%d/%m/%Y') if value else ''


def hours_string(seconds):
    hours, rest = divmod(int(seconds), 3600)
    return '%d:%02d' % (hours, rest // 60)


def in_ranges(column, ranges):
    "SQL condition of column in one of the [start, end) ranges"
    condition = None
    for start, end in ranges:
        clause = (column >= start) & (column < end)
        condition = clause if condition is None else condition | clause
    if condition is None:
        condition = column != column
    return condition


def domain_ranges(name, ranges):
    "Domain of name in one of the [start, end) ranges"
    domain = ['OR']
    for start, end in ranges:
        domain.append([(name, '>=', start), (name, '<', end)])
    return domain


def current_parameters(indicators=None):
    """Return the settings that counting protocols applies today: the
    configuration's, the IRAE indicator's and the classifications' flags

    indicators are the active indicators of a run, searched otherwise."""
    pool = Pool()
    Configuration = pool.get('see.configuration')
    Classification = pool.get('see.classification')
    Indicator = pool.get('see.sla.indicator')
    config = Configuration(1)
    if indicators is None:
        irae = Indicator.search([('source', '=', 'irae')], limit=1)
    else:
        irae = [i for i in indicators if i.source == 'irae'][:1]
    irae = irae[0] if irae else None
    with Transaction().set_context(active_test=False):
        classifications = Classification.search([], order=[('id', 'ASC')])
    parameters = {
        'good_score': config.good_score,
        'reincidence_days': config.reincidence_days,
        }
    for name, default in WEBCHAT_DEFAULTS.items():
        parameters[name] = (getattr(irae, name, None) if irae else None
            ) or default
    parameters.update({
            'billable_classifications': [
                c.id for c in classifications if c.billable],
            'resolved_classifications': [
                c.id for c in classifications if c.outcome == 'resolved'],
            })
    return parameters


class Counting:
    """One computation of the figures of a measurement: its periods, its
    indicators, the settings applied and the counts of its protocols"""

    def __init__(self, measurement, indicators=None, parameters=None):
        self.measurement = measurement
        self.contract = measurement.contract
        self.month = measurement.month
        self.month_end = formulas.month_end(self.month)
        self.indicators = indicators
        self._parameters = parameters
        self._periods = None
        self._protocol_counts = None
        self._interactions = None

    # Settings and periods --------------------------------------------------

    @property
    def parameters(self):
        """The settings of the last computation of the measurement, those
        of today before the first one: a computed measurement drills down
        to the records it counted whatever changed since"""
        if self._parameters is None:
            self._parameters = (self.measurement.parameters
                or current_parameters(self.indicators))
        return self._parameters

    @property
    def zone(self):
        return self.contract.routine_calendar.zone

    @property
    def periods(self):
        """{kind: [(first day, last day)]} of the month

        Days covered by an issued special service order are special, the
        others routine."""
        if self._periods is None:
            self._periods = self._compute_periods()
        return self._periods

    def _compute_periods(self):
        pool = Pool()
        Order = pool.get('see.service.order')
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

    def to_utc(self, date):
        "Return the naive UTC datetime of the local midnight of date"
        local = dt.datetime.combine(date, dt.time(), tzinfo=self.zone)
        return local.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def utc_ranges(self, segments):
        return [(self.to_utc(s), self.to_utc(e + dt.timedelta(days=1)))
            for s, e in segments]

    def indicator_kinds(self, indicator):
        kinds = KINDS if indicator.period == 'both' else [indicator.period]
        return [k for k in kinds if self.periods[k]]

    # Protocols ------------------------------------------------------------

    def _service_seconds(self, protocol):
        """SQL expression of the seconds of service hours between the start
        and the end of the protocol, for webchat limits in service hours:
        a sum over the service windows of the month and of the next days"""
        windows = []
        for kind in KINDS:
            calendar = self.contract.calendar(kind)
            for start, end in self.periods[kind]:
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
        """Return the protocols as (table, query source, {counter:
        condition}, interactions): the conditions each counter tests (None:
        every protocol) and whether the webchat interactions are known for
        billing and for IRAE"""
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Escalation = pool.get('see.protocol.escalation')
        p = Protocol.__table__()
        e = Escalation.__table__()
        parameters = self.parameters
        limit = dt.timedelta(hours=parameters['webchat_limit_hours'])

        def classified(ids):
            # The classifications as they were when computed: no join
            return p.classification.in_(ids) if ids else Literal(False)

        # One join instead of a probe of the escalations in each of the
        # conditions that use it
        escalated = e.select(e.protocol, group_by=[e.protocol])
        awaiting = (p.state.in_(['escalated', 'answered'])
            | (escalated.protocol != Null))
        # Service hours are those of a contract: none, clock hours
        if parameters['webchat_hours'] == 'service' and self.contract:
            duration = self._service_seconds(p)
            in_time = ((p.end_date != Null)
                & (duration <= limit.total_seconds()))
        else:
            in_time = ((p.end_date != Null)
                & (p.end_date <= datetime_shifted(p.start_date, limit)))
        if parameters['webchat_awaiting'] == 'exempt':
            attended = in_time | awaiting
        else:
            attended = in_time
        interactions_bill = self.measurement.webchat_interactions_query(
            parameters.get('billing_interactions',
                WEBCHAT_DEFAULTS['billing_interactions']))
        interactions_irae = self.measurement.webchat_interactions_query(
            parameters['min_interactions'])
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
            'in_time': in_time,
            'awaiting': awaiting,
            'interactions': bill_interactions,
            }
        source = p.join(
            escalated, 'LEFT', condition=escalated.protocol == p.id)
        interactions = {
            'bill': interactions_bill is not None,
            'irae': interactions_irae is not None,
            }
        return p, source, conditions, interactions

    def month_where(self, p):
        "The protocols of the month counted"
        month = self.utc_ranges([(self.month, self.month_end)])[0]
        return ((p.start_date >= month[0]) & (p.start_date < month[1])
            & (p.state != 'cancelled'))

    # The counters of the month's protocols: the others are the facts of
    # the webchat screens
    COUNTERS = ['registered', 'reincident', 'evaluated', 'good',
        'billable', 'attended', 'finished']

    def counted_query(self, counter):
        """Return the query of the ids of the month's protocols that
        counter counts: the drill-down of the figures of protocol_counts"""
        p, source, conditions, _ = self.protocol_conditions()
        where = self.month_where(p)
        if conditions[counter] is not None:
            where &= conditions[counter]
        return source.select(p.id, where=where)

    def protocol_status(self, ids, names):
        """Return {name: {protocol id: bool}} of the conditions names for
        the protocols ids, as the measurement counts them"""
        p, source, conditions, _ = self.protocol_conditions()
        result = {n: dict.fromkeys(ids, False) for n in names}
        if not ids:
            return result
        cursor = Transaction().connection.cursor()
        cursor.execute(*source.select(p.id,
                *(Case((conditions[n], Literal(True)), else_=Literal(False))
                    for n in names),
                where=p.id.in_(list(ids))))
        for id_, *values in cursor:
            for name, value in zip(names, values):
                result[name][id_] = bool(value)
        return result

    @property
    def protocol_counts(self):
        """{(channel, kind): {counter: value}} of the month's protocols,
        counted in one aggregate query"""
        if self._protocol_counts is None:
            self._count_protocols()
        return self._protocol_counts

    def _count_protocols(self):
        cursor = Transaction().connection.cursor()
        p, source, conditions, interactions = self.protocol_conditions()
        conditions = {n: conditions[n] for n in self.COUNTERS}
        where = self.month_where(p)
        special = self.utc_ranges(self.periods['especial'])
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
            special_rows = in_ranges(p.start_date, special)
            counts += [Count(filter_=special_rows & condition)
                if condition is not None else Count(filter_=special_rows)
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
        self._protocol_counts = result
        self._interactions = interactions

    def counted_clause(self, counter):
        "Return the domain clause of the protocols counter counts"
        return ('sla_counted', '=', '%s:%s' % (self.measurement.id, counter))

    def sum_counts(self, channel, kinds, *names):
        counts = self.protocol_counts
        return [sum(counts[(ch, k)][n] or 0 for (ch, k) in list(counts)
                if (channel == 'all' or ch == channel) and k in kinds)
            for n in names]

    def protocol_domain(self, indicator, kinds, *extra):
        ranges = self.utc_ranges(
            [s for k in kinds for s in self.periods[k]])
        domain = [domain_ranges('start_date', ranges),
            ('state', '!=', 'cancelled')]
        if indicator.channel != 'all':
            domain.append(('channel', '=', indicator.channel))
        return domain + list(extra)

    # Counters of see_sla's own sources ------------------------------------

    def count_fcr(self, indicator, kinds):
        reincident, registered = self.sum_counts(
            indicator.channel, kinds, 'reincident', 'registered')
        domain = self.protocol_domain(indicator, kinds)
        return Counts(reincident, registered, 'see.protocol',
            domain + [self.counted_clause('reincident')], domain)

    def count_ifqa(self, indicator, kinds):
        good, evaluated = self.sum_counts(
            indicator.channel, kinds, 'good', 'evaluated')
        domain = self.protocol_domain(
            indicator, kinds, ('survey_score', '!=', None))
        good_score = self.parameters['good_score']
        return Counts(good, evaluated, 'see.protocol',
            domain + [('survey_score', '>', good_score)], domain)

    def count_irae(self, indicator, kinds):
        finished, attended = self.sum_counts(
            indicator.channel, kinds, 'finished', 'attended')
        domain = self.protocol_domain(indicator, kinds)
        note = None
        if not self._interactions['irae']:
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
            start=date_string(first), end=date_string(last))
        return Counts(good or 0, total or 0, 'see.kb.rating',
            domain + [('grade', '>=', good_grade)], domain, note)

    def count_plat(self, indicator, kinds):
        pool = Pool()
        Incident = pool.get('see.platform.incident')
        service = []
        for kind in kinds:
            calendar = self.contract.calendar(kind)
            for start, end in self.periods[kind]:
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
            service=hours_string(total),
            down=hours_string(total - available))
        return Counts(available, total, 'see.platform.incident',
            domain, domain, note)

    def count_billable(self, item):
        "Return (registered, billable) attendances of the item's channel"
        return self.sum_counts(item.channel, KINDS, 'registered', 'billable')

    # Lines and items ------------------------------------------------------

    def measure(self, indicator, kinds):
        """Return the values of the measurement line of indicator, counted
        by the hook count_<source> of the measurement"""
        measurement = self.measurement
        values = {
            'measurement': measurement.id,
            'indicator': indicator.id,
            'code': indicator.code,
            'name': indicator.name,
            'channel': indicator.channel,
            'period': indicator.period,
            'target': indicator.target,
            'target_string': indicator.target_string,
            'points': 0,
            }
        counts = getattr(measurement, 'count_%s' % indicator.source)(
            indicator, kinds)
        month_index = formulas.month_index(
            self.contract.operation_start, self.month)
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
                    value=percent(value),
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

    def item_values(self):
        "Return the values of the billable quantities of the contract"
        measurement = self.measurement
        result = []
        items = self.contract.items
        ordered_quantities = self.ordered_quantities(items)
        month = self.utc_ranges([(self.month, self.month_end)])
        for item in items:
            registered, billable = measurement.count_billable(item)
            ordered = ordered_quantities[item.id]
            quantity = formulas.paid_quantity(
                self.contract.billing_basis, billable, ordered)
            amount = formulas.round_cents(quantity * item.unit_price)
            registered_domain = [
                domain_ranges('start_date', month),
                ('state', '!=', 'cancelled'),
                ('channel', '=', item.channel),
                ]
            result.append({
                    'measurement': measurement.id,
                    'item': item.id,
                    'channel': item.channel,
                    'registered_domain': PYSONEncoder().encode(
                        registered_domain),
                    'billable_domain': PYSONEncoder().encode(
                        registered_domain
                        + [self.counted_clause('billable')]),
                    'registered': registered,
                    'billable': billable,
                    'ordered': ordered,
                    'quantity': quantity,
                    'unit_price': item.unit_price,
                    'amount': amount,
                    })
        return result

    def compute(self, config):
        """Set the totals of the measurement; return the values of its
        lines and of its items"""
        pool = Pool()
        GlosaRow = pool.get('see.sla.glosa')
        measurement = self.measurement
        # Taken before counting: the counts and the drill-down use them
        self._parameters = current_parameters(self.indicators)
        measurement.parameters = self._parameters
        lines = []
        for indicator in self.indicators:
            kinds = self.indicator_kinds(indicator)
            if not kinds:
                continue
            lines.append(self.measure(indicator, kinds))
        items = self.item_values()
        amounts = [(i['quantity'], i['unit_price']) for i in items]
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
        return lines, items
