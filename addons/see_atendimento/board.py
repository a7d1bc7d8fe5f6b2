# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from trytond.bus import Bus
from trytond.pool import PoolMeta

# The bus channel of the escalation board; its messages carry only ids, and
# each board reloads its data with its user's rights
BOARD_CHANNEL = 'see.board'


class Escalation(metaclass=PoolMeta):
    __name__ = 'see.protocol.escalation'

    @classmethod
    def on_modification(cls, mode, escalations, field_names=None):
        super().on_modification(mode, escalations, field_names=field_names)
        if mode == 'delete' or (mode == 'write' and not (
                    {'state', 'unit', 'forwarded_unit'} & set(field_names))):
            return
        # Sent when the transaction commits, to every board listening
        Bus.publish(BOARD_CHANNEL, {
                'type': 'see.board',
                'escalations': [e.id for e in escalations],
                })
