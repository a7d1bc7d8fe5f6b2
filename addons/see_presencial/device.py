# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The devices of a service site: kiosk, calling panel, evaluation tablet"
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval

# The kinds of devices bound to a site, and those bound to a desk
SITE_KINDS = {'kiosk', 'panel', 'tablet'}
DESK_KINDS = {'tablet'}


class Device(metaclass=PoolMeta):
    __name__ = 'see.device'

    site = fields.Many2One(
        'see.site', "Site", ondelete='CASCADE',
        states={
            'invisible': ~Eval('kind').in_(list(SITE_KINDS)),
            'required': Eval('kind').in_(list(SITE_KINDS)),
            },
        help="The site whose tickets the kiosk issues or the panel shows.")
    desk = fields.Many2One(
        'see.site.desk', "Desk", ondelete='CASCADE',
        domain=[('site', '=', Eval('site', -1))],
        states={
            'invisible': ~Eval('kind').in_(list(DESK_KINDS)),
            'required': Eval('kind').in_(list(DESK_KINDS)),
            },
        help="The desk whose attendances the tablet evaluates.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection.extend([
                ('kiosk', "Kiosk"),
                ('panel', "Calling Panel"),
                ('tablet', "Evaluation Tablet"),
                ])

    @fields.depends('kind', 'site', 'desk')
    def on_change_kind(self):
        if self.kind not in SITE_KINDS:
            self.site = None
        if self.kind not in DESK_KINDS:
            self.desk = None
