# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""LGPD: retention of the calls' recordings, log of their downloads

A recording is deleted (its file and its name on the call); the call and
everything measured from it stay. Recordings are kept for the whole
contract (item 3.1.1.9): a rule may delete them only after the contract's
end and its transition export (see_sla.retention checks that)."""
import logging
import os

from trytond.i18n import gettext
from trytond.modules.see_atendimento.access_log import PersonalDataAccess
from trytond.modules.see_atendimento.subject_request import selection_text
from trytond.modules.see_atendimento.anonymisation import (
    ANONYMOUS_PHONE, scrub_columns)
from trytond.modules.see_atendimento.retention import RetentionKind
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

logger = logging.getLogger(__name__)


class Call(PersonalDataAccess, metaclass=PoolMeta):
    __name__ = 'see.call'
    _personal_fields = {'caller', 'caller_shown'}
    _personal_downloads = {'recording_file'}

    @classmethod
    def delete_recordings(cls, calls):
        "Remove the recording files of calls and forget their names"
        for call in calls:
            path = call.recording_path()
            if path:
                try:
                    os.remove(path)
                except FileNotFoundError:
                    pass
                logger.info("recording of call %s deleted", call.id)
        scrub_columns(cls, [c.id for c in calls], ['recording'],
            {'recording': None})

    @classmethod
    def anonymise(cls, calls):
        """Remove the caller's number and name from calls; the times,
        queue, agent and disposition (what is measured) stay"""
        scrub_columns(cls, [c.id for c in calls], ['caller', 'caller_name'],
            {'caller': ANONYMOUS_PHONE, 'caller_name': None})

    @classmethod
    def apply_retention(cls, calls, action):
        assert action == 'delete'
        cls.delete_recordings(calls)


class RetentionRule(metaclass=PoolMeta):
    __name__ = 'see.retention.rule'

    @classmethod
    def kinds(cls):
        Call = Pool().get('see.call')
        return super().kinds() + [
            RetentionKind('recording',
                'see_telefonia.msg_retention_kind_recording', 'see.call',
                'arrival_date', [('recording', '!=', None)],
                ('delete',), Call.apply_retention, ('delete',),
                hold='protocol'),
            ]


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    @classmethod
    def anonymise(cls, protocols):
        "The calls of the anonymised protocols lose their caller too"
        super().anonymise(protocols)
        Call = Pool().get('see.call')
        with without_check_access():
            Call.anonymise(Call.search([
                        ('protocol', 'in', [p.id for p in protocols]),
                        ]))


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def anonymise_records(cls, parties):
        "The calls from the parties' phones"
        pool = Pool()
        Call = pool.get('see.call')
        phones = [m.value_compact or m.value for p in parties
            for m in p.contact_mechanisms if m.type in {'phone', 'mobile'}]
        super().anonymise_records(parties)
        if phones:
            with without_check_access():
                Call.anonymise(Call.search([('caller', 'in', phones)]))


class DataSubjectRequest(metaclass=PoolMeta):
    __name__ = 'see.data.subject.request'

    @classmethod
    def anonymise_subject(cls, identity):
        "The calls from the person's phones"
        super().anonymise_subject(identity)
        Call = Pool().get('see.call')
        if identity.phones:
            Call.anonymise(Call.search([('caller', 'in', identity.phones)]))

    @classmethod
    def subject_sections(cls, identity):
        "The calls from the person's phones or of their protocols"
        Call = Pool().get('see.call')
        calls = Call.search(['OR',
                ('caller', 'in', identity.phones),
                ('protocol', 'in', [p.id for p in identity.protocols]),
                ], order=[('arrival_date', 'ASC'), ('id', 'ASC')])
        columns = [
            ('arrival', gettext('see_atendimento.msg_subject_start')),
            ('caller', gettext('see_atendimento.msg_subject_phone')),
            ('disposition', gettext('see_atendimento.msg_subject_state')),
            ('talk_seconds', gettext('see_atendimento.msg_subject_duration')),
            ('protocol', gettext('see_atendimento.msg_subject_number')),
            ('recording', gettext('see_telefonia.msg_subject_recording')),
            ]
        rows = [[c.arrival_date, c.caller, selection_text(c, 'disposition'),
                c.talk_seconds, c.protocol.number if c.protocol else None,
                c.recording_filename] for c in calls]
        return super().subject_sections(identity) + [
            ('calls', gettext('see_telefonia.msg_subject_calls'), columns,
                rows)]
