# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Phones and CPFs as people read them: "(81) 98765-4321" and
"529.982.247-25", stored as E.164 and as the CPF's digits.

A model lists its stored fields in `_shown_kinds` and declares, for each,
a `<field>_shown` Function field made by `shown_field`; forms and lists
show that one. Where the stored field may be typed in, what is typed in the
shown field is written to the stored one, normalized as any value of it."""
from trytond.model import fields

from .party import (
    format_cpf, format_phone, normalize_cpf, normalize_phone, phone_region)


def shown_field(string, kind, states=None, editable=False):
    "The Function field that shows a stored phone or CPF formatted"
    help = {
        'phone': "Shown as (81) 98765-4321; stored in international "
        "format (E.164).",
        'cpf': "Shown as 529.982.247-25; stored as its 11 digits.",
        }[kind]
    return fields.Function(
        fields.Char(string, states=states or {}, help=help,
            readonly=not editable),
        'get_shown', setter='set_shown' if editable else None,
        searcher='search_shown')


def shown_value(kind, value):
    "value (stored) as people read it, None when empty"
    if not value:
        return None
    if kind == 'phone':
        return format_phone(value, phone_region())
    return format_cpf(value)


def stored_value(kind, value):
    "What is typed, as it is stored, or None when it is not valid"
    if kind == 'phone':
        return normalize_phone(value, phone_region())
    return normalize_cpf(value)


class ShownIdentityMixin:
    __slots__ = ()
    # stored field name → 'phone' or 'cpf'
    _shown_kinds = {}

    def shown(self, stored):
        return shown_value(self._shown_kinds[stored], getattr(self, stored))

    @classmethod
    def get_shown(cls, records, names):
        return {name: {r.id: r.shown(name[:-len('_shown')]) for r in records}
            for name in names}

    @classmethod
    def set_shown(cls, records, name, value):
        # preprocess_values already wrote what was typed to the stored
        # field; what reaches here is the default create adds (none)
        pass

    @classmethod
    def preprocess_values(cls, mode, values):
        """What is typed in an editable shown field goes to its stored field,
        in the same write; a client that sends both (proteus sends every
        field it has) names the stored one, which wins unless empty"""
        values = values.copy()
        for stored in cls._shown_kinds:
            shown = stored + '_shown'
            if shown in values and cls._fields[shown].setter:
                value = values.pop(shown)
                if not values.get(stored):
                    values[stored] = value
        return super().preprocess_values(mode, values)

    @classmethod
    def search_shown(cls, name, clause):
        "Search the stored field, with what is typed as it is stored"
        stored = name[:-len('_shown')]
        _, operator, value, *rest = clause
        if isinstance(value, str):
            typed = value.strip('%')
            normalized = stored_value(cls._shown_kinds[stored], typed)
            if normalized:
                value = value.replace(typed, normalized)
        return [(stored, operator, value, *rest)]
