# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The contract's part of the transition export (item 10.1.5): its records
and measurements, the date the export was delivered, and the wizard of the
contract manager and the administrator"""
import datetime as dt
import os

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.see_atendimento.exceptions import TransitionExportError
from trytond.modules.see_atendimento.transition import (
    ExportedModel, download_limit, export_path)
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard


class TransitionExport(metaclass=PoolMeta):
    __name__ = 'see.transition.export'

    @classmethod
    def models(cls):
        return super().models() + [
            ExportedModel('see.contract'),
            ExportedModel('see.contract.item'),
            ExportedModel('see.service.order'),
            ExportedModel('see.service.order.line'),
            ExportedModel('see.sla.indicator'),
            ExportedModel('see.sla.indicator.band'),
            ExportedModel('see.sla.glosa'),
            ExportedModel('see.platform.incident'),
            ExportedModel('see.sla.measurement'),
            ExportedModel('see.sla.measurement.line'),
            ExportedModel('see.sla.measurement.item'),
            ExportedModel('see.sla.measurement.comment'),
            ]

    @classmethod
    def completed(cls, manifest, options):
        "Record on the contract that its transition export was delivered"
        pool = Pool()
        Contract = pool.get('see.contract')
        super().completed(manifest, options)
        contract = options.get('contract')
        if contract is None and options.get('contract_number'):
            contracts = Contract.search(
                [('number', '=', options['contract_number'])])
            if len(contracts) != 1:
                raise TransitionExportError(gettext(
                        'see_sla.msg_transition_export_contract',
                        number=options['contract_number']))
            contract, = contracts
        if contract is None:
            return
        contract = Contract(int(contract))
        today = dt.date.today()
        # The only writer of the date: a user's write is refused
        with Transaction().set_context(_check_access=False):
            Contract.write([contract], {'transition_export_date': today})
        manifest['contract'] = {
            'id': contract.id,
            'number': contract.number,
            'transition_export_date': today.isoformat(),
            }


class ContractTransitionExportStart(ModelView):
    "Transition Export of the Contract"
    __string__ = "Transition Export of the Contract"
    __name__ = 'see.contract.transition_export.start'

    contract = fields.Many2One('see.contract', "Contract", required=True,
        domain=[('state', '!=', 'draft')],
        help="The contract whose data is handed to SEE-PE: its transition "
        "export date is recorded when the export completes.")


class ContractTransitionExportResult(ModelView):
    "Transition Export Done"
    __string__ = "Transition Export Done"
    __name__ = 'see.contract.transition_export.result'

    path = fields.Char("Path on the Server", readonly=True)
    summary = fields.Text("Summary", readonly=True)
    file = fields.Binary("ZIP File", filename='filename', readonly=True)
    filename = fields.Char("File Name", readonly=True)


class ContractTransitionExport(Wizard):
    """Export every record for the transition at the contract's end, as a
    ZIP on the server offered for download"""
    __string__ = "Transition Export of the Contract"
    __name__ = 'see.contract.transition_export'

    start = StateView('see.contract.transition_export.start',
        'see_sla.contract_transition_export_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Export", 'export_', 'tryton-ok', default=True),
            ])
    export_ = StateTransition()
    result = StateView('see.contract.transition_export.result',
        'see_sla.contract_transition_export_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, names):
        Contract = Pool().get('see.contract')
        if (self.model and self.model.__name__ == 'see.contract'
                and self.record):
            return {'contract': self.record.id}
        contracts = Contract.search([('state', '=', 'active')], limit=2)
        if len(contracts) == 1:
            return {'contract': contracts[0].id}
        return {}

    def transition_export_(self):
        Export = Pool().get('see.transition.export')
        transaction = Transaction()
        name = '%s-%s-%s' % (transaction.database.name,
            self.start.contract.number.replace('/', '-'),
            dt.datetime.now().strftime('%Y%m%d-%H%M%S'))
        os.makedirs(export_path(), exist_ok=True)
        manifest = Export.export(os.path.join(export_path(), name), {
                'zip': True, 'contract': self.start.contract.id})
        self.result.path = manifest['path']
        self.result.summary = '\n'.join(
            ['%s: %s' % (t['model'], t['rows']) for t in manifest['tables']])
        return 'result'

    def default_result(self, names):
        path = self.result.path
        values = {'path': path, 'summary': self.result.summary,
            'filename': os.path.basename(path)}
        if os.path.getsize(path) <= download_limit():
            with open(path, 'rb') as file:
                values['file'] = fields.Binary.cast(file.read())
        else:
            values['summary'] = '\n'.join([gettext(
                        'see_sla.msg_transition_export_too_large',
                        path=path), values['summary']])
        return values

