# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The telephony's part of the transition export: calls and their recordings"
from trytond.modules.see_atendimento.transition import ExportedModel
from trytond.pool import PoolMeta


def recordings(calls):
    "The recording on disk of each call, whatever its age"
    for call in calls:
        path = call.recording_path()
        if path:
            yield call, 'recording', path


class TransitionExport(metaclass=PoolMeta):
    __name__ = 'see.transition.export'

    @classmethod
    def models(cls):
        return super().models() + [
            # The PBX's password stays with the supplier
            ExportedModel('see.ami.server', exclude=['secret']),
            ExportedModel('see.telephony.queue'),
            ExportedModel('see.telephony.agent'),
            ExportedModel('see.call', files=recordings),
            ]
