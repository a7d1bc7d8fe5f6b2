# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The per-address limit of requests, shared by every process serving the
webchat"""
import time

from sql import Conflict
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.model import Index, ModelSQL, Unique, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.transaction import Transaction

from .chat import hash_address


class AddressRate(ServerReadonly, ModelSQL):
    """Requests of a network address per minute, shared by every process
    serving the webchat (the per-address limit)"""
    __string__ = "Webchat Address Rate"
    __name__ = 'see.chat.address.rate'

    address_hash = fields.Char("Address Hash", required=True, readonly=True)
    minute = fields.Integer("Minute", required=True, readonly=True,
        help="Minutes since the epoch.")
    hits = fields.Integer("Requests", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('address_minute_unique', Unique(t, t.address_hash, t.minute),
                'see_webchat.msg_address_rate_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.minute, Index.Range())))

    @classmethod
    def hit(cls, address, limit, now=None):
        """Count a request of address; return whether it is within limit
        requests in the last minute

        A sliding minute estimated from two fixed ones: the requests of
        the current minute plus those of the previous one in proportion
        of the part of it still in the last 60 seconds. The increment is
        an upsert, atomic between concurrent transactions."""
        now = time.time() if now is None else now
        minute, elapsed = divmod(now, 60)
        minute = int(minute)
        key = hash_address(address)
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        if backend.name == 'postgresql':
            cursor.execute(*table.insert(
                    [table.address_hash, table.minute, table.hits,
                        table.create_uid, table.create_date],
                    [[key, minute, 1, transaction.user, CurrentTimestamp()]],
                    on_conflict=Conflict(table,
                        indexed_columns=[table.address_hash, table.minute],
                        columns=[table.hits],
                        values=[table.hits + 1])))
        else:
            # SQLite (the demo) has one writer at a time
            cursor.execute(*table.update([table.hits], [table.hits + 1],
                    where=(table.address_hash == key)
                    & (table.minute == minute)))
            if not cursor.rowcount:
                cursor.execute(*table.insert(
                        [table.address_hash, table.minute, table.hits,
                            table.create_uid, table.create_date],
                        [[key, minute, 1, transaction.user,
                                CurrentTimestamp()]]))
        cursor.execute(*table.select(table.minute, table.hits,
                where=(table.address_hash == key)
                & table.minute.in_([minute - 1, minute])))
        hits = dict(cursor)
        estimate = hits.get(minute, 0) + hits.get(minute - 1, 0) * (
            (60 - elapsed) / 60)
        return estimate <= limit

    @classmethod
    def clean(cls):
        "Forget the counts of more than a minute ago"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete(
                where=table.minute < int(time.time() // 60) - 1))
