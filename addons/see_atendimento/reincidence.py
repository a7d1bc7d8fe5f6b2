# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The reincidence of attendances (FCR, Annex A): the same requester back
about the same service within a window of days"""
import datetime as dt

from sql import Literal, Null, Window
from sql.aggregate import Max
from sql.conditionals import Case
from sql.operators import IsDistinct, Or

from trytond import backend
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .protocol import NOT_RECURRING_STATES, datetime_shifted


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    reincident = fields.Function(
        fields.Boolean("Reincident",
            help="The same requester had an attendance on the same service "
            "in the previous days (FCR). Attendances awaiting SEE-PE's "
            "answer are not counted."),
        'get_reincident', searcher='search_reincident')
    # Kept by update_previous_contact on every change that can move it, so
    # that the reincidence is a comparison of two columns of the row and
    # does not depend on the window setting
    previous_contact = fields.DateTime(
        "Previous Contact", readonly=True,
        help="Start of the latest earlier attendance of the same requester "
        "on the same service that is neither awaiting SEE-PE nor "
        "cancelled.")

    @classmethod
    def __register__(cls, module):
        table_h = cls.__table_handler__(module)
        fill = not table_h.column_exist('previous_contact')
        super().__register__(module)
        if fill:
            cls.update_previous_contact()

    @classmethod
    def reincident_condition(cls, table, days=None):
        """SQL condition true when the protocol of table is a reincidence

        FCR (Annex A): the same requester returned about the same service
        within the window of days (default: the configuration's).
        Attendances awaiting SEE-PE's answer are left out on both sides: a
        return while the question is with the second level is not a failure
        of the first contact."""
        pool = Pool()
        Configuration = pool.get('see.configuration')
        if days is None:
            days = Configuration(1).reincidence_days
        since = datetime_shifted(table.start_date, -dt.timedelta(days=days))
        # An earlier contact lies in the window if and only if the latest
        # one does; previous_contact is empty without requester or service
        return (~table.state.in_(NOT_RECURRING_STATES)
            & (table.previous_contact >= since))

    @classmethod
    def update_previous_contact(cls, groups=None, ids=None):
        """Store the previous contact of the protocols

        groups are the (requester, service) of the protocols that a change
        touched and ids the protocols changed, which may have left every
        group. Without both, all protocols are updated (installation, data
        loaded with SQL)."""
        pool = Pool()
        Party = pool.get('party.party')
        table = cls.__table__()
        protocol = cls.__table__()
        cursor = Transaction().connection.cursor()
        everything = groups is None and ids is None

        def update(where):
            # The latest counted start among the strictly earlier starts of
            # the group: a window without the rows of the same start
            window = Window([protocol.requester, protocol.service],
                order_by=[protocol.start_date],
                frame='RANGE', start=None, end=0, exclude='GROUP')
            counted = ~protocol.state.in_(NOT_RECURRING_STATES)
            previous = protocol.select(protocol.id,
                Max(Case((counted, protocol.start_date)),
                    window=window).as_('start'),
                where=(protocol.requester != Null)
                & (protocol.service != Null) & where)
            # Rows that keep their value are not written again
            cursor.execute(*table.update(
                    [table.previous_contact], [previous.start],
                    from_=[previous],
                    where=(table.id == previous.id)
                    & IsDistinct(table.previous_contact, previous.start)))

        orphan = (((table.requester == Null) | (table.service == Null))
            & (table.previous_contact != Null))
        if everything:
            update(Literal(True))
            cursor.execute(*table.update(
                    [table.previous_contact], [Null], where=orphan))
            return
        for sub_ids in grouped_slice(ids or [], backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.update([table.previous_contact], [Null],
                    where=orphan & table.id.in_(list(sub_ids))))
        groups = sorted(groups or [])
        if not groups:
            return
        # Another transaction changing the protocols of the same requester
        # computes from a snapshot without this change: both updating the
        # party row, the later waits for the earlier and fails with a
        # serialization error, to be retried on a snapshot that has it
        party = Party.__table__()
        for sub_ids in grouped_slice(sorted({r for r, _ in groups}),
                backend.MAX_QUERY_PARAMS):
            cursor.execute(*party.update(
                    [party.write_date], [party.write_date],
                    where=party.id.in_(list(sub_ids))))
        # Each group is a term of the condition: a few by query
        for sub_groups in grouped_slice(groups, 100):
            update(Or([(protocol.requester == r) & (protocol.service == s)
                        for r, s in sub_groups]))

    @classmethod
    def _contact_groups(cls, ids, recurring=None):
        """Return the (requester, service) of the protocols

        With recurring, only of those that a transition to a state that
        counts (recurring) or not would move in or out of the count."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        groups = set()
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(
                    table.requester, table.service, table.state,
                    where=table.id.in_(list(sub_ids))
                    & (table.requester != Null) & (table.service != Null)))
            for requester, service, state in cursor:
                if (recurring is None
                        or (state not in NOT_RECURRING_STATES) != recurring):
                    groups.add((requester, service))
        return groups

    @classmethod
    def on_modification(cls, mode, protocols, field_names=None):
        super().on_modification(mode, protocols, field_names=field_names)
        if mode == 'create':
            ids = [p.id for p in protocols]
            cls.update_previous_contact(cls._contact_groups(ids), ids)
        # Only cancelled protocols are deleted and they are never a
        # previous contact

    @classmethod
    def on_write(cls, protocols, values):
        callbacks = super().on_write(protocols, values)
        moving = {'requester', 'service', 'start_date'}
        if not (values.keys() & (moving | {'state'})):
            return callbacks
        ids = [p.id for p in protocols]
        if values.keys() & moving:
            old = cls._contact_groups(ids)
        else:
            # Most transitions do not change whether it is counted
            old = cls._contact_groups(ids,
                recurring=values['state'] not in NOT_RECURRING_STATES)
            if not old:
                return callbacks

        def update():
            if values.keys() & moving:
                new = cls._contact_groups(ids)
                cls.update_previous_contact(old | new, ids)
            else:
                cls.update_previous_contact(old)
        callbacks.append(update)
        return callbacks

    @classmethod
    def get_reincident(cls, protocols, name):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {p.id: False for p in protocols}
        cursor.execute(*table.select(table.id,
                where=table.id.in_(list(result))
                & cls.reincident_condition(table)))
        result.update((i, True) for i, in cursor)
        return result

    @classmethod
    def search_reincident(cls, name, clause):
        _, operator, value = clause[:3]
        table = cls.__table__()
        query = table.select(table.id, where=cls.reincident_condition(table))
        positive = (operator == '=') == bool(value)
        return [('id', 'in' if positive else 'not in', query)]
