# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The in-person units' part of the metrics: tickets waiting and at desks"
from sql.aggregate import Count

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Metrics(metaclass=PoolMeta):
    __name__ = 'see.metrics'

    @classmethod
    def samples(cls):
        pool = Pool()
        Ticket = pool.get('see.ticket')
        Site = pool.get('see.site')
        samples = super().samples()
        ticket = Ticket.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*ticket.select(
                ticket.site, ticket.state, Count(ticket.id),
                where=ticket.state.in_(['waiting', 'called', 'attending']),
                group_by=[ticket.site, ticket.state]))
        rows = cursor.fetchall()
        names = {s.id: s.rec_name for s in Site.browse(
                list({site for site, _, _ in rows}))}
        for site, state, count in rows:
            samples.append(('see_tickets', 'gauge',
                    "Queue tickets of the day waiting, called or in "
                    "attendance, by site", {'site': names[site],
                        'state': state}, count))
        return samples
