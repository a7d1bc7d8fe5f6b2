# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The documents' part of the transition export: checklists, submissions,
each document with its file, the internal routing"""
from trytond.modules.see_atendimento.transition import ExportedModel
from trytond.pool import PoolMeta


class TransitionExport(metaclass=PoolMeta):
    __name__ = 'see.transition.export'

    @classmethod
    def models(cls):
        return super().models() + [
            ExportedModel('see.document.rejection.reason'),
            ExportedModel('see.document.checklist'),
            ExportedModel('see.document.checklist.item'),
            # The citizen's private link opens nothing once the data has left
            ExportedModel('see.document.submission', exclude=['token']),
            ExportedModel('see.document'),
            ExportedModel('see.routing.step'),
            ]
