# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"The citizen's evaluation of an attendance on the tablet of the desk"
import datetime as dt

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from .exceptions import DevicePageError, TicketValidationError

# A finished attendance waits this long for its evaluation on the tablet
EVALUATION_WINDOW = dt.timedelta(minutes=15)


class Ticket(metaclass=PoolMeta):
    __name__ = 'see.ticket'

    @classmethod
    def pending_evaluation(cls, desk):
        """The ticket whose attendance the tablet of desk asks to evaluate:
        the last finished at the desk, in the last minutes, its protocol
        without a survey score; or None"""
        tickets = cls.search([
                ('desk', '=', desk.id),
                ('state', '=', 'finished'),
                ('end_date', '>=', dt.datetime.now() - EVALUATION_WINDOW),
                ], order=[('end_date', 'DESC'), ('id', 'DESC')], limit=1)
        if not tickets:
            return None
        ticket, = tickets
        if not ticket.protocol or ticket.protocol.survey_score is not None:
            return None
        return ticket

    @classmethod
    def evaluate_from_device(cls, device, ticket_id, score):
        """Give score (0 to 10) to the protocol of the attendance the
        tablet device asks to evaluate; once per protocol, only through
        the protocol's survey"""
        pool = Pool()
        Protocol = pool.get('see.protocol')
        if device.kind != 'tablet' or not device.desk:
            raise DevicePageError(gettext(
                    'see_presencial.msg_device_not_tablet'))
        if isinstance(score, bool) or not isinstance(score, (int, str)):
            score = None
        try:
            score = int(score)
        except (TypeError, ValueError):
            score = None
        if score is None or not 0 <= score <= 10:
            raise TicketValidationError(gettext(
                    'see_presencial.msg_tablet_score'))
        ticket = cls.pending_evaluation(device.desk)
        if ticket is None or ticket.id != ticket_id:
            raise DevicePageError(gettext(
                    'see_presencial.msg_tablet_not_pending'))
        with without_check_access():
            Protocol.set_survey([ticket.protocol], score)
        return ticket
