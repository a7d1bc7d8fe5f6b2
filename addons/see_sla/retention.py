# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The contract's own retention (items 3.1.1.9, 3.1.2.11 and 10.1.5)

Recordings and chat records are kept for the whole contract and handed to
SEE-PE in the transition export at its end: a retention rule may remove
them only once every contract has ended and its transition export was
delivered."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.see_atendimento.exceptions import RetentionError
from trytond.pool import Pool, PoolMeta


class Contract(metaclass=PoolMeta):
    __name__ = 'see.contract'

    transition_export_date = fields.Date("Transition Export Delivered",
        readonly=True,
        help="The day SEE-PE received the transition export of the "
        "contract's data (item 10.1.5): until then the recordings and chat "
        "records are kept. Recorded by the transition export only.")

    def keeps_records(self, today=None):
        "Whether the contract still needs its recordings and chat records"
        today = today or dt.date.today()
        ended = self.state == 'closed' or (
            self.end_date is not None and self.end_date < today)
        return not (ended and self.transition_export_date)


class RetentionRule(metaclass=PoolMeta):
    __name__ = 'see.retention.rule'

    def check_contract_retention(self):
        super().check_contract_retention()
        kind = self.get_kind(self.kind)
        if not kind or self.action not in kind.contract_kept:
            return
        Contract = Pool().get('see.contract')
        for contract in Contract.search([('state', '!=', 'draft')]):
            if contract.keeps_records():
                raise RetentionError(gettext(
                        'see_sla.msg_retention_contract_keeps',
                        rule=self.rec_name, kind=self.kind_string,
                        contract=contract.rec_name))
