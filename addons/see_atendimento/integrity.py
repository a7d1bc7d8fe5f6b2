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
from trytond.i18n import gettext
from trytond.model import EvalEnvironment, fields
from trytond.pool import Pool
from trytond.pyson import PYSON, PYSONDecoder, PYSONEncoder
from trytond.transaction import Transaction

from .exceptions import ReadonlyFieldError

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


class ServerReadonly:
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
