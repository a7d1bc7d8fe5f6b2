# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The figures a computation writes: the lines of the indicators and the
billable quantities, with the drill-down to the records they count"""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONDecoder, PYSONEncoder
from trytond.transaction import check_access

from .exceptions import MeasurementLockedError
from .measurement import LOCKED


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
