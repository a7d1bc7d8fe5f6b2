# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields, sequence_ordered)
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.pyson import Eval

from . import formulas
from .exceptions import (
    ContractError, ContractLockedError, ServiceOrderError,
    ServiceOrderLockedError)

CHANNELS = [
    ('telefone', "Phone"),
    ('webchat', "Webchat"),
    ]
KINDS = [
    ('rotineiro', "Routine"),
    ('especial', "Special"),
    ]
# States of a measurement whose figures no longer change
MEASURED = ['validated', 'closed']


class Contract(ServerReadonly, Workflow, ModelSQL, ModelView):
    __string__ = "Contract"
    __name__ = 'see.contract'
    _rec_name = 'number'
    _history = True

    _states = {'readonly': Eval('state') != 'draft'}

    number = fields.Char("Number", required=True, states=_states)
    supplier = fields.Many2One(
        'party.party', "Supplier", required=True, ondelete='RESTRICT',
        states=_states, context={'company': None})
    customer = fields.Many2One(
        'party.party', "Contracting Party", required=True,
        ondelete='RESTRICT', states=_states, context={'company': None},
        help="SEE-PE.")
    start_date = fields.Date("Signature Date", required=True, states=_states)
    validity_days = fields.Integer(
        "Validity (days)", required=True, states=_states,
        domain=[('validity_days', '>', 0)])
    end_date = fields.Function(fields.Date("End Date"), 'get_end_date')
    operation_start = fields.Date(
        "Start of Operation", required=True, states=_states,
        help="The indicators that start \"after the first months of "
        "operation\" count from this date.")
    guarantee_percentage = fields.Numeric(
        "Performance Guarantee (%)", digits=(5, 2), required=True,
        states=_states)
    guarantee_amount = fields.Function(
        fields.Numeric("Performance Guarantee", digits=(16, 2)),
        'get_amounts')
    total_amount = fields.Function(
        fields.Numeric("Estimated Value", digits=(16, 2)), 'get_amounts')
    billing_basis = fields.Selection([
            ('capped', "Billable, Limited to the Service Orders"),
            ('realized', "Billable Attendances"),
            ('ordered', "Estimated in the Service Orders"),
            ], "Billing Basis", required=True, states=_states,
        help="Quantity paid per item: the billable attendances of the month "
        "limited to the USA of its service orders (item 6.3 pays what the "
        "order estimated, items 3.1.1.6 and 3.1.2.7 only billable "
        "attendances), all billable attendances or the ordered USA.")
    routine_calendar = fields.Many2One(
        'see.sla.calendar', "Routine Calendar", required=True,
        ondelete='RESTRICT', states=_states)
    special_calendar = fields.Many2One(
        'see.sla.calendar', "Special Calendar", required=True,
        ondelete='RESTRICT', states=_states)
    items = fields.One2Many(
        'see.contract.item', 'contract', "Items", states=_states)
    orders = fields.One2Many(
        'see.service.order', 'contract', "Service Orders", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('number_unique', Unique(t, t.number),
                'see_sla.msg_contract_number_unique'),
            ]
        cls._order.insert(0, ('start_date', 'DESC'))
        cls._transitions |= {
            ('draft', 'active'),
            ('active', 'closed'),
            ('active', 'draft'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') != 'active',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'activate': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'active',
                    'icon': 'tryton-close',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_validity_days(cls):
        return 180

    @classmethod
    def default_guarantee_percentage(cls):
        return Decimal(5)

    @classmethod
    def default_billing_basis(cls):
        return 'capped'

    @classmethod
    def default_routine_calendar(cls):
        return cls._default_calendar('calendar_routine')

    @classmethod
    def default_special_calendar(cls):
        return cls._default_calendar('calendar_special')

    @staticmethod
    def _default_calendar(fs_id):
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id('see_sla', fs_id)
        except KeyError:
            return None

    @fields.depends('start_date', 'operation_start')
    def on_change_start_date(self):
        if self.start_date and not self.operation_start:
            self.operation_start = self.start_date

    def get_end_date(self, name):
        if self.start_date and self.validity_days:
            return self.start_date + dt.timedelta(days=self.validity_days - 1)

    @classmethod
    def get_amounts(cls, contracts, names):
        result = {n: {} for n in names}
        for contract in contracts:
            total = sum((i.amount or Decimal(0) for i in contract.items),
                Decimal('0.00'))
            if 'total_amount' in names:
                result['total_amount'][contract.id] = total
            if 'guarantee_amount' in names:
                result['guarantee_amount'][contract.id] = (
                    formulas.round_cents(
                        total * (contract.guarantee_percentage or 0) / 100))
        return result

    def calendar(self, kind):
        return (self.special_calendar if kind == 'especial'
            else self.routine_calendar)

    @classmethod
    def check_modification(cls, mode, contracts, values=None,
            external=False):
        super().check_modification(
            mode, contracts, values=values, external=external)
        if mode == 'delete':
            for contract in contracts:
                if contract.state != 'draft':
                    raise ContractLockedError(gettext(
                            'see_sla.msg_contract_delete',
                            contract=contract.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, contracts):
        "Back to draft to correct it, while no measurement is validated"
        pool = Pool()
        Measurement = pool.get('see.sla.measurement')
        for contract in contracts:
            measurements = Measurement.search([
                    ('contract', '=', contract.id),
                    ('state', 'in', MEASURED),
                    ], limit=1)
            if measurements:
                raise ContractError(gettext(
                        'see_sla.msg_contract_draft_measured',
                        contract=contract.rec_name,
                        measurement=measurements[0].rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, contracts):
        for contract in contracts:
            if not contract.items:
                raise ContractError(gettext(
                        'see_sla.msg_contract_no_items',
                        contract=contract.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, contracts):
        pass


class ContractItem(ServerReadonly, sequence_ordered(), ModelSQL, ModelView):
    __string__ = "Contract Item"
    __name__ = 'see.contract.item'
    _history = True

    contract = fields.Many2One(
        'see.contract', "Contract", required=True, ondelete='CASCADE')
    efisco_code = fields.Char("e-Fisco Code", required=True)
    description = fields.Char("Description", required=True)
    channel = fields.Selection(CHANNELS, "Channel", required=True)
    unit = fields.Char("Unit", required=True)
    estimated_quantity = fields.Integer(
        "Estimated Quantity", required=True,
        domain=[('estimated_quantity', '>=', 0)])
    unit_price = fields.Numeric(
        "Unit Price", digits=(16, 4), required=True,
        domain=[('unit_price', '>=', 0)])
    amount = fields.Function(
        fields.Numeric("Estimated Value", digits=(16, 2)), 'get_amount')

    @classmethod
    def default_unit(cls):
        return "Atendimentos realizados"

    def get_rec_name(self, name):
        return '%s - %s' % (self.efisco_code, self.description)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        bool_op = 'AND' if operator.startswith('!') else 'OR'
        return [bool_op,
            ('efisco_code', operator, value),
            ('description', operator, value),
            ]

    def get_amount(self, name):
        if self.estimated_quantity is not None and self.unit_price is not None:
            return formulas.round_cents(
                self.estimated_quantity * self.unit_price)

    @classmethod
    def check_modification(cls, mode, items, values=None, external=False):
        "The measurement bills with the items: fixed once the contract runs"
        pool = Pool()
        Contract = pool.get('see.contract')
        super().check_modification(
            mode, items, values=values, external=external)
        contracts = {i.contract for i in items}
        if mode == 'write' and values.get('contract'):
            contracts.add(Contract(values['contract']))
        for contract in contracts:
            if contract.state != 'draft':
                raise ContractLockedError(gettext(
                        'see_sla.msg_contract_item_locked',
                        contract=contract.rec_name))


class ServiceOrder(ServerReadonly, Workflow, ModelSQL, ModelView):
    __string__ = "Service Order"
    __name__ = 'see.service.order'
    _rec_name = 'number'
    _history = True

    _states = {'readonly': Eval('state') != 'draft'}

    number = fields.Char("Number", required=True, states=_states)
    contract = fields.Many2One(
        'see.contract', "Contract", required=True, ondelete='RESTRICT',
        domain=[('state', '=', 'active')], states=_states)
    month = fields.Date(
        "Month", required=True, states=_states,
        help="Any day of the month served; stored as its first day.")
    kind = fields.Selection(
        KINDS, "Kind", required=True, states=_states,
        help="Special services have their own hours and indicators "
        "(Annex A item 4) and must be ordered 15 days in advance.")
    start_date = fields.Date(
        "Start", required=True, states=_states,
        domain=[('start_date', '>=', Eval('month'))])
    end_date = fields.Date(
        "End", required=True, states=_states,
        domain=[('end_date', '>=', Eval('start_date'))])
    issue_date = fields.Date("Issue Date", required=True, states=_states)
    lines = fields.One2Many(
        'see.service.order.line', 'order', "Estimated USA", states=_states)
    state = fields.Selection([
            ('draft', "Draft"),
            ('issued', "Issued"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('number_unique', Unique(t, t.contract, t.number),
                'see_sla.msg_service_order_number_unique'),
            ]
        cls._sql_indexes.add(Index(t,
                (t.contract, Index.Equality()), (t.month, Index.Range())))
        cls._order.insert(0, ('month', 'DESC'))
        cls._transitions |= {
            ('draft', 'issued'),
            ('draft', 'cancelled'),
            ('issued', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                'issue': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') == 'cancelled',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'rotineiro'

    @classmethod
    def default_issue_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('month', 'start_date', 'end_date')
    def on_change_month(self):
        if self.month:
            self.month = formulas.month_start(self.month)
            self.start_date = self.month
            self.end_date = formulas.month_end(self.month)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('month'):
            values['month'] = formulas.month_start(values['month'])
            if mode == 'create':
                values.setdefault('start_date', values['month'])
                values.setdefault(
                    'end_date', formulas.month_end(values['month']))
        return values

    @classmethod
    def validate_fields(cls, orders, field_names):
        super().validate_fields(orders, field_names)
        cls.check_period(orders)
        cls.check_notice(orders)

    @classmethod
    def check_period(cls, orders):
        for order in orders:
            if (order.start_date < order.month
                    or order.end_date > formulas.month_end(order.month)):
                raise ServiceOrderError(gettext(
                        'see_sla.msg_service_order_period',
                        order=order.rec_name))
            if order.state == 'cancelled':
                continue
            others = cls.search([
                    ('id', '!=', order.id),
                    ('contract', '=', order.contract.id),
                    ('state', '!=', 'cancelled'),
                    ('start_date', '<=', order.end_date),
                    ('end_date', '>=', order.start_date),
                    ], limit=1)
            if others:
                raise ServiceOrderError(gettext(
                        'see_sla.msg_service_order_overlap',
                        order=order.rec_name, other=others[0].rec_name))

    @classmethod
    def check_notice(cls, orders):
        "A special order must be issued 15 days before it starts (3.2.1.2)"
        for order in orders:
            if order.kind != 'especial' or order.state == 'cancelled':
                continue
            limit = order.start_date - dt.timedelta(days=cls.notice_days())
            if order.issue_date > limit:
                raise ServiceOrderError(gettext(
                        'see_sla.msg_service_order_notice',
                        order=order.rec_name,
                        start=order.start_date.strftime('%d/%m/%Y'),
                        limit=limit.strftime('%d/%m/%Y'),
                        days=cls.notice_days()))

    @classmethod
    def notice_days(cls):
        return 15

    @classmethod
    def check_modification(cls, mode, orders, values=None, external=False):
        super().check_modification(
            mode, orders, values=values, external=external)
        if mode == 'delete':
            for order in orders:
                if order.state == 'issued':
                    raise ServiceOrderLockedError(gettext(
                            'see_sla.msg_service_order_delete',
                            order=order.rec_name))

    @classmethod
    def check_measured(cls, orders):
        "Refuse to change the orders of a month already validated"
        pool = Pool()
        Measurement = pool.get('see.sla.measurement')
        for order in orders:
            measurements = Measurement.search([
                    ('contract', '=', order.contract.id),
                    ('month', '=', order.month),
                    ('state', 'in', MEASURED),
                    ], limit=1)
            if measurements:
                raise ServiceOrderError(gettext(
                        'see_sla.msg_service_order_measured',
                        order=order.rec_name,
                        measurement=measurements[0].rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, orders):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('issued')
    def issue(cls, orders):
        cls.check_measured(orders)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, orders):
        cls.check_measured([o for o in orders if o.state == 'issued'])


class ServiceOrderLine(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Service Order Line"
    __name__ = 'see.service.order.line'
    _history = True

    order = fields.Many2One(
        'see.service.order', "Service Order", required=True,
        ondelete='CASCADE')
    item = fields.Many2One(
        'see.contract.item', "Item", required=True, ondelete='RESTRICT',
        domain=[('contract', '=', Eval('_parent_order.contract', -1))])
    quantity = fields.Integer(
        "Estimated USA", required=True, domain=[('quantity', '>=', 0)])

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        "The estimated USA of an issued order are those the month bills"
        pool = Pool()
        Order = pool.get('see.service.order')
        super().check_modification(
            mode, lines, values=values, external=external)
        orders = {l.order for l in lines}
        if mode == 'write' and values.get('order'):
            orders.add(Order(values['order']))
        for order in orders:
            # Deleting a cancelled order deletes its lines
            if (order.state == 'issued'
                    or (order.state != 'draft'
                        and (mode != 'delete' or external))):
                raise ServiceOrderLockedError(gettext(
                        'see_sla.msg_service_order_line_locked',
                        order=order.rec_name))
