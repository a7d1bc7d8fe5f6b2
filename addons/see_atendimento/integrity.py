# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The server enforces what the form shows

A field the form shows read-only, always or in the record's state, is
refused on the server when a user writes it directly (the RPC API, the web
client's import, any client). The workflows, crons and processes that
produce the values write them through their own methods, which run without
the user's access check and so are not concerned.
"""
import re

from trytond import backend
from trytond.i18n import gettext
from trytond.model import EvalEnvironment, fields
from trytond.pool import Pool
from trytond.pyson import PYSON, PYSONDecoder, PYSONEncoder
from trytond.transaction import Transaction

from .exceptions import InvalidInputError, ReadonlyFieldError

_encoder = PYSONEncoder()


def external_call():
    "Tell whether the current call is a user's, subject to access checks"
    transaction = Transaction()
    return bool(transaction.user) and transaction.check_access


def eval_states(record, encoded):
    "Evaluate the encoded PYSON of a field state on record, as the form does"
    environment = EvalEnvironment(record, record.__class__)
    environment['context'] = Transaction().context
    environment['active_model'] = record.__name__
    environment['active_id'] = record.id
    return PYSONDecoder(environment).decode(encoded)


# Largest value of an INTEGER column (ids and integer fields)
MAX_INTEGER = 2 ** 31 - 1
# Default largest number of characters a user may give: a name, a
# subject, a code (Char) and a free text (Text); a field's own size wins
CHAR_SIZE = 255
TEXT_SIZE = 20000
# The NUL character (PostgreSQL cannot store it) and the lone surrogates
# (no UTF-8 form: a JSON client may still send them as escapes)
_BAD_CHARACTERS = re.compile(r'[\x00\ud800-\udfff]')


def _real_field(field):
    if isinstance(field, fields.Function):
        return field._field
    return field


class InputCheck:
    """Refuse the input that the database cannot store or that no user types

    For every create and write, whoever makes it: NUL bytes and lone
    surrogates in texts, integers and links out of the range of the
    database, links to records that do not exist (PostgreSQL's foreign keys
    refuse them already, SQLite's do not). For a user's call only (see
    external_call): texts longer than the field's size, CHAR_SIZE or
    TEXT_SIZE characters, or the size given by name in _text_sizes.
    Each refusal names the field, in the user's language."""
    __slots__ = ()
    _text_sizes = {}

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        cls._input_texts = {}
        cls._input_integers = set()
        cls._input_links = {}
        for name, field in cls._fields.items():
            if isinstance(field, fields.Function) and not field.setter:
                continue
            field = _real_field(field)
            if isinstance(field, fields.Char):
                size = cls._text_sizes.get(name) or field.size or (
                    TEXT_SIZE if isinstance(field, fields.Text)
                    else CHAR_SIZE)
                cls._input_texts[name] = size
            elif isinstance(field, fields.Integer):
                cls._input_integers.add(name)
            elif isinstance(field, fields.Many2One):
                cls._input_links[name] = field.model_name

    @classmethod
    def create(cls, vlist):
        external = external_call()
        for values in vlist:
            cls.check_input(values, external)
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'write':
            cls.check_input(values, external)

    @classmethod
    def check_input(cls, values, external):
        "Check the values given to create or write, by a user if external"
        for name in values.keys() & cls._input_texts.keys():
            value = values[name]
            if not isinstance(value, str):
                continue
            match = _BAD_CHARACTERS.search(value)
            if match:
                cls._raise_input(
                    'see_atendimento.msg_input_nul' if match.group() == '\0'
                    else 'see_atendimento.msg_input_surrogate', name)
            size = cls._input_texts[name]
            if external and len(value) > size:
                cls._raise_input('see_atendimento.msg_input_too_long', name,
                    size=size, length=len(value))
        for name in values.keys() & cls._input_integers:
            value = values[name]
            if isinstance(value, int) and abs(value) > MAX_INTEGER:
                cls._raise_input('see_atendimento.msg_input_integer_range',
                    name, value=value)
        links = values.keys() & cls._input_links.keys()
        for name in sorted(links):
            value = values[name]
            if value is None:
                continue
            if (not isinstance(value, int) or isinstance(value, bool)
                    or not 0 < value <= MAX_INTEGER
                    or (backend.name == 'sqlite'
                        and not cls._link_exists(name, value))):
                cls._raise_input(
                    'see_atendimento.msg_input_link_missing', name,
                    value=value)

    @classmethod
    def _link_exists(cls, name, value):
        Target = Pool().get(cls._input_links[name])
        table = Target.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id, where=table.id == value))
        return cursor.fetchone() is not None

    @classmethod
    def _raise_input(cls, message, name, **variables):
        names = cls.__names__(field=name)
        raise InvalidInputError(gettext(message,
                field=names['field'], model=names['model'], **variables))


class ServerReadonly(InputCheck):
    """Refuse direct writes of the fields the form shows read-only

    _create_readonly: the read-only fields a user may still give when
    creating, because create checks them itself (the state of a protocol
    registered in attendance, say)."""
    __slots__ = ()
    _create_readonly = set()

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        # Names of the fields always read-only for a user and the encoded
        # PYSON of those read-only in some states
        cls._readonly_always = set()
        cls._readonly_states = {}
        for name, field in cls._fields.items():
            readonly = field.states.get('readonly')
            if field.readonly or readonly is True or (
                    isinstance(field, fields.Function) and not field.setter):
                cls._readonly_always.add(name)
            elif isinstance(readonly, PYSON):
                cls._readonly_states[name] = _encoder.encode(readonly)

    @classmethod
    def create(cls, vlist):
        if external_call():
            readonly = cls._readonly_always - cls._create_readonly
            for values in vlist:
                for name in sorted(readonly & values.keys()):
                    cls._raise_readonly(name)
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'write' and external:
            cls.check_readonly_write(records, values)

    @classmethod
    def check_readonly_write(cls, records, values):
        pool = Pool()
        User = pool.get('res.user')
        names = set(values)
        for name in sorted(cls._readonly_always & names):
            cls._raise_readonly(name)
        states = sorted((n, s) for n, s in cls._readonly_states.items()
            if n in names)
        if not states:
            return
        with Transaction().set_context(groups=User.get_groups()):
            for record in records:
                for name, readonly in states:
                    if eval_states(record, readonly):
                        cls._raise_readonly(name, record)

    @classmethod
    def _raise_readonly(cls, name, record=None):
        names = cls.__names__(field=name)
        if record is not None:
            raise ReadonlyFieldError(gettext(
                    'see_atendimento.msg_readonly_field_state',
                    field=names['field'], model=names['model'],
                    record=record.rec_name))
        raise ReadonlyFieldError(gettext(
                'see_atendimento.msg_readonly_field',
                field=names['field'], model=names['model']))
