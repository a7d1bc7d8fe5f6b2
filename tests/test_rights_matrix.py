# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Least privilege as a tested matrix

Every model of the see_* modules (found in the pool at run time) and the
Tryton models that hold personal data (`rights_fixture.PRIVACY_MODELS`) ×
every role of `tests.server.ROLES` × read / create / write / delete / each
button / each RPC method of the project, asked of a real server over
JSON-RPC, compared with the one table of tests/rights.csv (shown in the
README by scripts/rights_table.py).

How each right is asked, so that the server's own check answers:
- read: ``search_count([])``; ``r*`` when the role counts fewer records
  than the table holds (a record rule);
- create / write / delete: ``ir.model.access.get_access``, the check Tryton
  runs first in each of them (an empty ``write([], {})`` would not tell:
  some overrides return early), then real refused writes on real records
  of the sensitive models (`test_refused_on_real_records`);
- a button: called on no record: Tryton checks read access and the
  button's groups (or write access) first;
- a project RPC method: called with the arguments of `METHOD_PROBES` on no
  record.
Then real refused writes and clicks on real records of the sensitive models,
and the integration user's limits.

All mismatches are collected and reported at once. With
``SEE_RIGHTS_ACTUAL=FILE`` the test also writes what the server grants, in
the form of tests/rights.csv, to start the rows of a new model from.
"""
import concurrent.futures
import datetime as dt
import os
import unittest

from scripts import rights_table
from tests import rights_fixture
from tests.rpc import RPCError
from tests.server import ROLES, ServerTestCase


def _date(value):
    return {'__class__': 'date', 'year': value.year, 'month': value.month,
        'day': value.day}


_TODAY = dt.date.today()
# Arguments after the records (or all of them, for methods without
# records) of the project's own RPC methods; a new method needs one here
METHOD_PROBES = {
    'see.chat.session:agent_accept': lambda t, c: [[]],
    'see.chat.session:agent_send': lambda t, c: [[], 'probe'],
    'see.chat.session:agent_transfer': lambda t, c: [[], t.other_agent(c)],
    'see.chat.session:agent_escalate': lambda t, c: [
        [], 'probe', t.classification],
    'see.chat.session:agent_close': lambda t, c: [[], t.classification],
    'see.chat.session:annex_a_counts': lambda t, c: [],
    'see.chat.session:webchat_figures': lambda t, c: [
        _date(_TODAY.replace(day=1)), _date(_TODAY)],
    'see.protocol.escalation:move': lambda t, c: [[], 'answered', {}],
    'see.kb.article:assistant_suggest': lambda t, c: ['matrícula'],
    'see.document.submission:next_task': lambda t, c: [],
    'see.document:review': lambda t, c: [[], 'approve'],
    # Without a booking type or appointments: only the access is checked
    'see.appointment:book': lambda t, c: [None, 'in_person', None],
    'see.appointment:reschedule': lambda t, c: [[], None, None],
    'see.booking.type:slots': lambda t, c: [
        0, _date(_TODAY), _date(_TODAY)],
    }
# Models whose refused writes and clicks are also tried on real records
SENSITIVE = ['see.protocol', 'see.protocol.escalation', 'see.call',
    'see.sla.measurement', 'see.chat.session', 'see.service.order',
    'see.contract', 'see.platform.incident']
WORKERS = 4


def _project(description, name):
    return description[name]['module'].startswith('see_')


class RightsMatrixTestCase(ServerTestCase):
    "The rights table against a real server"
    server_options = {'web': False}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.description = rights_fixture.load(cls.server)
        cls.clients = rights_fixture.clients(cls.server)
        cls.expected = {row['key']: row for row in rights_table.load()}
        cls.classification, = [i for i, in cls.server.query(
                'SELECT id FROM see_classification ORDER BY id LIMIT 1')]

    @classmethod
    def other_agent(cls, client):
        "The id of the other test agent than client's user"
        agents = [cls.server.users[r].id for r in ['agent', 'agent2']]
        return next(i for i in agents if i != client.user_id)

    # Helpers ----------------------------------------------------------

    @classmethod
    def count(cls, name):
        "Number of rows of the model's table"
        table = cls.description[name]['table']
        (count,), = cls.server.query(f'SELECT COUNT(*) FROM "{table}"')
        return count

    @classmethod
    def ids(cls, name, limit=None):
        table = cls.description[name]['table']
        return [i for i, in cls.server.query(
                f'SELECT id FROM "{table}" ORDER BY id'
                + (f' LIMIT {int(limit)}' if limit else ''))]

    @staticmethod
    def allowed(call):
        """True if call is allowed, False if refused with a user error,
        the error text for anything else (a crash of the server)"""
        try:
            call()
            return True
        except RPCError as error:
            if error.user:
                return False
            return f'server error: {error.message}'

    def rows(self):
        "Keys and kinds of the rows the project has now"
        rows = {}
        for name, info in self.description.items():
            rows[name] = info['kind']
            if info['kind'] == 'form':
                continue
            for button in info['buttons']:
                rows[f'{name}:{button}'] = 'button'
            if _project(self.description, name):
                for method in info['methods']:
                    rows[f'{name}:{method}()'] = 'method'
        return rows

    def actual_model(self, role, name):
        "The cell of role on model name, as the server answers"
        client = self.clients[role]
        kind = self.description[name]['kind']
        cell, notes = '', []
        try:
            client.model(name, 'create', [])
        except RPCError as error:
            if error.message.endswith('is not callable over RPC'):
                # Not exposed at all (relation tables…): no right to give
                return cell, notes
        except Exception:
            pass
        read = self.allowed(lambda: client.model(name, 'search_count', [],
                context={'active_test': False}))
        if read is True:
            cell += 'r'
            total = self.count(name) if kind == 'stored' else None
            if total:
                seen = client.model(name, 'search_count', [],
                    context={'active_test': False})
                if seen < total:
                    cell += '*'
        elif read is not False:
            notes.append(f'read: {read}')
        # Create, write and delete: the check Tryton runs before each of
        # them (an empty call would not tell: overrides may return early)
        access = client.model('ir.model.access', 'get_access', [name])[name]
        for letter, mode in [
                ('c', 'create'), ('w', 'write'), ('d', 'delete')]:
            if access[mode]:
                cell += letter
        return cell, notes

    def actual_call(self, role, key):
        client = self.clients[role]
        name, method = key.split(':')
        if method.endswith('()'):
            method = method[:-2]
            probe = METHOD_PROBES.get(key[:-2])
            if probe is None:
                return '', [f'no probe in METHOD_PROBES for {key}']
            args = probe(self, client)
        else:
            args = [[]]
        result = self.allowed(lambda: client.model(name, method, *args))
        if result is True:
            return 'x', []
        elif result is False:
            return '', []
        return '', [result]

    # Tests ------------------------------------------------------------

    def test_matrix(self):
        "Every role has on every model exactly the rights of the table"
        rows = self.rows()
        problems = []
        for key in sorted(rows.keys() - self.expected.keys()):
            problems.append(f'{key}: missing from tests/rights.csv '
                f'({rows[key]}); add its row with the rights of each role')
        for key in sorted(self.expected.keys() - rows.keys()):
            problems.append(f'{key}: in tests/rights.csv but not in the '
                'project any more')
        for key in sorted(rows.keys() & self.expected.keys()):
            if rows[key] != self.expected[key]['kind']:
                problems.append(f"{key}: kind is {rows[key]}, the table "
                    f"says {self.expected[key]['kind']}")

        tasks = {}
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as executor:
            for key, kind in rows.items():
                if kind == 'form':
                    continue
                for role in ROLES:
                    if kind in {'button', 'method'}:
                        future = executor.submit(self.actual_call, role, key)
                    else:
                        future = executor.submit(
                            self.actual_model, role, key)
                    tasks[key, role] = future
        actual = {k: f.result() for k, f in tasks.items()}
        if os.environ.get('SEE_RIGHTS_ACTUAL'):
            # What the server grants now, in the form of tests/rights.csv
            with open(os.environ['SEE_RIGHTS_ACTUAL'], 'w') as file:
                file.write(','.join(['key', 'kind', *ROLES]) + '\n')
                for key in sorted(rows):
                    file.write(','.join([key, rows[key], *(
                                    actual[key, r][0] if (key, r) in actual
                                    else '' for r in ROLES)]) + '\n')
        mismatches = {}
        for (key, role), (cell, notes) in sorted(actual.items()):
            expected = self.expected.get(key, {}).get(role, cell)
            if cell != expected:
                if ('*' in expected and cell == expected.replace('*', '')
                        and not self.count(key)):
                    # No record to tell a record rule from none
                    pass
                else:
                    mismatches.setdefault(key, []).append(
                        f'{role}: expected {expected or "-"}, '
                        f'server grants {cell or "-"}')
            for note in notes:
                mismatches.setdefault(key, []).append(f'{role}: {note}')
        for key, lines in mismatches.items():
            problems.append(f'{key}: ' + '; '.join(lines))
        if problems:
            self.fail(f'{len(problems)} rows differ from tests/rights.csv:\n'
                + '\n'.join(problems))

    def test_refused_on_real_records(self):
        "Writes and clicks the table refuses are refused on real records"
        problems = []
        for name in SENSITIVE:
            if name not in self.description:
                continue
            ids = self.ids(name, limit=200)
            if not ids:
                problems.append(f'{name}: no record to try')
                continue
            # A few records spread over the table (so over the states)
            sample = sorted(set(ids[::max(1, len(ids) // 5)]))[:6]
            rights = self.expected.get(name)
            for role, client in self.clients.items():
                if rights is None or 'w' in rights[role]:
                    continue
                for record in sample:
                    result = self.allowed(lambda: client.model(
                            name, 'write', [record], {}))
                    if result is not False:
                        problems.append(f'{name} {record}: {role} may '
                            f'write it ({result})')
                for button in self.description[name]['buttons']:
                    row = self.expected.get(f'{name}:{button}')
                    if row is None or row[role]:
                        continue
                    for record in sample:
                        result = self.allowed(lambda: client.model(
                                name, button, [record]))
                        if result is not False:
                            problems.append(f'{name} {record}: {role} may '
                                f'click {button} ({result})')
        if problems:
            self.fail(f'{len(problems)} refusals missing:\n'
                + '\n'.join(problems))

    def test_integration_reads_only_its_protocols(self):
        "The integration user reads the protocols it registered, no other"
        client = self.clients['integration']
        mine, = client.model('see.protocol', 'create', [{
                    'channel': 'email', 'requester_name': 'Maria da Silva',
                    'requester_phone': '(81) 99876-5432',
                    'service': self.server.records['service'],
                    'description': 'Pedido feito pelo portal'}])
        found = client.model('see.protocol', 'search', [], 0, None, None)
        self.assertEqual(found, [mine])
        other = next(i for i in self.ids('see.protocol') if i != mine)
        with self.assertRaises(RPCError) as context:
            client.model('see.protocol', 'read', [other], ['number'])
        self.assertTrue(context.exception.user)
        # The history of its own protocol, none of the others'
        events = client.model('see.protocol.event', 'search_read', [],
            0, None, None, ['protocol'])
        others = {e['protocol'] for e in events} - {mine}
        if others:
            self.fail(f'integration reads the history (events) of '
                f'{len(others)} protocols it did not register')

    def test_integration_sees_no_personal_data(self):
        "No calls, contact mechanisms, users or exports for integration"
        client = self.clients['integration']
        problems = []
        for name in ['see.call', 'party.contact_mechanism', 'party.party',
                'party.identifier', 'see.chat.session', 'see.chat.message']:
            try:
                seen = client.model(name, 'search_count', [])
            except RPCError as error:
                if not error.user:
                    problems.append(f'{name}: {error.message}')
                continue
            if seen:
                problems.append(f'{name}: reads {seen} records')
        users = client.model('res.user', 'search_read', [], 0, None, None,
            ['login'])
        if {u['login'] for u in users} - {'integracao'}:
            problems.append(f'res.user: reads {len(users)} users')
        status, body = client.get('data/res.user', f=['login', 'email'])
        if status == 200:
            logins = {ROLES[r][0] for r in ROLES} - {'integracao'}
            leaked = sorted(l for l in logins if l.encode() in body)
            if leaked:
                problems.append('GET /data/res.user returns the logins '
                    + ', '.join(leaked))
        if problems:
            self.fail('\n'.join(problems))


class RightsTableTestCase(unittest.TestCase):
    "The README shows the table of tests/rights.csv"

    def test_readme_table(self):
        readme = rights_table.README.read_text(encoding='utf-8')
        table = rights_table.markdown(rights_table.load())
        self.assertEqual(rights_table.readme_table(readme), table,
            "run `python scripts/rights_table.py --write`")

    def test_cells(self):
        "Cells use only the letters of the legend"
        for row in rights_table.load():
            for role in rights_table.ROLES:
                cell = row[role]
                if row['kind'] in {'button', 'method'}:
                    self.assertIn(cell, {'', 'x'}, row['key'])
                elif row['kind'] == 'form':
                    self.assertEqual(cell, '', row['key'])
                else:
                    letters = cell.replace('*', '')
                    self.assertEqual(letters, ''.join(
                            l for l in 'rcwd' if l in letters), row['key'])
                    if '*' in cell:
                        self.assertTrue(cell.startswith('r*'), row['key'])


if __name__ == '__main__':
    unittest.main()
