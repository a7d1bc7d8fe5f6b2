# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

import phonenumbers

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .call import in_group
from .exceptions import CallBackAccessError, CallBackError

# A protocol created by an agent this long after the answer of their
# call is still linked to it
LINK_MINUTES = 60


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    calls = fields.One2Many(
        'see.call', 'protocol', "Calls", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'call_back': {
                    'invisible': ((Eval('channel') != 'telefone')
                        | ~Eval('requester_phone')
                        | Eval('state').in_(['closed', 'cancelled'])),
                    'icon': 'tryton-launch',
                    'depends': ['channel', 'requester_phone', 'state'],
                    },
                })

    @classmethod
    def _context_call(cls):
        pool = Pool()
        Call = pool.get('see.call')
        call_id = Transaction().context.get('see_call')
        if isinstance(call_id, int) and call_id > 0:
            with without_check_access():
                calls = Call.search([('id', '=', call_id)])
            if calls:
                return calls[0]

    @classmethod
    def default_requester_phone(cls):
        call = cls._context_call()
        if call and call.caller and call.caller.startswith('+'):
            return call.caller

    @classmethod
    def default_requester(cls):
        pool = Pool()
        Party = pool.get('party.party')
        call = cls._context_call()
        if call and call.caller:
            party = Party.find_requester(phone=call.caller)
            if party:
                return party.id

    @classmethod
    def default_requester_name(cls):
        pool = Pool()
        Party = pool.get('party.party')
        call = cls._context_call()
        if call and call.caller:
            party = Party.find_requester(phone=call.caller)
            if party:
                return party.name
            return call.caller_name

    @classmethod
    def default_service(cls):
        call = cls._context_call()
        if call and call.queue and call.queue.service:
            return call.queue.service.id

    @classmethod
    def create(cls, vlist):
        protocols = super().create(vlist)
        cls.link_calls(protocols)
        return protocols

    @classmethod
    def link_calls(cls, protocols):
        """Link each new phone protocol to the call it registers

        The call of the screen pop (context ``see_call``) or else the
        agent's latest answered call without protocol."""
        pool = Pool()
        Call = pool.get('see.call')
        context_call = cls._context_call()
        for protocol in protocols:
            if protocol.channel != 'telefone':
                continue
            call = None
            if (context_call and not context_call.protocol
                    and context_call.agent == protocol.agent):
                call = context_call
            elif protocol.agent:
                since = dt.datetime.now() - dt.timedelta(minutes=LINK_MINUTES)
                with without_check_access():
                    calls = Call.search([
                            ('agent', '=', protocol.agent.id),
                            ('protocol', '=', None),
                            ('answer_date', '>=', since),
                            ], order=[('answer_date', 'DESC')], limit=1)
                call = calls[0] if calls else None
            if call:
                with without_check_access():
                    Call.write([call], {'protocol': protocol.id})
                    if (call.survey_score is not None
                            and protocol.survey_score is None):
                        cls.set_survey([protocol], call.survey_score)

    @classmethod
    @ModelView.button
    def call_back(cls, protocols):
        """Ask the PBX to call the agent's extension, then the requester
        (AMI Originate, sent by the connector once)

        Only on one's own protocols; supervisors on any."""
        pool = Pool()
        Agent = pool.get('see.telephony.agent')
        Request = pool.get('see.telephony.originate')
        user = Transaction().user
        cls.check_call_back(protocols)
        with without_check_access():
            agent = Agent.user_interface(user)
            if not agent:
                raise CallBackError(gettext(
                        'see_telefonia.msg_call_back_no_extension'))
            requests = []
            for protocol in protocols:
                if not protocol.requester_phone:
                    raise CallBackError(gettext(
                            'see_telefonia.msg_call_back_no_phone',
                            protocol=protocol.rec_name))
                requests.append({
                        'server': agent.server.id,
                        'protocol': protocol.id,
                        'user': user,
                        'channel': agent.interface,
                        'number': protocol.requester_phone,
                        'exten': dial_string(protocol.requester_phone,
                            agent.server),
                        })
            Request.create(requests)


    @classmethod
    def check_call_back(cls, protocols):
        "Refuse a call back on another agent's protocol, but to supervisors"
        user = Transaction().user
        if not user or in_group('see_atendimento.group_supervisor'):
            return
        for protocol in protocols:
            if protocol.agent and protocol.agent.id != user:
                raise CallBackAccessError(gettext(
                        'see_telefonia.msg_call_back_other_agent',
                        protocol=protocol.rec_name,
                        agent=protocol.agent.rec_name))


def dial_string(phone, server):
    "The digits the PBX dials for an E.164 phone"
    try:
        number = phonenumbers.parse(phone, server.region or 'BR')
    except phonenumbers.NumberParseException:
        return phone
    region = phonenumbers.region_code_for_number(number)
    if region == (server.region or 'BR'):
        digits = phonenumbers.national_significant_number(number)
    else:
        digits = '00%d%s' % (number.country_code,
            phonenumbers.national_significant_number(number))
    return (server.dial_prefix or '') + digits
