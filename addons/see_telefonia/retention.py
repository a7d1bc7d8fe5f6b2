# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Retention of the calls' recordings (LGPD)

A recording is deleted (its file and its name on the call); the call and
everything measured from it stay. Recordings are kept for the whole
contract (item 3.1.1.9): a rule may delete them only after the contract's
end and its transition export (see_sla.retention checks that)."""
import logging
import os

from trytond.modules.see_atendimento.anonymisation import scrub_columns
from trytond.modules.see_atendimento.retention import RetentionKind
from trytond.pool import Pool, PoolMeta

logger = logging.getLogger(__name__)


class Call(metaclass=PoolMeta):
    __name__ = 'see.call'

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
                ('delete',), Call.apply_retention, ('delete',)),
            ]
