# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The requester's evaluation of the attendance, given by the channel"
import datetime as dt

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from .exceptions import InvalidScore

SCORES = range(0, 11)


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    # Only the survey of the channel writes it (set_survey)
    # The scale is checked by validate_fields: a domain's message would show
    # the user its raw clauses
    survey_score = fields.Integer(
        "Survey Score", readonly=True,
        help="The requester's evaluation, from 0 to 10, given in the "
        "survey at the end of the call or chat.")
    survey_date = fields.DateTime("Survey Date", readonly=True)
    survey_good = fields.Function(
        fields.Boolean("Good Evaluation"), 'get_survey_good')

    @classmethod
    def validate_fields(cls, protocols, field_names):
        super().validate_fields(protocols, field_names)
        cls.check_survey_score(protocols, field_names)

    @classmethod
    def check_survey_score(cls, protocols, field_names=None):
        if field_names and 'survey_score' not in field_names:
            return
        for protocol in protocols:
            if (protocol.survey_score is not None
                    and protocol.survey_score not in SCORES):
                raise InvalidScore(gettext(
                        'see_atendimento.msg_invalid_survey_score',
                        field=cls.__names__(field='survey_score')['field'],
                        score=protocol.survey_score,
                        low=SCORES[0], high=SCORES[-1]))

    def get_survey_good(self, name):
        pool = Pool()
        Configuration = pool.get('see.configuration')
        if self.survey_score is None:
            return None
        return self.survey_score > Configuration(1).good_score

    @classmethod
    def set_survey(cls, protocols, score):
        """Record the requester's evaluation

        The survey of the channel (the phone's IVR, the chat's last
        question) is the only writer of the score: no user types it."""
        with without_check_access():
            cls.write(protocols, {
                    'survey_score': score,
                    'survey_date': dt.datetime.now(),
                    })
        cls.log_event(protocols, 'survey', str(score))
