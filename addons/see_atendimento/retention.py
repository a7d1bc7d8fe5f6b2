# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Retention rules (LGPD): how long each kind of personal data is kept

A rule says that the records of a kind (protocols, transcripts,
recordings…) older than some days are anonymised, deleted or archived.
Each module registers the kinds of the data it owns by extending
``see.retention.rule.kinds()`` (a list of ``RetentionKind``); the cron
applies the active rules in batches. A rule is activated only after its
dry run (``preview``) showed what it would change."""
import datetime as dt
import logging
from collections import namedtuple

from trytond import config
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .exceptions import RetentionError
from .integrity import ServerReadonly
from .legal_hold import held_cpfs, held_domain

logger = logging.getLogger(__name__)

ACTIONS = [
    ('anonymise', "Anonymise"),
    ('delete', "Delete"),
    ('archive', "Archive"),
    ]
# Records named in a dry-run report; the counts are always complete
PREVIEW_NAMES = 20


class RetentionKind(namedtuple('RetentionKind', [
            'code', 'string', 'model', 'date_field', 'domain', 'actions',
            'apply', 'contract_kept', 'hold', 'hold_cpf'],
        defaults=(None, None))):
    """A kind of personal data a rule can apply to

    string: the id of the ir.message of its name;
    model and date_field: the records and the date their age counts from;
    domain: what is still to do (not anonymised yet, say), or a function
    of the action that returns it; actions: the
    actions the kind supports; apply(records, action) does one of them;
    contract_kept: the actions that remove data the contract keeps for its
    whole duration (recordings, chat records: items 3.1.1.9, 3.1.2.11);
    hold: the path from a record to its protocol ('' when the record is
    the protocol, None when it has none) and hold_cpf its CPF field: the
    records of a protocol or citizen under legal hold are left alone."""
    __slots__ = ()


def batch_size():
    return config.getint('see_atendimento', 'retention_batch', default=500)


class RetentionRule(ServerReadonly, Workflow, ModelSQL, ModelView):
    __string__ = "Retention Rule"
    __name__ = 'see.retention.rule'

    _states = {'readonly': Eval('state') != 'draft'}

    name = fields.Char("Name", required=True, states=_states)
    kind = fields.Selection(
        'get_kinds', "Kind of Data", required=True, states=_states)
    age_days = fields.Integer(
        "Age (Days)", required=True, states=_states,
        domain=[('age_days', '>', 0)],
        help="Records older than this number of days are concerned.")
    kind_string = kind.translated('kind')
    action = fields.Selection(ACTIONS, "Action", required=True,
        states=_states)
    action_string = action.translated('action')
    legal_hold = fields.Boolean("Legal Hold",
        help="While set, the rule changes nothing (a legal proceeding "
        "needs the data).")
    preview_date = fields.DateTime("Dry Run", readonly=True)
    preview_count = fields.Integer("Records Concerned", readonly=True)
    preview_report = fields.Text("Dry-Run Report", readonly=True)
    last_run = fields.DateTime("Last Run", readonly=True)
    last_count = fields.Integer("Records Changed", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ], "State", readonly=True, required=True)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))
        cls._transitions |= {
            ('draft', 'active'),
            ('active', 'draft'),
            }
        cls._buttons.update({
                'preview': {
                    'icon': 'tryton-search',
                    'depends': ['state'],
                    },
                'activate': {
                    'invisible': Eval('state') != 'draft',
                    'readonly': ~Eval('preview_date'),
                    'icon': 'tryton-ok',
                    'depends': ['state', 'preview_date'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'active',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_action(cls):
        return 'anonymise'

    @classmethod
    def default_legal_hold(cls):
        return False

    @classmethod
    def kinds(cls):
        "Every RetentionKind; modules extend the list"
        def protocol_domain(action):
            if action == 'archive':
                return [('archived_date', '=', None),
                    ('state', 'in', ['closed', 'cancelled'])]
            return [('anonymised_date', '=', None)]

        pool = Pool()
        Protocol = pool.get('see.protocol')
        return [
            RetentionKind('protocol',
                'see_atendimento.msg_retention_kind_protocol', 'see.protocol',
                'start_date', protocol_domain,
                ('anonymise', 'archive'), Protocol.anonymise_by_rule, (),
                hold='', hold_cpf='requester_cpf'),
            ]

    @classmethod
    def get_kind(cls, code):
        for kind in cls.kinds():
            if kind.code == code:
                return kind

    @classmethod
    def get_kinds(cls):
        return [(k.code, gettext(k.string)) for k in cls.kinds()]

    @classmethod
    def validate_fields(cls, rules, field_names):
        super().validate_fields(rules, field_names)
        for rule in rules:
            kind = cls.get_kind(rule.kind)
            if kind and rule.action not in kind.actions:
                raise RetentionError(gettext(
                        'see_atendimento.msg_retention_action',
                        rule=rule.rec_name, kind=rule.kind_string,
                        action=rule.action_string))

    def check_contract_retention(self):
        """Raise RetentionError when the rule would remove data a contract
        keeps; see_sla checks its contracts"""
        pass

    def cutoff(self):
        return dt.datetime.now() - dt.timedelta(days=self.age_days)

    def aged_domain(self):
        "The records of the rule's age, held or not"
        kind = self.get_kind(self.kind)
        domain = kind.domain
        if callable(domain):
            domain = domain(self.action)
        return [(kind.date_field, '<', self.cutoff())] + list(domain)

    def held_ids(self):
        "The ids of the aged records under legal hold"
        kind = self.get_kind(self.kind)
        clauses = []
        if kind.hold is not None:
            clauses.append(held_domain(kind.hold or None))
        if kind.hold_cpf:
            cpfs = held_cpfs()
            if cpfs:
                clauses.append((kind.hold_cpf, 'in', cpfs))
        if not clauses:
            return []
        Model = Pool().get(kind.model)
        return [r.id for r in Model.search(
                self.aged_domain() + [['OR'] + clauses],
                order=[('id', 'ASC')])]

    def due_domain(self, held=None):
        "The records the rule changes: aged and not held"
        if held is None:
            held = self.held_ids()
        domain = self.aged_domain()
        if held:
            domain.append(('id', 'not in', held))
        return domain

    def due_records(self, limit=None, held=None):
        kind = self.get_kind(self.kind)
        Model = Pool().get(kind.model)
        return Model.search(self.due_domain(held), order=[('id', 'ASC')],
            limit=limit)

    @classmethod
    @ModelView.button
    def preview(cls, rules):
        "Dry run: count and name what each rule would change, change nothing"
        for rule in rules:
            kind = cls.get_kind(rule.kind)
            Model = Pool().get(kind.model)
            held = rule.held_ids()
            count = Model.search(rule.due_domain(held), count=True)
            names = [r.rec_name
                for r in rule.due_records(limit=PREVIEW_NAMES, held=held)]
            lines = [gettext('see_atendimento.msg_retention_preview',
                    action=rule.action_string, count=count,
                    kind=rule.kind_string,
                    date=rule.cutoff().strftime('%d/%m/%Y'))]
            lines.extend('- %s' % n for n in names)
            if count > len(names):
                lines.append('…')
            if held:
                lines.append(gettext(
                        'see_atendimento.msg_retention_preview_held',
                        count=len(held)))
                lines.extend('- %s' % r.rec_name
                    for r in Model.browse(held[:PREVIEW_NAMES]))
                if len(held) > PREVIEW_NAMES:
                    lines.append('…')
            rule.preview_date = dt.datetime.now()
            rule.preview_count = count
            rule.preview_report = '\n'.join(lines)
        cls.save(rules)

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, rules):
        for rule in rules:
            if not rule.preview_date:
                raise RetentionError(gettext(
                        'see_atendimento.msg_retention_no_preview',
                        rule=rule.rec_name))
            rule.check_contract_retention()

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, rules):
        pass

    def apply(self, limit=None):
        "Apply the rule to at most limit due records; return their number"
        if self.legal_hold or self.state != 'active':
            return 0
        self.check_contract_retention()
        kind = self.get_kind(self.kind)
        records = self.due_records(limit=limit)
        if records:
            kind.apply(records, self.action)
        self.__class__.write([self], {
                'last_run': dt.datetime.now(),
                'last_count': len(records),
                })
        return len(records)

    @classmethod
    def apply_rules(cls, rules=None):
        "Cron: apply every active rule, one batch each, in its transaction"
        if rules is None:
            rules = cls.search([
                    ('state', '=', 'active'),
                    ('legal_hold', '=', False),
                    ])
        for rule in rules:
            try:
                count = rule.apply(limit=batch_size())
            except RetentionError as error:
                # A contract still needs the data: try again next run
                logger.warning("retention rule %s skipped: %s",
                    rule.id, error.message)
                continue
            logger.info("retention rule %s: %s records", rule.id, count)


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('see.retention.rule|apply_rules', "Apply the Retention Rules"))
