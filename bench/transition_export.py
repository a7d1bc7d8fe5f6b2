# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Benchmark: the transition export (issue 17, item 10.1.5) of years of
history

Fills a PostgreSQL database with bench/history.py's SQL filling (protocols,
escalations, calls, chat messages…) for each size of --protocols, then runs
the see-transition-export command on it in a process of its own and prints
its time, rows a second and largest resident memory: the memory must not
grow with the size of the tables (rows are read in id-ordered pages).

    .venv/bin/python bench/transition_export.py --protocols 100000 400000

Not part of `make test`: it prints figures, it does not assert them.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault('TRYTOND_DATABASE__URI', 'postgresql:///')
os.environ.setdefault('TRYTOND_DATABASE__UNACCENT_FUNCTION', 'see_unaccent')

import history  # bench/history.py: its filling only
from machine import describe as describe_machine  # bench/machine.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(protocols, years, keep_output):
    from tests.server import TrytonServer, _connect
    server = TrytonServer(modules=['see_atendimento', 'see_sla',
            'see_telefonia', 'see_webchat'], web=False)
    server.start()
    try:
        history.index_unaccented(server)
        options = argparse.Namespace(protocols=protocols, years=years,
            calls=int(protocols * 1.2), messages=protocols // 2)
        start = time.monotonic()
        with _connect(server.database) as conn:
            history.fill(conn, server, options)
            conn.commit()
        print(f'{protocols:,} protocols: filled in '
            f'{time.monotonic() - start:.0f} s', flush=True)
        output = Path(tempfile.mkdtemp()) / 'export'
        start = time.monotonic()
        # GNU time prints the largest resident memory (KiB) of the command
        process = subprocess.run(['/usr/bin/time', '-f', 'maxrss=%M',
                sys.executable, '-m',
                'trytond.modules.see_atendimento.transition_cli',
                '-c', str(server.config_file), '-d', server.database,
                '-o', str(output)], capture_output=True, text=True,
            cwd=ROOT)
        elapsed = time.monotonic() - start
        rss = int(process.stderr.rsplit('maxrss=', 1)[-1].split()[0])
        if process.returncode:
            print(process.stderr)
            raise SystemExit(process.returncode)
        summary = json.loads(process.stdout)
        rows = sum(summary['tables'].values())
        size = sum(f.stat().st_size for f in output.rglob('*')
            if f.is_file())
        print(f'{protocols:,} protocols: exported {rows:,} rows of '
            f'{len(summary["tables"])} tables in {elapsed:.0f} s '
            f'({rows / elapsed:,.0f} rows/s), {size / 2 ** 20:,.0f} MiB, '
            f'largest resident memory {rss / 1024:,.0f} MiB '
            f'(see.protocol {summary["tables"]["see.protocol"]:,}, '
            f'see.call {summary["tables"]["see.call"]:,}, see.chat.message '
            f'{summary["tables"]["see.chat.message"]:,})', flush=True)
        if not keep_output:
            subprocess.run(['rm', '-rf', str(output.parent)], check=True)
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--protocols', type=int, nargs='+',
        default=[100_000, 400_000])
    parser.add_argument('--years', type=int, default=2)
    parser.add_argument('--keep-output', action='store_true')
    options = parser.parse_args()
    print(describe_machine(), flush=True)
    for protocols in options.protocols:
        run(protocols, options.years, options.keep_output)


if __name__ == '__main__':
    main()
