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
from .party import (
    format_cpf, format_phone, normalize_cpf, normalize_phone, phone_region)
from .protocol import OPEN_STATES

_STATES = {
    'readonly': ~Eval('state').in_(list(OPEN_STATES)),
    }


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    requester_phone_shown = fields.Function(
        fields.Char("Requester Phone", states=_STATES,
            help="Shown as (81) 98765-4321; stored in international "
            "format (E.164)."),
        'get_requester_shown', setter='set_requester_shown',
        searcher='search_requester_shown')
    requester_cpf_shown = fields.Function(
        fields.Char("Requester CPF", states=_STATES,
            help="Shown as 529.982.247-25; stored as its 11 digits."),
        'get_requester_shown', setter='set_requester_shown',
        searcher='search_requester_shown')

    @classmethod
    def default_requester_phone_shown(cls):
        # The form shows this field: the default of the stored one (the
        # caller of the screen pop) is shown through it
        default = getattr(cls, 'default_requester_phone', None)
        phone = default() if default else None
        return format_phone(phone, phone_region()) if phone else None

    @classmethod
    def default_requester_cpf_shown(cls):
        default = getattr(cls, 'default_requester_cpf', None)
        cpf = default() if default else None
        return format_cpf(cpf) if cpf else None

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
                self.requester_phone_shown = self._shown_phone()
                break
        for identifier in self.requester.identifiers:
            if identifier.type == 'br_cpf':
                self.requester_cpf = identifier.code
                self.requester_cpf_shown = self._shown_cpf()
                break

    def _shown_phone(self):
        return (format_phone(self.requester_phone, phone_region())
            if self.requester_phone else None)

    def _shown_cpf(self):
        return format_cpf(self.requester_cpf) if self.requester_cpf else None

    @classmethod
    def get_requester_shown(cls, protocols, names):
        result = {n: {} for n in names}
        for protocol in protocols:
            if 'requester_phone_shown' in result:
                result['requester_phone_shown'][protocol.id] = (
                    protocol._shown_phone())
            if 'requester_cpf_shown' in result:
                result['requester_cpf_shown'][protocol.id] = (
                    protocol._shown_cpf())
        return result

    @classmethod
    def set_requester_shown(cls, protocols, name, value):
        # preprocess_values already wrote what was typed to the stored
        # field; what reaches here is the default create adds (none)
        pass

    @classmethod
    def preprocess_values(cls, mode, values):
        """What is typed in a shown field is written to its stored field,
        in the same write, normalized and checked as any value of it; a
        client that sends both (proteus sends every field it has) names the
        stored one, which wins unless empty"""
        values = values.copy()
        for field in ['requester_phone', 'requester_cpf']:
            shown = field + '_shown'
            if shown in values:
                value = values.pop(shown)
                if not values.get(field):
                    values[field] = value
        return super().preprocess_values(mode, values)

    @classmethod
    def search_requester_shown(cls, name, clause):
        "Search the stored field, with what is typed as it is stored"
        field = name[:-len('_shown')]
        _, operator, value, *rest = clause
        if isinstance(value, str):
            typed = value.strip('%')
            stored = (normalize_phone(typed, phone_region())
                if field == 'requester_phone' else normalize_cpf(typed))
            if stored:
                value = value.replace(typed, stored)
        return [(field, operator, value, *rest)]

    @fields.depends('requester_phone_shown')
    def on_change_requester_phone_shown(self):
        self.requester_phone = self.requester_phone_shown
        self.on_change_requester_phone()
        if normalize_phone(self.requester_phone, phone_region()):
            self.requester_phone_shown = self._shown_phone()

    @fields.depends('requester_cpf_shown')
    def on_change_requester_cpf_shown(self):
        self.requester_cpf = self.requester_cpf_shown
        self.on_change_requester_cpf()
        if normalize_cpf(self.requester_cpf):
            self.requester_cpf_shown = self._shown_cpf()

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
