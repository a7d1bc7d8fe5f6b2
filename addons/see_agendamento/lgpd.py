# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""LGPD: the log of the reads of an appointment's requester data"""
from trytond.i18n import gettext
from trytond.modules.see_atendimento.access_log import PersonalDataAccess
from trytond.modules.see_atendimento.subject_request import selection_text
from trytond.pool import Pool, PoolMeta


class Appointment(PersonalDataAccess, metaclass=PoolMeta):
    __name__ = 'see.appointment'
    _personal_fields = {
        'requester_name', 'requester_cpf', 'requester_email',
        'requester_phone', 'requester_cpf_shown', 'requester_phone_shown'}


class DataSubjectRequest(metaclass=PoolMeta):
    __name__ = 'see.data.subject.request'

    @classmethod
    def subject_sections(cls, identity):
        "The appointments booked with the person's CPF"
        Appointment = Pool().get('see.appointment')
        appointments = Appointment.search(
            [('requester_cpf', '=', identity.cpf)],
            order=[('start', 'ASC'), ('id', 'ASC')])
        columns = [
            ('number', gettext('see_atendimento.msg_subject_number')),
            ('start', gettext('see_atendimento.msg_subject_start')),
            ('service', gettext('see_atendimento.msg_subject_service')),
            ('name', gettext('see_atendimento.msg_subject_name')),
            ('email', gettext('see_atendimento.msg_subject_email')),
            ('phone', gettext('see_atendimento.msg_subject_phone')),
            ('state', gettext('see_atendimento.msg_subject_state')),
            ]
        rows = [[a.number, a.start,
                a.service.rec_name if a.service else None, a.requester_name,
                a.requester_email, a.requester_phone, selection_text(a, 'state')]
            for a in appointments]
        return super().subject_sections(identity) + [
            ('appointments', gettext('see_agendamento.msg_subject_appointments'),
                columns, rows)]
