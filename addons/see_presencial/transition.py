# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The in-person service's part of the transition export: sites and tickets"
from trytond.modules.see_atendimento.transition import ExportedModel
from trytond.pool import PoolMeta


class TransitionExport(metaclass=PoolMeta):
    __name__ = 'see.transition.export'

    @classmethod
    def models(cls):
        return super().models() + [
            ExportedModel('see.site'),
            ExportedModel('see.site.service'),
            ExportedModel('see.site.desk'),
            ExportedModel('see.site.desk-see.service'),
            ExportedModel('see.site.desk-res.user'),
            ExportedModel('see.ticket.priority'),
            ExportedModel('see.ticket'),
            ExportedModel('see.ticket.event'),
            ]
