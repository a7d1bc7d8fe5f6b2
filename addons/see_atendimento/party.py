# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat
from stdnum.br import cpf as stdnum_cpf

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .exceptions import InvalidCPF
from .integrity import InputCheck


def phone_region():
    "Return the region used to read phones without international prefix"
    return Pool().get('see.configuration').get_phone_region()


def parse_phone(value, region=None):
    """Return the phonenumbers number of value read in region, or None if it
    is not a valid number"""
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, region)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalize_phone(value, region='BR'):
    "Return the phone in E.164 or None if it is not a valid number"
    number = parse_phone(value, region)
    if number is None:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def format_phone(value, region='BR'):
    """Return the stored phone (E.164) as people read it: in the national
    format for numbers of region ("(81) 98765-4321"), else international;
    the value itself when it is not a valid number"""
    number = parse_phone(value, region)
    if number is None:
        return value
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(
        number, PhoneNumberFormat.INTERNATIONAL)


def format_cpf(value):
    "Return the stored CPF (its digits) as printed: 529.982.247-25"
    cpf = normalize_cpf(value)
    return stdnum_cpf.format(cpf) if cpf else value


def normalize_cpf(value):
    """Return the CPF digits or None if the check digits are wrong or all the
    digits are equal (111.111.111-11 has valid check digits but the Receita
    Federal never issues such a number)"""
    if not value:
        return None
    if not stdnum_cpf.is_valid(value):
        return None
    cpf = stdnum_cpf.compact(value)
    if len(set(cpf)) == 1:
        return None
    return cpf


class ContactMechanism(InputCheck, metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'

    def _phone_country_codes(self):
        yield from super()._phone_country_codes()
        # Citizens give local numbers: read them in the agency's region
        yield phone_region()

    @fields.depends(methods=['_phone_country_codes'])
    def _parse_phonenumber(self, value):
        # phonenumbers ignores the region of an international number, so
        # the party's addresses need not be read for one (requesters are
        # stored in E.164)
        if value and value.startswith('+'):
            return parse_phone(value)
        return super()._parse_phonenumber(value)


class Party(InputCheck, metaclass=PoolMeta):
    __name__ = 'party.party'

    see_protocols = fields.One2Many(
        'see.protocol', 'requester', "Attendances", readonly=True)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('code'):
            # The forms of the code are inserted with the row: computing
            # them after the creation then finds nothing to write
            values.update(cls(code=values['code']).compute_fields({'code'}))
        return values

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        # A value the row already holds is not written again
        return {name: value for name, value in values.items()
            if getattr(self, name, None) != value}

    @classmethod
    def find_requester(cls, phone=None, cpf=None):
        "Return the party known by the CPF or the E.164 phone"
        # Those who register attendances need not read the parties
        with without_check_access():
            return cls._find_requester(phone=phone, cpf=cpf)

    @classmethod
    def _find_requester(cls, phone=None, cpf=None):
        pool = Pool()
        Identifier = pool.get('party.identifier')
        ContactMechanism = pool.get('party.contact_mechanism')
        if cpf:
            # The party module stores the code formatted, its digits compact
            identifiers = Identifier.search([
                    ('type', '=', 'br_cpf'),
                    ('code_compact', '=', normalize_cpf(cpf) or cpf),
                    ], limit=1, order=[('id', 'ASC')])
            if identifiers:
                return identifiers[0].party
        if phone:
            mechanisms = ContactMechanism.search([
                    ('type', 'in', ['phone', 'mobile']),
                    ('value_compact', '=', phone),
                    ('party.active', '=', True),
                    ], limit=1, order=[('id', 'ASC')])
            if mechanisms:
                return mechanisms[0].party
        return None

    @classmethod
    def get_or_create_requester(cls, name, phone=None, cpf=None):
        "Return the requester of an attendance, creating it when unknown"
        party = cls.find_requester(phone=phone, cpf=cpf)
        if party:
            return party
        mechanisms = []
        if phone:
            mechanism = {'type': 'mobile', 'value': phone}
            number = parse_phone(phone, phone_region())
            if number:
                # As the party module formats them: it writes nothing more
                mechanism['value'] = phonenumbers.format_number(
                    number, PhoneNumberFormat.INTERNATIONAL)
                mechanism['value_compact'] = phonenumbers.format_number(
                    number, PhoneNumberFormat.E164)
            mechanisms.append(mechanism)
        identifiers = []
        if cpf:
            identifiers.append({'type': 'br_cpf', 'code': cpf})
        # Agents create requesters without being party administrators
        with Transaction().set_context(_check_access=False):
            party, = cls.create([{
                        'name': name,
                        # A citizen's address is not asked for: no blank one
                        'addresses': [],
                        'contact_mechanisms': [('create', mechanisms)],
                        'identifiers': [('create', identifiers)],
                        }])
        return party


class Identifier(InputCheck, metaclass=PoolMeta):
    __name__ = 'party.identifier'

    def check_code(self):
        super().check_code()
        # stdnum accepts the CPF whose digits are all equal
        if self.type == 'br_cpf' and self.code and not normalize_cpf(
                self.code):
            raise InvalidCPF(gettext(
                    'see_atendimento.msg_invalid_cpf', cpf=self.code))
