# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from decimal import Decimal

from trytond.model import (
    DeactivableMixin, ModelSingleton, ModelSQL, ModelView, Unique, fields,
    sequence_ordered)
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.pyson import Eval

from . import formulas

SOURCES = [
    ('iar', "IAR - Registered Attendances (calls)"),
    ('fcr', "FCR - First Contact Resolution"),
    ('ifqa', "IFQA - Quality of Attendance (survey)"),
    ('qtbc', "QTBC - Knowledge Base Contents"),
    ('plat', "PLAT - Platform Availability"),
    ('ins', "INS - Service Level (calls)"),
    ('iac', "IAC - Abandoned Calls"),
    ('irae', "IRAE - Webchat Resolution"),
    ]
# Indicators counted from the PBX: filled by see_telefonia
CALL_SOURCES = {'iar', 'ins', 'iac'}


class Indicator(ServerReadonly, DeactivableMixin, ModelSQL, ModelView):
    __string__ = "SLA Indicator"
    __name__ = 'see.sla.indicator'
    # Settings of the figures: the auditor sees who changed them and when
    _history = True

    code = fields.Char("Code", required=True)
    name = fields.Char("Name", required=True, translate=True)
    channel = fields.Selection([
            ('telefone', "Phone"),
            ('webchat', "Webchat"),
            ('all', "All Channels"),
            ], "Channel", required=True)
    period = fields.Selection([
            ('both', "Routine and Special"),
            ('rotineiro', "Routine Only"),
            ('especial', "Special Only"),
            ], "Period", required=True,
        help="The days of the month the indicator measures. Annex A item 4: "
        "the special set replaces, during special periods, the indicator "
        "of the same code (PLAT 97 % -> 98 %).")
    source = fields.Selection(SOURCES, "Calculation", required=True)
    sequence = fields.Integer("Sequence")
    target = fields.Numeric("Target (%)", digits=(5, 2), required=True)
    higher_is_better = fields.Boolean(
        "Higher Is Better",
        help="Unchecked for FCR and IAC, where the target is a maximum.")
    bands = fields.One2Many(
        'see.sla.indicator.band', 'indicator', "Bands",
        help="From the best (no glosa) to the worst.")
    start_after_months = fields.Integer(
        "Starts After (months)", required=True,
        domain=[('start_after_months', '>=', 0)],
        help="Months after the start of operation before the indicator "
        "earns points (\"após os 3 primeiros meses de operação\").")
    periodicity = fields.Integer(
        "Periodicity (months)", required=True,
        domain=[('periodicity', '>=', 1)],
        help="1 for monthly, 4 for four-monthly (QTBC).")
    evaluation = fields.Selection([
            ('closing', "In the Month Closing the Period"),
            ('rolling', "Every Month over the Period"),
            ], "Evaluation", required=True,
        states={'invisible': Eval('periodicity', 1) <= 1},
        help="For a periodicity over one month: evaluate only the month "
        "that closes each period counted from the start of operation "
        "(the seed's \"quadrimestral\", default) or every month over the "
        "last months.")
    description = fields.Text(
        "Description", translate=True,
        help="The seed's definition and the reading chosen for it.")
    numerator_label = fields.Char("Numerator", translate=True)
    denominator_label = fields.Char("Denominator", translate=True)
    # Settings of the readings the seed leaves open
    wait_seconds = fields.Integer(
        "Queue Wait Limit (s)",
        states={'invisible': ~Eval('source').in_(['ins', 'iac'])},
        help="INS counts calls answered within it, IAC calls abandoned "
        "after it.")
    ins_denominator = fields.Selection([
            (None, ""),
            ('answered', "Calls Answered by the Operators"),
            ('offered', "Calls Offered to the Queue"),
            ], "INS Denominator",
        states={'invisible': Eval('source') != 'ins'},
        help="\"Chamadas recebidas para atendimento pelos operadores\": "
        "the calls that reached an operator (literal, default) or every "
        "call that entered the operators' queue.")
    short_abandon_seconds = fields.Integer(
        "Short Abandon (s)",
        states={'invisible': ~Eval('source').in_(['ins', 'iac', 'iar'])},
        help="Calls abandoned within these seconds are left out of the "
        "denominator when \"Exclude Short Abandons\" is checked (IAR "
        "observation: 5 seconds).")
    exclude_short_abandons = fields.Boolean(
        "Exclude Short Abandons",
        states={'invisible': ~Eval('source').in_(['ins', 'iac', 'iar'])})
    iac_abandoned = fields.Selection([
            (None, ""),
            ('after_wait', "Abandoned after the Wait Limit"),
            ('all', "All Abandoned in Queue"),
            ], "IAC Numerator",
        states={'invisible': Eval('source') != 'iac'},
        help="\"Abandonadas pelos usuários na fila após 60s\": only calls "
        "that waited more than the limit (literal, default) or every call "
        "abandoned in the queue.")
    webchat_limit_hours = fields.Integer(
        "Webchat Limit (hours)",
        states={'invisible': Eval('source') != 'irae'},
        help="Annex A 5.1: a webchat not concluded within it is not "
        "attended. Also used for billing.")
    webchat_hours = fields.Selection([
            (None, ""),
            ('calendar', "Calendar Hours"),
            ('service', "Service Hours"),
            ], "Webchat Hours",
        states={'invisible': Eval('source') != 'irae'},
        help="\"8 (oito) horas\": clock hours (literal, default) or hours "
        "of the service calendar only.")
    webchat_awaiting = fields.Selection([
            (None, ""),
            ('exempt', "Awaiting SEE-PE Is Attended"),
            ('pause', "Awaiting SEE-PE Pauses the Clock"),
            ], "Awaiting SEE-PE",
        states={'invisible': Eval('source') != 'irae'},
        help="Annex A 5.1: a webchat marked \"aguardando retorno da "
        "SEE-PE\" is not \"não atendido\" whatever its length (literal, "
        "default), or the time awaiting SEE-PE is only left out of the "
        "clock (the first level must still conclude within the limit).")
    billing_interactions = fields.Integer(
        "Minimum Interactions for Billing",
        states={'invisible': Eval('source') != 'irae'},
        help="Annex A 5.2: interactions between requester and agent for a "
        "webchat to be attended and billable (5). Counted by see_webchat; "
        "not checked without message data.")
    min_interactions = fields.Integer(
        "Minimum Interactions",
        states={'invisible': Eval('source') != 'irae'},
        help="Interactions between requester and agent for a webchat to "
        "be finished at first contact (IRAE observation: 6). Counted by "
        "see_webchat; not checked without message data.")
    good_grade = fields.Integer(
        "Good Grade From",
        states={'invisible': Eval('source') != 'qtbc'},
        help="QTBC numerator: grades equal to or above it (the calculation "
        "says \"iguais ou superiores a 4\"; the target's \"acima de 4\" "
        "would be 5).")
    plat_interval = fields.Selection([
            (None, ""),
            ('resolution', "From Start to Definitive Solution"),
            ('outage', "From Start to End of the Outage"),
            ], "PLAT Downtime",
        states={'invisible': Eval('source') != 'plat'},
        help="PLAT observation: the time runs from the incident to the "
        "contractor's answer with the definitive solution (literal, "
        "default), or only while the service was down.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_channel_period_unique',
                Unique(t, t.code, t.channel, t.period),
                'see_sla.msg_indicator_unique'),
            ]
        cls._order = [('sequence', 'ASC NULLS LAST'), ('id', 'ASC')]

    @classmethod
    def default_channel(cls):
        return 'telefone'

    @classmethod
    def default_period(cls):
        return 'both'

    @classmethod
    def default_higher_is_better(cls):
        return True

    @classmethod
    def default_start_after_months(cls):
        return 0

    @classmethod
    def default_periodicity(cls):
        return 1

    @classmethod
    def default_evaluation(cls):
        return 'closing'

    def get_rec_name(self, name):
        return '%s (%s)' % (self.code, self.name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause[:3]
        bool_op = 'AND' if operator.startswith('!') else 'OR'
        return [bool_op,
            ('code', operator, value),
            ('name', operator, value),
            ]

    def formula_bands(self):
        return [formulas.Band(
                b.threshold, bool(b.strict), b.points or 0, b.name)
            for b in self.bands]

    def band(self, value):
        "Return the see.sla.indicator.band of an exact value"
        found = formulas.find_band(
            value, self.formula_bands(), self.higher_is_better)
        if found is not None:
            for band in self.bands:
                if (band.name == found.name
                        and band.threshold == found.threshold):
                    return band

    @property
    def target_string(self):
        sign = '≥' if self.higher_is_better else '<'
        target = self.target if self.target is not None else Decimal(0)
        return '%s %s%%' % (
            sign, '{:f}'.format(target.normalize()).replace('.', ','))


class IndicatorBand(ServerReadonly, sequence_ordered(), ModelSQL, ModelView):
    __string__ = "SLA Indicator Band"
    __name__ = 'see.sla.indicator.band'
    _history = True

    indicator = fields.Many2One(
        'see.sla.indicator', "Indicator", required=True, ondelete='CASCADE')
    name = fields.Char(
        "Range", required=True,
        help="The band as the seed writes it.")
    threshold = fields.Numeric(
        "Limit (%)", digits=(5, 2),
        help="The limit a value must reach to fall in this band: the "
        "lowest value when higher is better, the highest when lower is "
        "better. Empty for the last band, which takes every value left.")
    strict = fields.Boolean(
        "Strict", help="The limit itself is not in the band "
        "(\"abaixo de 30%\").")
    points = fields.Integer(
        "Points", required=True, domain=[('points', '>=', 0)])


class GlosaRow(ServerReadonly, ModelSQL, ModelView):
    __string__ = "Glosa Table Row"
    __name__ = 'see.sla.glosa'
    _history = True

    points = fields.Integer(
        "Points", required=True, domain=[('points', '>', 0)],
        help="A monthly total of points equal to or above this value and "
        "below the next row takes this row's percentage.")
    percentage = fields.Numeric(
        "Glosa (%)", digits=(5, 2), required=True,
        domain=[('percentage', '>=', 0), ('percentage', '<=', 100)])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('points_unique', Unique(t, t.points),
                'see_sla.msg_glosa_points_unique'),
            ]
        cls._order.insert(0, ('points', 'ASC'))

    @classmethod
    def percentage_for(cls, points):
        "Return the glosa percentage of a monthly total of points"
        config = Pool().get('see.sla.configuration')(1)
        rows = [(r.points, r.percentage) for r in cls.search([])]
        return formulas.glosa_percentage(
            points, rows, beyond=config.glosa_beyond)


class SLAConfiguration(ServerReadonly, ModelSingleton, ModelSQL, ModelView):
    __string__ = "SLA Configuration"
    __name__ = 'see.sla.configuration'
    _history = True

    glosa_beyond = fields.Selection([
            ('last', "Keep the Last Row"),
            ('extend', "Continue the Last Step"),
            ], "Above the Last Row", required=True,
        help="The seed's glosa table stops at 300 points (40 %): keep 40 % "
        "for any higher total (literal, default) or go on with the last "
        "step, 5 % more each 30 points (330 -> 45 %).")
    notice_threshold = fields.Numeric(
        "Notice Above (%)", digits=(5, 2), required=True,
        help="Annex A item 9: a total glosa above it marks the measurement "
        "and the contractor must be notified.")
    notice_days = fields.Integer(
        "Notice (working days)", required=True,
        help="Working days given to the contractor for its defence.")

    @classmethod
    def default_glosa_beyond(cls):
        return 'last'

    @classmethod
    def default_notice_threshold(cls):
        return Decimal(50)

    @classmethod
    def default_notice_days(cls):
        return 5
