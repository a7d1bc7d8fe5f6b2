#!/usr/bin/env python3
# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The table of the rights of every role: tests/rights.csv and the README

tests/rights.csv is the one table of what each role may do on each model
of the project (and on the Tryton models that hold personal data), on each
button and on each RPC method of its own. tests/test_rights_matrix.py
compares it with what a real server grants; this script shows it in the
README between the markers ``<!-- rights-table -->`` and
``<!-- /rights-table -->``.

    python scripts/rights_table.py           # print the Markdown table
    python scripts/rights_table.py --write   # update README.md
    python scripts/rights_table.py --check   # exit 1 if README.md differs

Cells of a model row: letters ``r`` (read), ``c`` (create), ``w`` (write),
``d`` (delete), in that order; ``r*`` reads only some records (a record
rule: one's own, one's unit's…); empty: nothing. Button and method rows:
``x`` when the role may call it. Rows of kind ``form`` are wizard and
context forms with no storage: nothing to grant.
"""
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CSV = ROOT / 'tests' / 'rights.csv'
README = ROOT / 'README.md'
BEGIN, END = '<!-- rights-table -->', '<!-- /rights-table -->'
ROLES = ['agent', 'agent2', 'unit', 'supervisor', 'auditor',
    'contract_manager', 'fiscal', 'admin', 'integration', 'reception',
    'desk_agent', 'site_supervisor', 'reviewer', 'review_supervisor', 'dpo']
# The column titles: the logins of the test and demo users
TITLES = {
    'agent': 'atendente', 'agent2': 'atendente2', 'unit': 'unidade',
    'supervisor': 'supervisor', 'auditor': 'auditor',
    'contract_manager': 'gestor', 'fiscal': 'fiscal', 'admin': 'admin',
    'integration': 'integracao', 'reception': 'recepcao',
    'desk_agent': 'guiche', 'site_supervisor': 'supervisor-unidade',
    'reviewer': 'analista', 'review_supervisor': 'supervisor-analise',
    'dpo': 'encarregado',
    }
KINDS = {'stored', 'query', 'form', 'button', 'method'}


def load(path=CSV):
    "The rows of the table: dicts with key, kind and a cell per role"
    with open(path, newline='', encoding='utf-8') as file:
        lines = [line for line in file
            if line.strip() and not line.startswith('#')]
    rows = list(csv.DictReader(lines))
    for row in rows:
        if row['kind'] not in KINDS:
            raise ValueError(f"{path}: unknown kind {row['kind']!r} "
                f"of {row['key']}")
        for role in ROLES:
            row[role] = (row.get(role) or '').strip()
    return rows


def markdown(rows):
    "The Markdown table of rows"
    lines = [
        '| modelo / model | ' + ' | '.join(TITLES[r] for r in ROLES) + ' |',
        '| --- |' + ' :-: |' * len(ROLES),
        ]
    # Each model followed by its buttons and methods (in the file, the
    # key order puts see.site:close_day after see.site.service)
    rows = sorted(rows, key=lambda row: (
            row['key'].split(':', 1)[0], ':' in row['key'], row['key']))
    for row in rows:
        key = row['key']
        if row['kind'] == 'button':
            key = '↳ botão / button `' + key.split(':', 1)[1] + '`'
        elif row['kind'] == 'method':
            key = '↳ RPC `' + key.split(':', 1)[1] + '`'
        else:
            key = f'`{key}`'
            if row['kind'] == 'form':
                key += ' (form)'
            elif row['kind'] == 'query':
                key += ' (query)'
        cells = [row[r] if row[r] else '·' for r in ROLES]
        if row['kind'] == 'form':
            cells = ['' for r in ROLES]
        lines.append(f'| {key} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def readme_table(text):
    "The table between the markers of the README text (None without them)"
    if BEGIN not in text or END not in text:
        return None
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip('\n') + '\n'


def write_readme(table):
    text = README.read_text(encoding='utf-8')
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f'{head}{BEGIN}\n{table}{END}{tail}', encoding='utf-8')


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    table = markdown(load())
    if '--write' in args:
        write_readme(table)
    elif '--check' in args:
        if readme_table(README.read_text(encoding='utf-8')) != table:
            print("README.md: the rights table differs from tests/rights.csv;"
                " run `python scripts/rights_table.py --write`",
                file=sys.stderr)
            return 1
    else:
        sys.stdout.write(table)
    return 0


if __name__ == '__main__':
    sys.exit(main())
