#!/usr/bin/env python3
"""Benchmark: what the personal-data access log adds to a protocol form read.

An agent opens protocol forms over JSON-RPC: each read asks for the fields
of the protocol's form view, the requester's among them, so each one writes
a row of see.data.access.log (in a transaction of its own). Two trytond
processes serve the same database, one as configured (log on) and one with
``[see_atendimento] access_log = False``; the reads alternate between them
in rounds, so both see the same load of this shared machine. It prints the
latency of a form read both ways (p50/p95) and the difference.

    .venv/bin/python bench/access_log.py --protocols 50 --reads 1000

It starts its own server with tests/server.py (a fresh PostgreSQL database
dropped at the end). Not part of `make test`: it prints figures, it does
not assert them.
"""
import argparse
import sys
import time
from pathlib import Path

from machine import describe as describe_machine  # bench/machine.py
from protocol_rpc import (  # bench/protocol_rpc.py
    Client, catalogue_ids, create_staff, percentile, protocol_values)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def form_fields(client):
    "The fields the web client reads to show a protocol's form"
    view = client.call('model.see.protocol.fields_view_get', None, 'form',
        {})
    return sorted(view['fields'])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--protocols', type=int, default=50,
        help="protocols registered, then read in turn (default 50)")
    parser.add_argument('--reads', type=int, default=1000,
        help="form reads each way (default 1000)")
    parser.add_argument('--round', type=int, default=50,
        help="reads in a row on one server before switching (default 50)")
    options = parser.parse_args()

    print(describe_machine(), flush=True)
    from tests.server import TrytonServer
    server = TrytonServer(modules=['see_atendimento'], web=False)
    print('preparing the database…', flush=True)
    server.start()
    try:
        server.serve_env['TRYTOND_SEE_ATENDIMENTO__ACCESS_LOG'] = 'False'
        unlogged_url = server.serve_another()
        staff = create_staff(server, 1, 1)
        service_id, classification_id = catalogue_ids(server)
        clients = {}
        for name, url in [('log on', server.url),
                ('log off', unlogged_url)]:
            clients[name] = Client(url, server.database)
            clients[name].login(*staff['agent'][0])
        agent = clients['log on']
        ids = agent.call('model.see.protocol.create', [
                protocol_values(service_id, classification_id, n)
                for n in range(options.protocols)], {})
        names = form_fields(agent)
        (before,), = server.query('SELECT count(*) FROM see_data_access_log')
        # Warm-up: the caches of both processes
        for client in clients.values():
            for id_ in ids[:10]:
                client.call('model.see.protocol.read', [id_], names, {})
            client.timings.clear()
        done = 0
        while done < options.reads:
            for name, client in clients.items():
                for n in range(options.round):
                    client.call('model.see.protocol.read',
                        [ids[(done + n) % len(ids)]], names, {},
                        label='read')
            done += options.round
        (after,), = server.query('SELECT count(*) FROM see_data_access_log')
    finally:
        server.stop()

    print(f'form reads of a protocol ({len(names)} fields) by one agent, '
        f'trytond threaded server, PostgreSQL, {done} reads each way in '
        f'rounds of {options.round}')
    print(f'access-log rows written: {after - before} '
        f'(the warm-up included)')
    figures = {}
    for name, client in clients.items():
        values = client.timings['read']
        figures[name] = (percentile(values, .5), percentile(values, .95))
        print(f'  {name:8} p50 {figures[name][0] * 1000:6.2f} ms  '
            f'p95 {figures[name][1] * 1000:6.2f} ms')
    on, off = figures['log on'], figures['log off']
    print(f'the log adds: p50 {(on[0] - off[0]) * 1000:+.2f} ms '
        f'({(on[0] / off[0] - 1) * 100:+.0f}%), '
        f'p95 {(on[1] - off[1]) * 1000:+.2f} ms')
    return 0


if __name__ == '__main__':
    start = time.monotonic()
    code = main()
    print(f'(ran in {time.monotonic() - start:.0f} s)')
    sys.exit(code)
