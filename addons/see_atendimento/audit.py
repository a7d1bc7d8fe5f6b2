# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Who changed which field, from what, to what and when

The changes of a record are read from the history Tryton keeps for the
models with ``_history = True`` (a copy of the row in ``TABLE__history``
after each creation and write): two consecutive versions differ by the
fields their writer changed. One wizard shows them for any such model; each
module opens it from its audited models' forms with an action keyword.
"""
import datetime as dt
import json

from sql import Column

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.tools.timezone import UTC, get_tzinfo
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateView, Wizard

from .exceptions import AuditError

# Columns every history row has, about the row rather than the record
TECHNICAL = {'id', 'create_uid', 'create_date', 'write_uid', 'write_date'}


def audited_fields(Model):
    """Return the names of the fields of Model whose changes are shown: the
    stored ones the user may read, except those a model leaves out
    (_audit_excluded: values it keeps up to date by SQL, say)"""
    pool = Pool()
    FieldAccess = pool.get('ir.model.field.access')
    access = FieldAccess.get_access([Model.__name__])[Model.__name__]
    excluded = TECHNICAL | set(getattr(Model, '_audit_excluded', ()))
    names = []
    for name, field in Model._fields.items():
        if (name in excluded
                or isinstance(field, (fields.Function, fields.Binary))
                or not field.sql_type()
                or not access.get(name, {}).get('read', True)):
            continue
        names.append(name)
    return sorted(names)


def history_versions(Model, ids, names):
    """Yield, for each id of Model in ids, its versions in order: dicts of
    the values of names with the date and the user who saved them"""
    history = Model.__table_history__()
    cursor = Transaction().connection.cursor()
    version = Column(history, '__id')
    for sub_ids in grouped_slice(sorted(ids), backend.MAX_QUERY_PARAMS):
        cursor.execute(*history.select(
                history.id, history.create_date, history.create_uid,
                history.write_date, history.write_uid,
                *[Column(history, n) for n in names],
                where=history.id.in_(list(sub_ids)),
                order_by=[history.id, version]))
        for row in cursor:
            id_, create_date, create_uid, write_date, write_uid = row[:5]
            yield id_, {
                # A deleted record leaves a row with only the writer
                'deleted': create_date is None,
                'date': write_date or create_date,
                'user': write_uid or create_uid,
                'values': dict(zip(names, row[5:])),
                }


def changes(Model, ids, names):
    """Return the changes of the records ids of Model: (id, date, user id,
    field name, old value, new value) in the order they were made; the
    creation gives the fields set from nothing"""
    result = []
    previous = {}
    for id_, version in history_versions(Model, ids, names):
        if version['deleted']:
            previous.pop(id_, None)
            continue
        before = previous.get(id_)
        values = version['values']
        for name in names:
            old = before[name] if before is not None else None
            new = values[name]
            if _same(old, new):
                continue
            result.append(
                (id_, version['date'], version['user'], name, old, new))
        previous[id_] = values
    result.sort(key=lambda c: (c[1], c[0]))
    return result


def _same(old, new):
    # Empty text and nothing read the same to the auditor
    return (old if old != '' else None) == (new if new != '' else None)


class Formatter:
    "Readable text of the values of the fields of a model, as forms show"

    def __init__(self, Model, names):
        pool = Pool()
        Lang = pool.get('ir.lang')
        self.pool = pool
        self.Model = Model
        self.definitions = Model.fields_get(names)
        self.lang = Lang.get()
        timezone = Transaction().context.get('timezone')
        self.tzinfo = get_tzinfo(timezone) if timezone else None
        self.names = {}

    def label(self, name):
        return self.definitions[name]['string']

    def prefetch(self, changes):
        "Read at once the names of the records the values link to"
        wanted = {}
        for *_, name, old, new in changes:
            field = self.Model._fields[name]
            for value in [old, new]:
                if value is None:
                    continue
                if isinstance(field, fields.Many2One):
                    wanted.setdefault(field.model_name, set()).add(value)
                elif isinstance(field, fields.Reference) and ',' in value:
                    model, id_ = value.split(',', 1)
                    if id_.isdigit() and self._known(model):
                        wanted.setdefault(model, set()).add(int(id_))
        with without_check_access(), Transaction().set_context(
                active_test=False):
            for model, ids in wanted.items():
                Target = self.pool.get(model)
                existing = {r.id for r in Target.search(
                        [('id', 'in', list(ids))])}
                for record in Target.browse(sorted(existing)):
                    self.names[model, record.id] = record.rec_name

    def _known(self, model):
        try:
            self.pool.get(model)
        except KeyError:
            return False
        return True

    def record_name(self, model, id_):
        return self.names.get((model, id_), f'{model},{id_}')

    def format(self, name, value):
        if value is None or value == '':
            return ''
        field = self.Model._fields[name]
        definition = self.definitions[name]
        if isinstance(field, fields.Boolean):
            return gettext('see_atendimento.msg_audit_yes' if value
                else 'see_atendimento.msg_audit_no')
        if isinstance(field, fields.MultiSelection):
            if isinstance(value, str):
                value = json.loads(value)
            labels = dict(definition.get('selection') or [])
            return ', '.join(str(labels.get(v, v)) for v in value)
        if isinstance(field, fields.Selection):
            labels = dict(definition.get('selection') or [])
            return str(labels.get(value, value))
        if isinstance(field, fields.Many2One):
            return self.record_name(field.model_name, value)
        if isinstance(field, fields.Reference):
            if ',' in value:
                model, id_ = value.split(',', 1)
                if id_.isdigit():
                    return self.record_name(model, int(id_))
            return value
        if isinstance(field, fields.DateTime):
            if isinstance(value, str):
                value = dt.datetime.fromisoformat(value)
            if self.tzinfo:
                value = value.replace(tzinfo=UTC).astimezone(self.tzinfo)
            return self.lang.strftime(value)
        if isinstance(field, fields.Date):
            if isinstance(value, str):
                value = dt.date.fromisoformat(value)
            return self.lang.strftime(value)
        if isinstance(field, fields.Dict):
            if not isinstance(value, str):
                value = json.dumps(value, sort_keys=True, ensure_ascii=False)
            return value
        return str(value)


class AuditChange(ModelView):
    __string__ = "Change"
    __name__ = 'see.audit.change'

    date = fields.DateTime("Date", readonly=True)
    user = fields.Char("User", readonly=True)
    record = fields.Char("Record", readonly=True)
    field = fields.Char("Field", readonly=True)
    old_value = fields.Text("Old Value", readonly=True)
    new_value = fields.Text("New Value", readonly=True)


class AuditChangesShow(ModelView):
    __string__ = "Changes"
    __name__ = 'see.audit.changes.show'

    changes = fields.One2Many(
        'see.audit.change', None, "Changes", readonly=True)


class AuditChanges(Wizard):
    """Show who changed which field of the selected records, from what, to
    what and when

    Opened from the form of any model that keeps its history; the wizard's
    access (its groups, then the read of the records with the user's rules)
    is checked by Tryton before each step."""
    __string__ = "Changes"
    __name__ = 'see.audit.changes'

    start = StateView('see.audit.changes.show',
        'see_atendimento.audit_changes_show_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        return {'changes': self.get_changes(self.model, self.records)}

    @classmethod
    def get_changes(cls, Model, records):
        "Return the values of the changes of records of Model"
        pool = Pool()
        User = pool.get('res.user')
        if not Model._history:
            raise AuditError(gettext('see_atendimento.msg_audit_no_history',
                    model=Model.__names__()['model']))
        names = audited_fields(Model)
        found = changes(Model, [r.id for r in records], names)
        formatter = Formatter(Model, names)
        formatter.prefetch(found)
        with without_check_access():
            users = {u.id: u.rec_name for u in User.browse(
                    sorted({c[2] for c in found if c[2] is not None}))}
        with without_check_access():
            records = {r.id: r.rec_name for r in Model.browse(records)}
        return [{
                'date': date,
                'user': users.get(user, ''),
                'record': records.get(id_, ''),
                'field': formatter.label(name),
                'old_value': formatter.format(name, old),
                'new_value': formatter.format(name, new),
                } for id_, date, user, name, old, new in found]
