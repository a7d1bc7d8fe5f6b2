# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""What the second level's users may read, as one indexable subquery.

A unit's user reads the protocols escalated to one of their units (as the
managing or the forwarded unit) and the other attendances of the requesters
of the protocols escalated to their units. Written as a domain through
escalations and requesters, the record rule became an OR of subqueries that
PostgreSQL can only test row by row over the whole protocol table; the
searchers below give the same set as `id IN (… UNION …)`, which it reads
through the indexes of the escalation's unit and the protocol's requester.
"""
from sql import Union

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction


def _user_ids(operator, value):
    "The users of a clause '=' or 'in', None for any other clause"
    if operator == '=' and isinstance(value, int):
        return [value]
    if operator == 'in' and isinstance(value, (list, tuple)) and all(
            isinstance(v, int) for v in value):
        return list(value)
    return None


def _unit_tables():
    pool = Pool()
    Escalation = pool.get('see.protocol.escalation')
    UnitUser = pool.get('see.unit-res.user')
    return Escalation.__table__(), UnitUser.__table__()


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    unit_users = fields.Function(
        fields.Many2Many('res.user', None, None, "Unit Users",
            help="The second level users who may read the attendance."),
        'get_unit_users', searcher='search_unit_users')

    @classmethod
    def unit_users_queries(cls, user_ids):
        """The queries of the ids of the protocols escalated to the units of
        user_ids and of the requesters of those escalated to their managing
        units"""
        e, uu = _unit_tables()
        requested = cls.__table__()
        units = uu.select(uu.unit, where=uu.user.in_(user_ids))
        escalated = Union(
            e.select(e.protocol, where=e.unit.in_(units)),
            e.select(e.protocol, where=e.forwarded_unit.in_(units)))
        requesters = e.join(requested,
            condition=e.protocol == requested.id).select(
            requested.requester, where=e.unit.in_(units))
        return escalated, requesters

    @classmethod
    def search_unit_users(cls, name, clause):
        _, operator, value = clause[:3]
        user_ids = _user_ids(operator, value)
        if user_ids is None:
            # The same set, through the fields, for the other operators
            return ['OR',
                ('escalations.unit.users', operator, value),
                ('escalations.forwarded_unit.users', operator, value),
                ('requester.see_protocols.escalations.unit.users',
                    operator, value),
                ]
        escalated, requesters = cls.unit_users_queries(user_ids)
        # Two small sets PostgreSQL hashes once, then probes while it walks
        # the protocols in the list's order: the first page stops early
        return ['OR',
            ('id', 'in', escalated),
            ('requester', 'in', requesters),
            ]

    @classmethod
    def get_unit_users(cls, protocols, name):
        e, uu = _unit_tables()
        p, kin = cls.__table__(), cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {p.id: set() for p in protocols}
        for sub_ids in grouped_slice(list(result)):
            where = reduce_ids(p.id, sub_ids)
            direct = p.join(e, condition=e.protocol == p.id).join(uu,
                condition=(uu.unit == e.unit) | (uu.unit == e.forwarded_unit)
                ).select(p.id, uu.user, where=where)
            through = p.join(kin, condition=kin.requester == p.requester
                ).join(e, condition=e.protocol == kin.id).join(uu,
                condition=uu.unit == e.unit).select(
                p.id, uu.user, where=where)
            cursor.execute(*Union(direct, through))
            for protocol, user in cursor:
                result[protocol].add(user)
        return {i: sorted(u) for i, u in result.items()}


class Escalation(metaclass=PoolMeta):
    __name__ = 'see.protocol.escalation'

    unit_users = fields.Function(
        fields.Many2Many('res.user', None, None, "Unit Users",
            help="The users of the managing and of the forwarded unit."),
        'get_unit_users', searcher='search_unit_users')

    @classmethod
    def search_unit_users(cls, name, clause):
        _, operator, value = clause[:3]
        user_ids = _user_ids(operator, value)
        if user_ids is None:
            return ['OR',
                ('unit.users', operator, value),
                ('forwarded_unit.users', operator, value),
                ]
        e, uu = _unit_tables()
        units = uu.select(uu.unit, where=uu.user.in_(user_ids))
        return [('id', 'in', Union(
                    e.select(e.id, where=e.unit.in_(units)),
                    e.select(e.id, where=e.forwarded_unit.in_(units))))]

    @classmethod
    def get_unit_users(cls, escalations, name):
        e, uu = _unit_tables()
        cursor = Transaction().connection.cursor()
        result = {e_.id: set() for e_ in escalations}
        for sub_ids in grouped_slice(list(result)):
            cursor.execute(*e.join(uu,
                    condition=(uu.unit == e.unit)
                    | (uu.unit == e.forwarded_unit)
                    ).select(e.id, uu.user, where=reduce_ids(e.id, sub_ids)))
            for escalation, user in cursor:
                result[escalation].add(user)
        return {i: sorted(u) for i, u in result.items()}
