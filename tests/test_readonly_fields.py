# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Every field the form shows read-only is refused on the server

For each stored model of the see_* modules (found at run time, so new
models and fields are covered without a new test), on records made through
the workflows (`rights_fixture`: the demo data, one record per state where
the model has one), as each role that may write the model: the fields that
`fields_get` declares read-only — always, or by their ``states`` PYSON
evaluated on the record's values as the web client (sao) does — are written
one by one over JSON-RPC with another value, and each write must be refused
with a user error and leave the stored value as it was.

Models with no record to try are listed in the output, not silently passed.
All problems are collected and reported at once.
"""
import concurrent.futures
import datetime as dt
import json
import sys
from decimal import Decimal

from trytond.pyson import PYSONDecoder

from tests import rights_fixture
from tests.rpc import RPCError
from tests.server import ServerTestCase

WORKERS = 4
# Records tried per model: one per state, at most
PER_MODEL = 8
# Not fields of the model's own: Tryton sets the create and write stamps
# itself whatever a write gives
SKIP = {'id', 'rec_name', '_timestamp', 'create_uid', 'create_date',
    'write_uid', 'write_date'}


def _python(value):
    "A JSON-RPC value as Python, for PYSON"
    if isinstance(value, dict) and '__class__' in value:
        kind = value['__class__']
        if kind == 'date':
            return dt.date(value['year'], value['month'], value['day'])
        if kind == 'datetime':
            return dt.datetime(value['year'], value['month'], value['day'],
                value['hour'], value['minute'], value['second'],
                value['microsecond'])
        if kind == 'Decimal':
            return Decimal(value['decimal'])
        if kind == 'timedelta':
            return dt.timedelta(seconds=value['seconds'])
        return value
    if isinstance(value, list):
        return [_python(v) for v in value]
    return value


def _shift_day(value, days=1):
    value = dict(value)
    if value['__class__'] == 'date':
        date = dt.date(value['year'], value['month'], value['day'])
    else:
        date = dt.datetime(value['year'], value['month'], value['day'])
    date += dt.timedelta(days=days)
    value.update(year=date.year, month=date.month, day=date.day)
    return value


class ReadonlyFieldsTestCase(ServerTestCase):
    "Writes of read-only fields are refused for every role"
    server_options = {'web': False}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.description = rights_fixture.load(cls.server)
        cls.clients = rights_fixture.clients(cls.server)
        cls.admin = cls.clients['admin']

    def records(self, name):
        "Ids of records of model name, one per state when it has states"
        info = self.description[name]
        table = info['table']
        if info['workflow']:
            rows = self.server.query(
                f'SELECT DISTINCT ON (state) id FROM "{table}" '
                'ORDER BY state, id')
        else:
            rows = self.server.query(
                f'SELECT id FROM "{table}" ORDER BY id LIMIT 2')
        return [i for i, in rows][:PER_MODEL]

    def other_id(self, relation, current):
        "Another record of relation than current, or None"
        try:
            ids = self.admin.model(relation, 'search',
                [('id', '!=', current or -1)], 0, 1, None)
        except RPCError:
            return None
        return ids[0] if ids else None

    def new_value(self, definition, value):
        "A value other than value for the field, or raise LookupError"
        kind = definition['type']
        if kind in {'char', 'text'}:
            return (value or '') + 'X'
        if kind in {'integer', 'biginteger'}:
            return (value or 0) + 1
        if kind == 'float':
            return (value or 0) + 1.5
        if kind == 'numeric':
            old = Decimal(value['decimal']) if value else Decimal(0)
            return {'__class__': 'Decimal', 'decimal': str(old + 1)}
        if kind == 'boolean':
            return not value
        if kind in {'date', 'datetime', 'timestamp'}:
            if value:
                return _shift_day(value, -1)
            today = dt.date.today()
            return {'__class__': 'date' if kind == 'date' else 'datetime',
                'year': today.year, 'month': today.month, 'day': today.day,
                **({} if kind == 'date' else {'hour': 9, 'minute': 0,
                        'second': 0, 'microsecond': 0})}
        if kind == 'timedelta':
            return {'__class__': 'timedelta',
                'seconds': (value or {}).get('seconds', 0) + 60}
        if kind == 'selection':
            selection = definition.get('selection')
            if isinstance(selection, list):
                for key, _ in selection:
                    if key != value and key is not None:
                        return key
            raise LookupError('no other selection value')
        if kind == 'many2one':
            other = self.other_id(definition['relation'], value)
            if other is not None:
                return other
            if value is not None:
                return None
            raise LookupError('no other record to link')
        if kind in {'one2many', 'many2many'}:
            if value:
                return [['remove', [value[0]]]]
            if kind == 'many2many':
                other = self.other_id(definition['relation'], None)
                if other is not None:
                    return [['add', [other]]]
            raise LookupError('nothing to add or remove')
        if kind == 'dict':
            return {'probe': 1}
        if kind == 'multiselection':
            selection = definition.get('selection')
            if isinstance(selection, list) and selection:
                keys = [k for k, _ in selection]
                return [] if value else keys[:1]
        raise LookupError(f'{kind} not tried')

    @staticmethod
    def readonly(definition, record, context):
        "Whether the form shows the field read-only on record"
        if definition.get('readonly'):
            return True
        states = definition.get('states') or '{}'
        states = json.loads(states) if isinstance(states, str) else states
        readonly = states.get('readonly')
        if readonly is None or readonly is False:
            return False
        if readonly is True:
            return True
        environment = {k: _python(v) for k, v in record.items()}
        environment['context'] = context
        environment['id'] = record['id']
        # Many2One values are read as their id by the client
        return bool(PYSONDecoder(environment).decode(json.dumps(readonly)))

    def try_roles(self, name, roles, ids):
        "try_model for each role in turn: they share the records"
        problems, tried, skipped, visible = [], 0, set(), False
        for role in roles:
            found, count, skip, seen = self.try_model(name, role, ids)
            problems += found
            tried += count
            skipped |= skip
            visible = visible or seen
        return problems, tried, skipped, visible

    def try_model(self, name, role, ids):
        "Problems and tries of role writing the read-only fields of ids"
        client = self.clients[role]
        problems, tried, skipped = [], 0, set()
        fields = client.model(name, 'fields_get', [])
        names = sorted(n for n in fields if n not in SKIP
            and fields[n]['type'] not in {'binary', 'reference'})
        context = client.model('res.user', 'get_preferences', True)
        try:
            records = client.model(name, 'read', ids, names)
        except RPCError:
            # Out of the role's record rules: only the visible ones
            records = []
            for id_ in ids:
                try:
                    records += client.model(name, 'read', [id_], names)
                except RPCError:
                    pass
        for record in records:
            state = record.get('state', '')
            label = f'{record["id"]}' + (f' {state}' if state else '')
            refused = []
            for field in names:
                definition = fields[field]
                try:
                    if not self.readonly(definition, record, context):
                        continue
                except Exception as error:
                    problems.append((name, field,
                            f'states not evaluated ({error})', role, label))
                    continue
                try:
                    value = self.new_value(definition, record[field])
                except LookupError as error:
                    skipped.add(f'{field} ({error})')
                    continue
                tried += 1
                try:
                    client.model(name, 'write', [record['id']],
                        {field: value})
                except RPCError as error:
                    if error.user:
                        refused.append(field)
                    else:
                        # Refused, but with Python's text instead of a
                        # message for the user
                        problems.append((name, field, 'server error: '
                                + error.message[:120], role, label))
                    continue
                after, = client.model(name, 'read', [record['id']], [field])
                if after[field] != record[field]:
                    problems.append((name, field, 'written', role, label))
                    # The next states are evaluated on what is stored
                    record[field] = after[field]
                else:
                    problems.append((name, field,
                            'accepted without error (not stored)', role,
                            label))
            functions = set(self.description[name]['functions'])
            refused = [f for f in refused if f not in functions]
            if refused:
                after, = client.model(name, 'read', [record['id']], refused)
                for field in refused:
                    if after[field] != record[field]:
                        problems.append((name, field, 'refused but changed',
                                role, label))
        return problems, tried, skipped, bool(records)

    def test_readonly_fields(self):
        "No role writes a field the form shows read-only"
        problems, without, unseen, skipped = [], [], [], {}
        tried = 0
        jobs = {}
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as executor:
            for name, info in sorted(self.description.items()):
                if (not info['module'].startswith('see_')
                        or info['kind'] != 'stored'):
                    continue
                ids = self.records(name)
                if not ids:
                    without.append(name)
                    continue
                writers = [role for role, client in self.clients.items()
                    if client.model('ir.model.access', 'get_access',
                        [name])[name]['write']]
                try:
                    self.admin.model(name, 'fields_get', [])
                except RPCError:
                    # Not callable over RPC (relation tables…)
                    continue
                if writers:
                    jobs[name] = executor.submit(
                        self.try_roles, name, writers, ids)
        seen = {}
        for name, job in sorted(jobs.items()):
            found, count, skip, visible = job.result()
            problems += found
            tried += count
            seen[name] = seen.get(name, False) or visible
            if skip:
                skipped.setdefault(name, set()).update(skip)
        unseen = sorted(n for n, v in seen.items() if not v)
        report = [f'{tried} writes of read-only fields tried on '
            f'{len(seen)} models']
        if without:
            report.append('models with no record to try: '
                + ', '.join(without))
        if unseen:
            report.append('models whose records no writer can read: '
                + ', '.join(unseen))
        for name, fields_ in sorted(skipped.items()):
            report.append(f'{name}: not tried: ' + ', '.join(sorted(fields_)))
        print('\n'.join(report), file=sys.stderr)
        if problems:
            grouped = {}
            for name, field, what, role, label in problems:
                roles, labels = grouped.setdefault(
                    (name, field, what), (set(), set()))
                roles.add(role)
                labels.add(label)
            lines = [f'{name}.{field}: {what} by {", ".join(sorted(roles))}'
                f' (records {", ".join(sorted(labels))})'
                for (name, field, what), (roles, labels)
                in sorted(grouped.items())]
            self.fail(f'{len(lines)} read-only fields not refused cleanly '
                f'({len(problems)} writes):\n' + '\n'.join(lines))
