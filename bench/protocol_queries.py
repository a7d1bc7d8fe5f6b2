#!/usr/bin/env python3
"""Benchmark: SQL queries and time of each call of the API agent flow.

One client, in this process: trytond's WSGI application is called through
werkzeug's test client (no HTTP, no other thread), on a fresh PostgreSQL
database made by tests/server.py, and every query psycopg sends is counted.
The number of queries of a call does not depend on the load of the machine,
unlike its time; both are printed next to the floor (a read of one field of
a service: the session check, the access rights and the rules of any call).

    .venv/bin/python bench/protocol_queries.py --cycles 30

Not part of `make test`: it prints figures, it does not assert them.
"""
import argparse
import base64
import collections
import json
import os
import sys
import time
from pathlib import Path

import protocol_rpc  # bench/protocol_rpc.py: the flows and their values

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Client:
    "A logged-in session calling the application in this process"

    def __init__(self, application, database, counter, stats):
        from werkzeug.test import Client as TestClient
        self.client = TestClient(application)
        self.path = f'/{database}/rpc/'
        self.counter = counter
        self.stats = stats
        self.authorization = None

    def call(self, method, *params, label=None):
        headers = {'Content-Type': 'application/json'}
        if self.authorization:
            headers['Authorization'] = self.authorization
        before = self.counter[0]
        start = time.perf_counter()
        response = self.client.post(self.path, headers=headers,
            data=json.dumps({'id': 1, 'method': method, 'params': params}))
        elapsed = time.perf_counter() - start
        answer = json.loads(response.data)
        if answer.get('error'):
            raise RuntimeError(f'{method}: {answer["error"]}')
        if label:
            self.stats[label].append((self.counter[0] - before, elapsed))
        return answer['result']

    def login(self, login, password):
        user_id, token, _ = self.call(
            'common.db.login', login, {'password': password}, 'pt')
        self.authorization = 'Session ' + base64.b64encode(
            f'{login}:{user_id}:{token}'.encode()).decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--cycles', type=int, default=30,
        help="protocols of the api flow measured (default 30)")
    options = parser.parse_args()

    from tests.server import TrytonServer
    server = TrytonServer(modules=['see_atendimento'], web=False)
    print('preparing the database…', flush=True)
    server.start()
    try:
        staff = protocol_rpc.create_staff(server, 1, 1)
        service_id, classification_id = protocol_rpc.catalogue_ids(server)
        # As config/production.conf; the application reads them at import
        os.environ['TRYTOND_CONFIG'] = server.config_file
        os.environ['TRYTOND_CACHE__CLEAN_TIMEOUT'] = '0'
        os.environ['TRYTOND_DATABASE_NAMES'] = server.database
        import psycopg
        from trytond.application import app

        counter = [0]
        execute = psycopg.Cursor.execute

        def counted(cursor, *args, **kwargs):
            counter[0] += 1
            return execute(cursor, *args, **kwargs)
        psycopg.Cursor.execute = counted
        stats = collections.defaultdict(list)
        agent = Client(app, server.database, counter, stats)
        unit = Client(app, server.database, counter, stats)
        agent.login(*staff['agent'][0])
        unit.login(*staff['unit'][0])

        def cycles(count, first):
            for number in range(first, first + count):
                protocol_rpc.cycle(agent, unit, service_id,
                    classification_id, number)
                protocol_rpc.cycle_floor_call(agent, service_id)
        # The caches of the process filled first
        cycles(10, 0)
        stats.clear()
        cycles(options.cycles, 1000)
    finally:
        server.stop()

    def mean(values):
        return sum(values) / len(values)
    floor_queries = mean([q for q, _ in stats['floor']])
    floor_time = mean([t for _, t in stats['floor']])
    print(f'api flow, one client, {options.cycles} protocols; '
        'per call: SQL queries, mean time, and their ratios to the floor')
    total_queries = total_time = 0
    for label, values in stats.items():
        queries = mean([q for q, _ in values])
        elapsed = mean([t for _, t in values])
        if label != 'floor':
            total_queries += queries
            total_time += elapsed
        print(f'  {label:9} {queries:5.1f} queries ×{queries / floor_queries:4.1f}'
            f'  {elapsed * 1000:6.1f} ms ×{elapsed / floor_time:4.1f}')
    print(f'  a protocol: {total_queries:.0f} queries, '
        f'{total_time * 1000:.0f} ms')


if __name__ == '__main__':
    sys.exit(main())
