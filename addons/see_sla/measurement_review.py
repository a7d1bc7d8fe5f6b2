# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""What the fiscal and the manager do on a computed measurement: comment
on it and check it against the records of today"""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateView, Wizard

from .exceptions import MeasurementLockedError


def recount(measurement):
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
        for line in measurement.lines:
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
        for item in measurement.items:
            for which in ['registered', 'billable']:
                today = Protocol.search_count(item.records_domain(which))
                computed = getattr(item, which)
                if today != computed:
                    differences.append((
                            '%s (%s)' % (item_fields[which]['string'],
                                channels.get(item.channel, item.channel)),
                            computed, today))
        return differences


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
        differences = recount(measurement)
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
