# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""How the citizens hear of their appointments

A gateway sends one notice to one citizen. E-mail, through trytond's own
mail settings ([email] uri and from), is the first; an SMS or WhatsApp
gateway implements the same interface and is added to GATEWAYS. The notices
leave when the transaction commits: a booking rolled back sends nothing."""
import logging
from email.message import EmailMessage

from trytond import config
from trytond.i18n import gettext
from trytond.sendmail import send_message_transactional
from trytond.transaction import Transaction
from trytond.url import http_host

logger = logging.getLogger(__name__)

# The events a citizen is told of, and their ir.message ids
EVENTS = {
    'confirmed': ('msg_notice_confirmed_subject', 'msg_notice_confirmed'),
    'rescheduled': (
        'msg_notice_rescheduled_subject', 'msg_notice_rescheduled'),
    'cancelled': ('msg_notice_cancelled_subject', 'msg_notice_cancelled'),
    'reminder': ('msg_notice_reminder_subject', 'msg_notice_reminder'),
    }


class Gateway:
    "The interface of a notification gateway"
    name = None

    def reaches(self, appointment):
        "Tell if the gateway can reach the appointment's citizen"
        raise NotImplementedError

    def send(self, appointment, subject, body):
        "Send the notice (at the commit of the transaction)"
        raise NotImplementedError


class EmailGateway(Gateway):
    name = 'email'

    def reaches(self, appointment):
        return bool(appointment.requester_email)

    def send(self, appointment, subject, body):
        msg = EmailMessage()
        msg['From'] = config.get('email', 'from')
        msg['To'] = appointment.requester_email
        msg['Subject'] = subject
        msg.set_content(body)
        send_message_transactional(msg, strict=False)


GATEWAYS = [EmailGateway()]


def notice_language():
    "The language of the notices: the citizens' one, Portuguese by default"
    return config.get('see_agendamento', 'language', default='pt')


def notify(appointment, event, **extra):
    """Tell the appointment's citizen of event through every gateway that
    reaches them"""
    subject_id, body_id = EVENTS[event]
    with Transaction().set_context(language=notice_language()):
        # Read again in the citizens' language
        appointment = appointment.__class__(appointment.id)
        values = {
            'number': appointment.number or '',
            'service': appointment.service.rec_name,
            'site': appointment.site.rec_name,
            'start': appointment.local_start,
            'channel': appointment.channel_string,
            'link': appointment.public_url(
                config.get('see_agendamento', 'public_url',
                    default=http_host())),
            'name': appointment.requester_name or '',
            }
        values.update(extra)
        subject = gettext('see_agendamento.%s' % subject_id, **values)
        body = gettext('see_agendamento.%s' % body_id, **values)
    sent = False
    for gateway in GATEWAYS:
        if gateway.reaches(appointment):
            gateway.send(appointment, subject, body)
            sent = True
    if not sent:
        logger.info("no gateway reaches the citizen of %s", appointment.id)
    return sent
