# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    see_units = fields.Many2Many(
        'see.unit-res.user', 'user', 'unit', "SEE-PE Units",
        help="The second level units this user answers for.")
