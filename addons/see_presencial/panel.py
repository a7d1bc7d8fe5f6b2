# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Every call reaches the calling panel of its site

The call transitions (`_call`, used by every way of calling, and `recall`)
publish the call on Tryton's bus, on the channel of the ticket's site;
the bus sends it when the transaction commits, whatever made the call: the
desk console, the web client's button or the RPC API.

Any logged-in user may subscribe to any channel of Tryton's bus: a call
message therefore carries only what the TV panel shows in the waiting room
to everyone (ticket number, desk, service, call count and time), never the
citizen's name or CPF."""
import datetime as dt

from trytond.bus import Bus
from trytond.pool import PoolMeta

# The last calls a panel shows when it (re)connects
PANEL_CALLS = 10
MESSAGE_TYPE = 'see.presencial.call'
DIGITS = ["zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete",
    "oito", "nove"]


def panel_channel(site_id):
    "The bus channel of the calls of a site"
    return f'see.presencial.panel:{site_id}'


def announcement(number, desk_name):
    """What the panel says: "Senha MAT zero zero um, Guichê 2" (each digit
    said on its own, as citizens read them on their receipt)"""
    prefix, _, digits = (number or '').rpartition('-')
    spoken = ' '.join(DIGITS[int(c)] if c.isdigit() else c for c in digits)
    words = ' '.join(w for w in [prefix, spoken] if w)
    return f"Senha {words}, {desk_name}"


class Ticket(metaclass=PoolMeta):
    __name__ = 'see.ticket'

    def panel_call(self):
        "The call of the ticket as the panel shows it"
        desk = self.desk
        call_date = self.call_date or dt.datetime.now()
        return {
            # Call dates are to the second: a recall may share one
            'key': f'{self.id}:{self.call_count or 0}:{call_date.isoformat()}',
            'number': self.number,
            'desk': desk.name if desk else '',
            'desk_number': desk.number if desk else None,
            'service': self.service.rec_name,
            'calls': self.call_count or 0,
            'date': call_date.isoformat(),
            'announcement': announcement(
                self.number, desk.name if desk else ''),
            }

    @classmethod
    def publish_calls(cls, tickets):
        "Send the calls of tickets to their sites' panels, at commit"
        for ticket in tickets:
            if ticket.desk:
                Bus.publish(panel_channel(ticket.site.id), dict(
                        ticket.panel_call(), type=MESSAGE_TYPE))

    @classmethod
    def panel_calls(cls, site, limit=PANEL_CALLS):
        "The last calls of the day at site, oldest first"
        tickets = cls.search([
                ('site', '=', site.id),
                ('day', '=', site.today()),
                ('call_date', '!=', None),
                ('desk', '!=', None),
                ], order=[('call_date', 'DESC'), ('id', 'DESC')],
            limit=limit)
        return [t.panel_call() for t in reversed(tickets)]

    # The transitions and the button's check are those of the overridden
    # methods
    @classmethod
    def _call(cls, tickets, desk, class_):
        super()._call(tickets, desk, class_)
        cls.publish_calls(tickets)

    @classmethod
    def recall(cls, tickets):
        super().recall(tickets)
        cls.publish_calls(tickets)
