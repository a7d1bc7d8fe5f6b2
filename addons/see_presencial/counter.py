# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from sql import Conflict, Literal
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.model import ModelSQL, Unique, fields
from trytond.transaction import Transaction


class Counter(ModelSQL):
    """The last ticket number of a service at a site on a day

    Only next_number writes it: one row per (site, service, day), taken
    by an atomic upsert that locks the row until the transaction ends. On
    PostgreSQL two transactions issuing tickets of the same queue at once
    are serialized (the later one fails and the dispatcher retries it), so
    no number is ever given twice."""
    __string__ = "Ticket Counter"
    __name__ = 'see.ticket.counter'

    site = fields.Many2One(
        'see.site', "Site", required=True, ondelete='CASCADE')
    service = fields.Many2One(
        'see.service', "Service", required=True, ondelete='CASCADE')
    day = fields.Date("Day", required=True)
    last = fields.Integer("Last Number", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('queue_day_unique', Unique(t, t.site, t.service, t.day),
                'see_presencial.msg_counter_unique'),
            ]

    @classmethod
    def next_number(cls, site, service, day):
        "Take the next number of the queue of service at site on day"
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        user = transaction.user
        if backend.name == 'sqlite':
            # SQLite has no unique constraint here; it serializes writers
            cursor.execute(*table.select(table.id, table.last,
                    where=(table.site == site.id)
                    & (table.service == service.id) & (table.day == day)))
            row = cursor.fetchone()
            if row:
                cursor.execute(*table.update(
                        [table.last, table.write_uid, table.write_date],
                        [row[1] + 1, user, CurrentTimestamp()],
                        where=table.id == row[0]))
                return row[1] + 1
            cursor.execute(*table.insert(
                    [table.create_uid, table.create_date, table.site,
                        table.service, table.day, table.last],
                    [[user, CurrentTimestamp(), site.id, service.id, day,
                            1]]))
            return 1
        cursor.execute(*table.insert(
                [table.create_uid, table.create_date, table.site,
                    table.service, table.day, table.last],
                [[user, CurrentTimestamp(), site.id, service.id, day, 1]],
                on_conflict=Conflict(table,
                    indexed_columns=[table.site, table.service, table.day],
                    columns=[table.last, table.write_uid, table.write_date],
                    values=[table.last + Literal(1), user,
                        CurrentTimestamp()]),
                returning=[table.last]))
        return cursor.fetchone()[0]
