# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Legal hold of a protocol or of a citizen (LGPD art. 16, I)

A court or a legal proceeding may need a citizen's data: the data
protection officer (DPO) places a protocol, or the citizen who requested
it (their party, and so every record of theirs), under legal hold with a
reason, and releases it the same way. The retention rules and the
anonymisation leave held records untouched; each placing and release is
logged in the protocol's events with its reason and the DPO's name."""
import logging

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import check_access, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import LegalHoldError, ReadonlyFieldError
from .integrity import external_call

logger = logging.getLogger(__name__)


class HeldMixin:
    "The legal hold fields: set and cleared only by the hold wizard"
    __slots__ = ()

    legal_hold = fields.Boolean("Legal Hold", readonly=True,
        help="The data is needed by a legal proceeding: no retention rule "
        "or anonymisation changes it until the DPO releases it.")
    legal_hold_reason = fields.Text("Legal Hold Reason", readonly=True,
        states={'invisible': ~Eval('legal_hold')})

    @classmethod
    def default_legal_hold(cls):
        return False


class Protocol(HeldMixin, metaclass=PoolMeta):
    __name__ = 'see.protocol'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'legal_hold_button': {
                    'icon': 'tryton-lock',
                    'depends': ['legal_hold'],
                    },
                })

    @classmethod
    @ModelView.button_action('see_atendimento.wizard_legal_hold')
    def legal_hold_button(cls, protocols):
        pass

    def is_held(self):
        "Whether the protocol or its requester is under legal hold"
        return bool(self.legal_hold
            or (self.requester and self.requester.legal_hold))

    @classmethod
    def set_legal_hold(cls, protocols, hold, reason, citizen=False):
        """Place (hold) or release the protocols, or with citizen their
        requesters; log it in the protocols' events"""
        pool = Pool()
        Party = pool.get('party.party')
        values = {'legal_hold': hold, 'legal_hold_reason': reason}
        parties = {p.requester for p in protocols if p.requester}
        if citizen:
            if not parties:
                raise LegalHoldError(gettext(
                        'see_atendimento.msg_legal_hold_no_requester',
                        protocol=protocols[0].rec_name))
            with without_check_access():
                Party.write(list(parties), values)
                protocols = cls.search([
                        ('requester', 'in', [p.id for p in parties]),
                        ])
        else:
            cls.write(protocols, values)
        action = 'legal_hold' if hold else 'legal_hold_release'
        description = gettext('see_atendimento.msg_legal_hold_event_%s'
            % ('citizen' if citizen else 'protocol'), reason=reason)
        cls.log_event(protocols, action, description)
        logger.info("legal hold %s on %s protocols%s", hold, len(protocols),
            " (citizen)" if citizen else "")

    @classmethod
    def not_held(cls, protocols):
        "The protocols not under legal hold"
        return [p for p in protocols if not p.is_held()]


class Party(HeldMixin, metaclass=PoolMeta):
    __name__ = 'party.party'
    # Parties are not ServerReadonly (their administrators edit them):
    # only the hold's own fields are refused to users
    _hold_fields = {'legal_hold', 'legal_hold_reason'}

    @classmethod
    def create(cls, vlist):
        if external_call():
            for values in vlist:
                for name in sorted(cls._hold_fields & values.keys()):
                    cls._raise_hold_readonly(name)
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, parties, values=None, external=False):
        super().check_modification(
            mode, parties, values=values, external=external)
        if mode == 'write' and external:
            for name in sorted(cls._hold_fields & set(values)):
                cls._raise_hold_readonly(name)

    @classmethod
    def _raise_hold_readonly(cls, name):
        names = cls.__names__(field=name)
        raise ReadonlyFieldError(gettext(
                'see_atendimento.msg_readonly_field',
                field=names['field'], model=names['model']))


def held_domain(path=None):
    """The domain of the records whose protocol at path (the record itself
    when None) or its requester is under legal hold"""
    prefix = path + '.' if path else ''
    return ['OR',
        (prefix + 'legal_hold', '=', True),
        (prefix + 'requester.legal_hold', '=', True),
        ]


def held_cpfs():
    "The CPFs (digits) of the citizens under legal hold"
    Identifier = Pool().get('party.identifier')
    with without_check_access():
        return sorted({i.code_compact for i in Identifier.search([
                        ('type', '=', 'br_cpf'),
                        ('party.legal_hold', '=', True),
                        ])})


class LegalHoldStart(ModelView):
    __string__ = "Legal Hold"
    __name__ = 'see.legal_hold.start'

    held = fields.Boolean("Under Legal Hold", readonly=True)
    citizen = fields.Boolean("Whole Citizen",
        help="Hold or release every record of the protocol's requester, "
        "not only this protocol.")
    reason = fields.Text("Reason", required=True,
        help="The proceeding or the reason: it is kept in the protocol's "
        "events for the auditors.")


class LegalHold(Wizard):
    __string__ = "Legal Hold"
    __name__ = 'see.legal_hold'

    start = StateView('see.legal_hold.start',
        'see_atendimento.legal_hold_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Release", 'release', 'tryton-unlock'),
            Button("Hold", 'hold', 'tryton-lock', default=True),
            ])
    hold = StateTransition()
    release = StateTransition()

    def default_start(self, fields):
        return {
            'held': any(p.is_held() for p in self.records),
            'citizen': False,
            }

    def _apply(self, hold):
        Protocol = Pool().get('see.protocol')
        # Pressed again on submit, as the user: the button's group (the
        # DPO) is the hold's
        with check_access():
            Protocol.legal_hold_button(self.records)
        Protocol.set_legal_hold(list(self.records), hold,
            self.start.reason, citizen=self.start.citizen)
        return 'end'

    def transition_hold(self):
        return self._apply(True)

    def transition_release(self):
        return self._apply(False)


class DataSubjectRequest(metaclass=PoolMeta):
    __name__ = 'see.data.subject.request'

    @classmethod
    def anonymise_subject(cls, identity):
        "Refuse to anonymise a citizen whose data is under legal hold"
        held = [p for p in identity.parties if p.legal_hold] + [
            p for p in identity.protocols if p.is_held()]
        if held or identity.cpf in held_cpfs():
            raise LegalHoldError(gettext(
                    'see_atendimento.msg_legal_hold_subject',
                    cpf=identity.cpf,
                    record=held[0].rec_name if held else identity.cpf))
        super().anonymise_subject(identity)
