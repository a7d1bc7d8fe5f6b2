# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Max

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from . import counting, formulas
from .counting import (
    WEBCHAT_DEFAULTS, Counting, current_parameters, date_string,
    domain_ranges, in_ranges)
from .exceptions import MeasurementError, MeasurementLockedError

# The type of the results of the hooks count_<source>, which the modules
# of the channels import from here
Counts = counting.Counts
LOCKED = {'validated', 'closed'}
# Fields that may still be written on a validated measurement: by its
# workflow and, for the notification of a glosa over the limit, by its users
WRITABLE_LOCKED = {'state', 'validated_by', 'validated_date',
    'notification_date'}


class Measurement(ServerReadonly, Workflow, ModelSQL, ModelView):
    __string__ = "SLA Measurement"
    __name__ = 'see.sla.measurement'
    # The run of a computation, while it lasts (see compute)
    __slots__ = ('_counting',)
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

    def get_periods(self):
        """Return {kind: [(first day, last day)]} of the month

        Days covered by an issued special service order are special, the
        others routine."""
        return self.counting().periods

    def get_periods_string(self, name):
        labels = {'rotineiro': "Rotineiro", 'especial': "Especial"}
        parts = []
        for kind, segments in self.get_periods().items():
            for start, end in segments:
                parts.append('%s %s-%s' % (labels[kind],
                        date_string(start), date_string(end)))
        return '; '.join(parts)

    def utc_ranges(self, segments):
        return self.counting().utc_ranges(segments)

    _in_ranges = staticmethod(in_ranges)
    _domain_ranges = staticmethod(domain_ranges)

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

    # Counting: the engine is counting.Counting, one per computation ------

    def counting(self):
        "The run computing the measurement, a new one outside a computation"
        run = getattr(self, '_counting', None)
        return run if run is not None else Counting(self)

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
            billing_interactions=parameters.get('billing_interactions',
                WEBCHAT_DEFAULTS['billing_interactions']),
            interactions=parameters['min_interactions'],
            billable=names(billable),
            resolved=names(resolved))

    def webchat_interactions_query(self, minimum):
        """Return a query of the ids of webchat protocols with at least
        minimum interactions between requester and agent (Annex A 5.2
        for billing, 5.3 for IRAE)

        None while no module records the messages: the criterion is then
        not applied and the explanation says so. see_webchat overrides it
        with a query on its conversations."""
        return None

    @classmethod
    def protocol_status(cls, protocols, names):
        """Return {name: {protocol id: bool}} of the protocols as a
        measurement computed today counts them, for the screens of the
        channels: names among 'in_time', 'awaiting', 'interactions' (for
        billing), 'attended', 'billable' and 'finished' (IRAE)"""
        pool = Pool()
        Contract = pool.get('see.contract')
        parameters = current_parameters()
        result = {n: {} for n in names}
        by_month = defaultdict(list)
        contracts = []
        if parameters['webchat_hours'] == 'service':
            # The service windows are those of the month of the contract
            contracts = Contract.search(
                [('state', '!=', 'draft')], order=[('start_date', 'DESC')])
        for protocol in protocols:
            month = formulas.month_start(protocol.start_date.date())
            contract = next((c for c in contracts
                    if c.operation_start <= formulas.month_end(month)), None)
            by_month[(contract, month if contract else None)].append(
                protocol.id)
        for (contract, month), ids in by_month.items():
            measurement = cls(contract=contract,
                month=month or dt.date.today().replace(day=1))
            status = Counting(measurement, parameters=parameters
                ).protocol_status(ids, names)
            for name in names:
                result[name].update(status[name])
        return result

    def counted_clause(self, counter):
        "Return the domain clause of the protocols counter counts"
        return self.counting().counted_clause(counter)

    def counted_query(self, counter):
        """Return the query of the ids of the month's protocols that
        counter counts: the drill-down of the figures of the computation"""
        return self.counting().counted_query(counter)

    # Hooks of the sources: count_<source>(indicator, kinds) returns the
    # Counts of the indicator over the periods of kinds, None without data.
    # Modules of other channels add sources or fill the empty ones.

    def count_fcr(self, indicator, kinds):
        return self.counting().count_fcr(indicator, kinds)

    def count_ifqa(self, indicator, kinds):
        return self.counting().count_ifqa(indicator, kinds)

    def count_irae(self, indicator, kinds):
        return self.counting().count_irae(indicator, kinds)

    def count_qtbc(self, indicator, kinds):
        return self.counting().count_qtbc(indicator, kinds)

    def count_plat(self, indicator, kinds):
        return self.counting().count_plat(indicator, kinds)

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
        return self.counting().count_billable(item)

    # Computation ----------------------------------------------------------

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
        for measurement in measurements:
            # The hooks reach the run through the measurement while it lasts
            measurement._counting = Counting(measurement, indicators)
            try:
                lines, items = measurement._counting.compute(config)
            finally:
                measurement._counting = None
            for line in lines:
                line['sequence'] = len(line_values)
                line_values.append(line)
            item_values.extend(items)
        # One INSERT for all the lines: rows of the same columns
        names = set().union(*line_values)
        line_values = [dict.fromkeys(names) | v for v in line_values]
        with without_check_access():
            Line.create(line_values)
            Item.create(item_values)
        cls.save(measurements)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, measurements):
        pass

    @classmethod
    @ModelView.button_action('see_sla.wizard_measurement_check')
    def check_records(cls, measurements):
        pass

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
