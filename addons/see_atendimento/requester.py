# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The requester of an attendance: the citizen's name, phone and CPF, the
party found or made from them, and the phone and CPF as people read them
(stored as E.164 and as digits)"""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .exceptions import InvalidCPF, InvalidPhone
from .party import normalize_cpf, normalize_phone, phone_region
from .protocol import OPEN_STATES
from .shown import ShownIdentityMixin, shown_field, shown_value

_STATES = {
    'readonly': ~Eval('state').in_(list(OPEN_STATES)),
    }


class Protocol(ShownIdentityMixin, metaclass=PoolMeta):
    __name__ = 'see.protocol'
    _shown_kinds = {'requester_phone': 'phone', 'requester_cpf': 'cpf'}

    requester_phone_shown = shown_field(
        "Requester Phone", 'phone', states=_STATES, editable=True)
    requester_cpf_shown = shown_field(
        "Requester CPF", 'cpf', states=_STATES, editable=True)

    @classmethod
    def default_requester_phone_shown(cls):
        # The form shows this field: the default of the stored one (the
        # caller of the screen pop) is shown through it
        default = getattr(cls, 'default_requester_phone', None)
        return shown_value('phone', default() if default else None)

    @classmethod
    def default_requester_cpf_shown(cls):
        default = getattr(cls, 'default_requester_cpf', None)
        return shown_value('cpf', default() if default else None)

    @fields.depends('requester')
    def on_change_requester(self):
        if not self.requester:
            return
        self.requester_name = self.requester.name
        # The fields the party has no value for are left as they are
        for mechanism in self.requester.contact_mechanisms:
            if mechanism.type in {'phone', 'mobile'}:
                self.requester_phone = (
                    mechanism.value_compact or mechanism.value)
                self.requester_phone_shown = self.shown('requester_phone')
                break
        for identifier in self.requester.identifiers:
            if identifier.type == 'br_cpf':
                self.requester_cpf = identifier.code
                self.requester_cpf_shown = self.shown('requester_cpf')
                break

    @fields.depends('requester_phone_shown')
    def on_change_requester_phone_shown(self):
        self.requester_phone = self.requester_phone_shown
        self.on_change_requester_phone()
        if normalize_phone(self.requester_phone, phone_region()):
            self.requester_phone_shown = self.shown('requester_phone')

    @fields.depends('requester_cpf_shown')
    def on_change_requester_cpf_shown(self):
        self.requester_cpf = self.requester_cpf_shown
        self.on_change_requester_cpf()
        if normalize_cpf(self.requester_cpf):
            self.requester_cpf_shown = self.shown('requester_cpf')

    @fields.depends('requester_phone')
    def on_change_requester_phone(self):
        phone = normalize_phone(self.requester_phone, phone_region())
        if phone:
            self.requester_phone = phone

    @fields.depends('requester_cpf')
    def on_change_requester_cpf(self):
        cpf = normalize_cpf(self.requester_cpf)
        if cpf:
            self.requester_cpf = cpf

    @classmethod
    def _normalize_requester(cls, values):
        region = phone_region()
        if values.get('requester_phone'):
            phone = normalize_phone(values['requester_phone'], region)
            if phone:
                values['requester_phone'] = phone
        if values.get('requester_cpf'):
            cpf = normalize_cpf(values['requester_cpf'])
            if cpf:
                values['requester_cpf'] = cpf
        return values

    @classmethod
    def _requester_party(cls, name, phone, cpf):
        "Return the party of a valid requester, creating it when unknown"
        pool = Pool()
        Party = pool.get('party.party')
        if not name or not (phone or cpf):
            return None
        # Invalid input is refused by validation; no party is made for it
        if phone and not normalize_phone(phone, phone_region()):
            return None
        if cpf and not normalize_cpf(cpf):
            return None
        return Party.get_or_create_requester(name, phone=phone, cpf=cpf)

    @classmethod
    def validate_fields(cls, protocols, field_names):
        super().validate_fields(protocols, field_names)
        cls.check_requester(protocols, field_names)

    @classmethod
    def check_requester(cls, protocols, field_names=None):
        if field_names and not (
                field_names & {'requester_phone', 'requester_cpf',
                    'requester_phone_shown', 'requester_cpf_shown'}):
            return
        region = phone_region()
        for protocol in protocols:
            if (protocol.requester_phone
                    and not normalize_phone(protocol.requester_phone, region)):
                raise InvalidPhone(gettext(
                        'see_atendimento.msg_invalid_phone',
                        phone=protocol.requester_phone))
            if (protocol.requester_cpf
                    and not normalize_cpf(protocol.requester_cpf)):
                raise InvalidCPF(gettext(
                        'see_atendimento.msg_invalid_cpf',
                        cpf=protocol.requester_cpf))

    @classmethod
    def link_requesters(cls, protocols):
        "Link each protocol without requester to the party of its requester"
        to_save = []
        for protocol in protocols:
            if protocol.requester:
                continue
            protocol.requester = cls._requester_party(
                protocol.requester_name, protocol.requester_phone,
                protocol.requester_cpf)
            if protocol.requester:
                to_save.append(protocol)
        if to_save:
            cls.save(to_save)
