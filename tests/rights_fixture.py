# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Records and model descriptions for the rights tests

`load(server)` fills the database of a running `tests.server.TrytonServer`
with the demo data of `scripts/demo.py` (protocols in every state, their
escalations, calls, chat conversations, the contract, service orders, an
outage and computed measurements — all made through the workflows), puts
back the passwords of the test users that the demo resets, and returns a
description of every model the rights tests walk:

    {model: {'module', 'kind', 'table', 'buttons', 'methods', 'fields'}}

for every model of the `see_*` modules (found in the pool at run time, so
models added later are covered) and the Tryton models listed in
`PRIVACY_MODELS`. `kind` is ``stored`` (a table), ``query`` (a read-only
`table_query` view) or ``form`` (a `ModelView` with no storage: wizard and
context forms); `methods` are the RPC methods of the model that are neither
Tryton's generic ones nor buttons nor field helpers.

Everything runs in a subprocess (`python tests/rights_fixture.py`), like
`TrytonServer` itself, so the test process does not load trytond.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_MARKER = 'SEE-RIGHTS-FIXTURE '

# Tryton models the roles touch that hold personal data or could reveal it
PRIVACY_MODELS = [
    'res.user',
    'res.group',
    'res.notification',
    'party.party',
    'party.contact_mechanism',
    'party.address',
    'party.identifier',
    'ir.attachment',
    'ir.note',
    'ir.chat.channel',
    'ir.chat.message',
    'ir.email',
    'ir.session',
    ]


def load(server):
    "Fill the database of server and return the description of its models"
    env = os.environ.copy()
    env.pop('TRYTOND_CONFIG', None)
    env.pop('DB_NAME', None)
    from tests.server import ROOT_PASSWORD, ROLES, password
    passwords = {ROLES[role][0]: password(role) for role in ROLES}
    process = subprocess.run([sys.executable, __file__,
            server.config_file, server.database, ROOT_PASSWORD],
        input=json.dumps(passwords), cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if process.returncode:
        raise RuntimeError(
            f"loading the rights fixture failed:\n{process.stdout[-5000:]}")
    line, = (line for line in process.stdout.splitlines()
        if line.startswith(_MARKER))
    return json.loads(line[len(_MARKER):])


def clients(server):
    "A JSON-RPC client of server logged in as each role, by role"
    from tests.rpc import Client
    from tests.server import ROLES, password
    return {role: Client(server, server.users[role].login, password(role))
        for role in ROLES}


def _describe(pool):
    from trytond.model import (
        ModelSingleton, ModelSQL, ModelStorage, fields)
    IrModel = pool.get('ir.model')
    modules = {m.name: m.module for m in IrModel.search([])}
    names = sorted(n for n, m in modules.items()
        if m and m.startswith('see_'))
    # Models of other modules that a see_* module extends count as the
    # project's too only when listed: their base rights are Tryton's
    names += [n for n in PRIVACY_MODELS if n in modules and n not in names]
    # Tryton's generic RPC methods, as every model has them
    generic = set()
    for name in ['ir.note', 'ir.attachment', 'party.category',
            'ir.lang.config.start']:
        generic |= set(pool.get(name).__rpc__)
    description = {}
    for name in names:
        Model = pool.get(name)
        if not issubclass(Model, ModelStorage):
            kind = 'form'
        elif issubclass(Model, ModelSQL) and Model._is_table_query():
            kind = 'query'
        else:
            kind = 'stored'
        helpers = set()
        for fname, field in Model._fields.items():
            helpers |= {f'on_change_{fname}', f'on_change_with_{fname}',
                f'autocomplete_{fname}'}
            for attr in ['selection', 'search_context']:
                value = getattr(field, attr, None)
                if isinstance(value, str):
                    helpers.add(value)
        buttons = sorted(getattr(Model, '_buttons', {}))
        methods = sorted(set(Model.__rpc__) - generic - set(buttons)
            - helpers)
        description[name] = {
            'module': modules[name],
            'kind': kind,
            'table': getattr(Model, '_table', None) if kind != 'form'
            else None,
            'active': 'active' in Model._fields,
            'singleton': issubclass(Model, ModelSingleton),
            # Computed fields: no stored value to compare
            'functions': sorted(n for n, f in Model._fields.items()
                if isinstance(f, fields.Function)),
            'buttons': buttons,
            'methods': methods,
            'workflow': isinstance(
                Model._fields.get('state'), fields.Selection),
            }
    return description


def _main(config_file, database, root_password):
    passwords = json.loads(sys.stdin.read())
    sys.path.insert(0, str(ROOT))
    from trytond.config import config
    config.update_etc(config_file)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from scripts import demo
    demo.load_data(database, root_password)
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        User = pool.get('res.user')
        users = User.search([('login', 'in', list(passwords))])
        for user in users:
            # The demo resets the passwords of the logins it shares
            user.password = passwords[user.login]
        User.save(users)
        try:
            Agent = pool.get('see.telephony.agent')
        except KeyError:
            Agent = None
        if Agent:
            # An extension for the test users who call back
            server = pool.get('see.ami.server').search([], limit=1)
            logins = ['agente', 'agente2', 'supervisor']
            have = {a.user.login for a in Agent.search(
                    [('user.login', 'in', logins)])}
            Agent.create([{
                        'server': server[0].id,
                        'interface': f'PJSIP/{2001 + i}',
                        'extension': str(2001 + i),
                        'user': u.id,
                        } for i, u in enumerate(users)
                    if u.login in logins and u.login not in have
                    and server])
        description = _describe(pool)
        transaction.commit()
    print(_MARKER + json.dumps(description))


if __name__ == '__main__':
    _main(*sys.argv[1:4])
