# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""LGPD: retention and anonymisation of the appointments' requester data,
the log of its reads, the appointments in a data-subject request"""
from trytond.i18n import gettext
from trytond.modules.see_atendimento.access_log import PersonalDataAccess
from trytond.modules.see_atendimento.anonymisation import (
    ANONYMOUS_NAME, scrub_columns)
from trytond.modules.see_atendimento.consent import NoticeConsent
from trytond.modules.see_atendimento.retention import RetentionKind
from trytond.modules.see_atendimento.subject_request import selection_text
from trytond.pool import Pool, PoolMeta


class Appointment(NoticeConsent, PersonalDataAccess, metaclass=PoolMeta):
    __name__ = 'see.appointment'
    _personal_fields = {
        'requester_name', 'requester_cpf', 'requester_email',
        'requester_phone', 'requester_cpf_shown', 'requester_phone_shown'}

    @classmethod
    def anonymise(cls, appointments, action='anonymise'):
        "Remove the requester's data; the slot, state and times stay"
        scrub_columns(cls, [a.id for a in appointments],
            ['requester_name', 'requester_cpf', 'requester_email',
                'requester_phone'],
            {'requester_name': ANONYMOUS_NAME, 'requester_cpf': None,
                'requester_email': None, 'requester_phone': None})


class RetentionRule(metaclass=PoolMeta):
    __name__ = 'see.retention.rule'

    @classmethod
    def kinds(cls):
        Appointment = Pool().get('see.appointment')
        return super().kinds() + [
            RetentionKind('appointment',
                'see_agendamento.msg_retention_kind_appointment',
                'see.appointment', 'start',
                [('requester_name', '!=', ANONYMOUS_NAME)], ('anonymise',),
                Appointment.anonymise, (), hold='protocol',
                hold_cpf='requester_cpf'),
            ]


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

    @classmethod
    def anonymise_subject(cls, identity):
        super().anonymise_subject(identity)
        Appointment = Pool().get('see.appointment')
        Appointment.anonymise(Appointment.search(
                [('requester_cpf', '=', identity.cpf)]))
