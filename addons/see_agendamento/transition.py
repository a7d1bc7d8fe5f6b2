# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The booking's part of the transition export: booking types, appointments"
from trytond.modules.see_atendimento.transition import ExportedModel
from trytond.pool import PoolMeta


class TransitionExport(metaclass=PoolMeta):
    __name__ = 'see.transition.export'

    @classmethod
    def models(cls):
        return super().models() + [
            ExportedModel('see.booking.type'),
            # The citizen's links open nothing once the data has left
            ExportedModel('see.appointment',
                exclude=['token', 'room_token']),
            ExportedModel('see.appointment.chat'),
            ]
