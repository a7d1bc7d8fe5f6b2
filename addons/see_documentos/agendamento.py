# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""With see_agendamento: a booking type names the checklist of the
documents its citizens bring, shown on the appointment's private page, and
a submission may come from an appointment"""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class BookingType(metaclass=PoolMeta):
    __name__ = 'see.booking.type'
    document_checklist = fields.Many2One(
        'see.document.checklist', "Required Documents",
        ondelete='RESTRICT',
        domain=[('service', '=', Eval('service', -1))],
        help="The checklist of the documents the citizen brings: listed on "
        "the appointment's private page.")


class Appointment(metaclass=PoolMeta):
    __name__ = 'see.appointment'

    def required_documents(self):
        names = super().required_documents()
        checklist = self.booking_type.document_checklist
        if checklist:
            for item in checklist.items:
                names.append(item.name if item.required else gettext(
                        'see_documentos.msg_document_optional',
                        name=item.name))
        return names


class Submission(metaclass=PoolMeta):
    __name__ = 'see.document.submission'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['see.appointment']
