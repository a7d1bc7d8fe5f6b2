# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Export every record of a database for the transition (item 10.1.5)

    see-transition-export -c trytond.conf -d DATABASE -o DIR [--zip]
        [--contract NUMBER] [--user LOGIN]

Writes DIR (or DIR.zip): a CSV and a JSON-lines file per model,
schema.json, manifest.json, SHA256SUMS and files/. With --contract, the
contract's transition export date is set when the export completes. The
export is recorded in the personal-data access log as done by --user
(default admin)."""
import argparse
import json
import os
import sys


def parse(argv=None):
    parser = argparse.ArgumentParser(prog='see-transition-export',
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-c', '--config',
        default=os.environ.get('TRYTOND_CONFIG'),
        help="trytond configuration file (default: $TRYTOND_CONFIG)")
    parser.add_argument('-d', '--database', required=True)
    parser.add_argument('-o', '--output', required=True,
        help="directory to create (absent or empty)")
    parser.add_argument('--zip', action='store_true',
        help="write OUTPUT.zip instead of the directory")
    parser.add_argument('--contract',
        help="number of the contract whose transition export this is")
    parser.add_argument('--user', default='admin',
        help="login recorded in the access log (default: admin)")
    return parser.parse_args(argv)


def run(database, output, zip_=False, contract=None, login='admin'):
    "Export database to output in a transaction of its own; the manifest"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    # Pool() registers the name: ask before (a test's pool is ready)
    ready = database in Pool.database_list()
    pool = Pool(database)
    if not ready:
        pool.init()
    with Transaction().start(database, 0, readonly=True) as transaction:
        User = pool.get('res.user')
        users = User.search([('login', '=', login)])
        if not users:
            raise SystemExit("no user with login %r" % login)
        user, = users
        with transaction.set_user(user.id):
            context = User.get_preferences(context_only=True)
    with Transaction().start(database, user.id, context=context) as \
            transaction:
        Export = pool.get('see.transition.export')
        options = {'zip': zip_}
        if contract:
            options['contract_number'] = contract
        manifest = Export.export(output, options)
        transaction.commit()
    return manifest


def main(argv=None):
    args = parse(argv)
    from trytond import config
    if args.config:
        config.update_etc(args.config)
    manifest = run(args.database, args.output, zip_=args.zip,
        contract=args.contract, login=args.user)
    summary = {
        'path': manifest['path'],
        'tables': {t['model']: t['rows'] for t in manifest['tables']},
        'files': sum(t.get('files_index', {}).get('rows', 0)
            for t in manifest['tables']),
        }
    if manifest.get('contract'):
        summary['contract'] = manifest['contract']
    json.dump(summary, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
