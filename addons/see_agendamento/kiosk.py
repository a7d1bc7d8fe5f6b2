# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The kiosk of see_presencial checks booked citizens in"
from trytond.pool import PoolMeta


class Ticket(metaclass=PoolMeta):
    __name__ = 'see.ticket'

    @classmethod
    def kiosk_options(cls, device):
        options = super().kiosk_options(device)
        # The page shows its "Tenho agendamento" button
        options['check_in'] = True
        return options

    def receipt(self):
        receipt = super().receipt()
        if self.scheduled_time:
            # The time of the appointment, as the site shows it
            receipt['scheduled'] = self.site.format_local(
                self.scheduled_time)[-5:]
        return receipt
