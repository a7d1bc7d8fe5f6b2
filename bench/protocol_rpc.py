#!/usr/bin/env python3
"""Benchmark: concurrent agents creating, escalating and answering protocols.

N client threads on loopback each log in as an agent of their own (a
contact centre's agents do not share logins) and as one of --units users of
the second level, then repeat until the time is up: register a protocol in
attendance, escalate it with its question, and, as the unit, find the
escalation and answer it (its analysis recorded in the same call) — 4
JSON-RPC calls a protocol, the API other systems and the agents' consoles
use (--flow wizard: the web client's form, start button, escalation wizard
and answer button, 9 calls), all through Tryton's public JSON-RPC API
against a PostgreSQL database.
It prints protocols per second and the latency of the calls (p50/p95/p99).

By default it starts its own server with tests/server.py (a fresh
PostgreSQL database that is dropped at the end), served by gunicorn with
--workers processes of --threads threads as docker/Dockerfile does
(--threads 0: synchronous workers), or by trytond's own threaded server
with --workers 0.

    .venv/bin/pip install gunicorn   # once, for --workers > 0
    .venv/bin/python bench/protocol_rpc.py --clients 60 --duration 60

Not part of `make test`: it prints figures, it does not assert them.
"""
import argparse
import base64
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

from machine import describe as describe_machine  # bench/machine.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = 'Carga-Senha-1'


class Client:
    "One keep-alive JSON-RPC connection with a logged-in session"

    def __init__(self, url, database):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.path = f'/{database}/rpc/'
        self.connection = None
        self.authorization = None
        self.timings = defaultdict(list)
        # Seconds to wait for an answer (more for a long poll)
        self.timeout = 60

    def _request(self, body, headers, method='POST', path=None):
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout)
            try:
                self.connection.request(
                    method, path or self.path, body, headers)
                response = self.connection.getresponse()
                data = response.read()
                if response.getheader('Connection', '').lower() == 'close':
                    self.connection.close()
                    self.connection = None
                return response.status, data
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise

    def call(self, method, *params, label=None):
        headers = {'Content-Type': 'application/json'}
        if self.authorization:
            headers['Authorization'] = self.authorization
        body = json.dumps({'id': 1, 'method': method, 'params': params})
        start = time.perf_counter()
        status, data = self._request(body, headers)
        elapsed = time.perf_counter() - start
        if status != 200:
            raise RuntimeError(f'{method}: HTTP {status} {data[:200]!r}')
        answer = json.loads(data)
        if answer.get('error'):
            raise RuntimeError(f'{method}: {answer["error"]}')
        if label:
            self.timings[label].append(elapsed)
        return answer['result']

    def login(self, login, password):
        user_id, token, _ = self.call(
            'common.db.login', login, {'password': password}, 'pt')
        self.authorization = 'Session ' + base64.b64encode(
            f'{login}:{user_id}:{token}'.encode()).decode()


def cycle(agent, unit, service_id, classification_id, number):
    """Register, escalate and answer one protocol with the calls of an
    agent's console and of the second level's: 4 calls"""
    context = {}
    protocol_id, = agent.call('model.see.protocol.create',
        [dict(protocol_values(service_id, classification_id, number),
                state='attending')], context, label='create')
    agent.call('model.see.protocol.escalate_to_see', [protocol_id],
        'Qual a regra?', False, context, label='escalate')
    escalation_id = find_escalation(unit, protocol_id)
    # A new escalation is answered in one move (its analysis recorded)
    unit.call('model.see.protocol.escalation.move', [escalation_id],
        'answered', {'answer': 'A regra é esta.'}, context, label='answer')


def cycle_wizard(agent, unit, service_id, classification_id, number):
    """The same through the web client's form: create, start, the
    escalation wizard's three calls, then the answer written and the button:
    9 calls"""
    context = {}
    protocol_id, = agent.call('model.see.protocol.create',
        [protocol_values(service_id, classification_id, number)], context,
        label='create')
    agent.call('model.see.protocol.start', [protocol_id], context,
        label='start')
    wizard_context = {'active_model': 'see.protocol',
        'active_id': protocol_id, 'active_ids': [protocol_id]}
    session_id, _, _ = agent.call('wizard.see.protocol.escalate.create',
        wizard_context, label='escalate')
    agent.call('wizard.see.protocol.escalate.execute', session_id,
        {'start': {'question': 'Qual a regra?', 'request_kb_update': False}},
        'escalate', wizard_context, label='escalate')
    agent.call('wizard.see.protocol.escalate.delete', session_id,
        wizard_context, label='escalate')
    escalation_id = find_escalation(unit, protocol_id)
    unit.call('model.see.protocol.escalation.analyse', [escalation_id],
        context, label='answer')
    unit.call('model.see.protocol.escalation.write', [escalation_id],
        {'answer': 'A regra é esta.'}, context, label='answer')
    unit.call('model.see.protocol.escalation.answer_', [escalation_id],
        context, label='answer')


def cycle_floor(agent, unit, service_id, classification_id, number):
    """The floor of the framework: 5 calls that each read one field of
    one catalogue record, with the session check, the access rights and
    the record rules of any call, and no write"""
    context = {}
    for client in [agent, agent, agent, unit, unit]:
        client.call('model.see.service.read', [service_id], ['name'],
            context, label='read')


def cycle_floor_call(client, service_id):
    "One call of the floor, timed as 'floor'"
    client.call('model.see.service.read', [service_id], ['name'], {},
        label='floor')


FLOWS = {
    'api': (cycle, 4),
    'wizard': (cycle_wizard, 9),
    'floor': (cycle_floor, 5),
    }


def protocol_values(service_id, classification_id, number):
    "A new requester on each protocol: the costlier case"
    return {
        'requester_name': f'Cidadão {number}',
        'requester_phone': f'+55819{number % 100000000:08d}',
        'service': service_id,
        'classification': classification_id,
        'description': 'Pergunta que a central não sabe responder',
        }


def find_escalation(unit, protocol_id):
    escalation_id, = unit.call('model.see.protocol.escalation.search',
        [('protocol', '=', protocol_id)], 0, 1, None, {}, label='search')
    return escalation_id


def percentile(values, fraction):
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(fraction * len(values)) - 1))
    return values[index]


def create_staff(server, agents, units):
    "Logins (login, password) of agents and second-level users"
    connection = server.proteus('root')
    User = connection.get('res.user')
    Unit = connection.get('see.unit')
    Group = connection.get('res.group')
    groups = {role: [g.id for g in User(server.users[role].id).groups]
        for role in ['agent', 'unit']}
    language = User(server.users['agent'].id).language
    unit = Unit(server.records['unit'])
    staff = {'agent': [], 'unit': []}
    for role, count in [('agent', agents), ('unit', units)]:
        records = []
        for index in range(count):
            login = f'carga-{role}-{index}'
            user = User(login=login, name=f'Carga {role} {index}',
                password=PASSWORD, language=language)
            user.groups.extend(Group(id_) for id_ in groups[role])
            records.append(user)
            staff[role].append((login, PASSWORD))
        User.save(records)
        if role == 'unit':
            unit.users.extend(records)
            unit.save()
    return staff


def run(url, database, staff, service_id, classification_id, clients,
        duration, flow=cycle):
    stop = threading.Event()
    completed = []
    errors = []
    all_clients = []
    ready = threading.Barrier(clients + 1)

    def worker(index):
        agent = Client(url, database)
        unit = Client(url, database)
        all_clients.extend([agent, unit])
        try:
            agent.login(*staff['agent'][index % len(staff['agent'])])
            unit.login(*staff['unit'][index % len(staff['unit'])])
        except Exception as exception:
            errors.append(repr(exception))
            ready.abort()
            return
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            return
        count = 0
        while not stop.is_set():
            start = time.perf_counter()
            try:
                flow(agent, unit, service_id, classification_id,
                    index * 1000000 + count)
            except Exception as exception:
                errors.append(repr(exception))
                continue
            completed.append(time.perf_counter() - start)
            count += 1
            if flow is not cycle_floor:
                # The floor under the same load, to compare each call with
                try:
                    cycle_floor_call(agent, service_id)
                except Exception as exception:
                    errors.append(repr(exception))

    threads = [threading.Thread(target=worker, args=(i,), daemon=True)
        for i in range(clients)]
    for thread in threads:
        thread.start()
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        raise RuntimeError(f'a client could not log in: {errors[:1]}')
    print(f'logged in; measuring for {duration} s…', flush=True)
    start = time.perf_counter()
    time.sleep(duration)
    stop.set()
    for thread in threads:
        thread.join(120)
    elapsed = time.perf_counter() - start
    timings = defaultdict(list)
    for client in all_clients:
        for label, values in client.timings.items():
            timings[label].extend(values)
    return completed, timings, errors, elapsed


def catalogue_ids(server):
    (service_id,), = server.query(
        'SELECT id FROM see_service WHERE id = %s',
        (server.records['service'],))
    (classification_id,), = server.query(
        "SELECT id FROM see_classification WHERE code = 'SEEPE'")
    return service_id, classification_id


def start_gunicorn(server, workers, threads=0, active=0):
    """Serve the fixture's database with gunicorn workers on another port,
    with threads as in production (docker/Dockerfile) or synchronous, and
    at most active requests at once in each (0: no limit)"""
    from tests.server import _free_port, limited_config
    port = _free_port()
    env = os.environ.copy()
    env['TRYTOND_CONFIG'] = (limited_config(server.config_file, active)
        if active else server.config_file)
    env['TRYTOND_DATABASE_NAMES'] = server.database
    env['TRYTOND_DATABASE__URI'] = os.environ.get(
        'TRYTOND_DATABASE__URI', 'postgresql:///')
    # As config/production.conf: workers clear each other's caches through
    # PostgreSQL notifications, not by updating a row of ir_cache, and
    # keep 16 connections each (TRYTOND_DATABASE__MAXCONN to try another)
    env['TRYTOND_CACHE__CLEAN_TIMEOUT'] = '0'
    env.setdefault('TRYTOND_DATABASE__MAXCONN', '16')
    worker_class = (['--worker-class', 'gthread', '--threads', str(threads)]
        if threads else [])
    process = subprocess.Popen([Path(sys.executable).parent / 'gunicorn',
            '--workers', str(workers), *worker_class,
            '--bind', f'127.0.0.1:{port}',
            '--timeout', '120', '--log-level', 'warning',
            'trytond.application:app'], env=env, cwd=ROOT)
    url = f'http://127.0.0.1:{port}/'
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        probe = Client(url, server.database)
        probe.path = '/rpc/'
        try:
            probe.call('common.server.version')
            return process, url
        except (OSError, RuntimeError):
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError('gunicorn did not answer')


def memory_of(pid):
    "Resident memory in MiB of a process and its children"
    try:
        output = subprocess.run(['ps', '-o', 'rss=', '--ppid', str(pid),
                '-p', str(pid)], capture_output=True, text=True).stdout
        return sum(int(x) for x in output.split()) / 1024
    except (OSError, ValueError):
        return float('nan')


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--clients', type=int, default=60)
    parser.add_argument('--duration', type=float, default=60,
        help="seconds of measurement (default 60)")
    parser.add_argument('--units', type=int, default=6,
        help="second-level users answering escalations (default 6)")
    parser.add_argument('--flow', choices=sorted(FLOWS), default='api',
        help="api: registered in attendance, one-call escalation and "
        "answer (4 calls a protocol; "
        "default); wizard: the web client's wizard (9 calls); floor: 5 "
        "reads of one field, what the server costs before any work")
    parser.add_argument('--threads', type=int, default=100,
        help="threads of each gunicorn worker, as docker/Dockerfile serves "
        "(default 100); 0 for synchronous workers")
    parser.add_argument('--active', type=int, default=2,
        help="requests each worker runs at once, the others queued, long "
        "polls apart, as config/production.conf (default 2); 0: no limit")
    parser.add_argument('--workers', type=int, default=2,
        help="gunicorn worker processes; 0 for trytond's own server")
    options = parser.parse_args()

    print(describe_machine(), flush=True)
    from tests.server import TrytonServer
    server = TrytonServer(modules=['see_atendimento'], web=False)
    print('preparing the database…', flush=True)
    server.start()
    gunicorn = None
    try:
        url = server.url
        pid = server._process.pid
        if options.workers:
            gunicorn, url = start_gunicorn(server, options.workers,
                options.threads, options.active)
            pid = gunicorn.pid
        staff = create_staff(server, options.clients, options.units)
        service_id, classification_id = catalogue_ids(server)
        # A short warm-up fills the caches of every worker
        flow, calls_per_protocol = FLOWS[options.flow]
        run(url, server.database, staff, service_id, classification_id,
            min(options.clients, 4), 3, flow)
        completed, timings, errors, elapsed = run(url, server.database,
            staff, service_id, classification_id, options.clients,
            options.duration, flow)
        memory = memory_of(pid)
        (stored,), = server.query(
            "SELECT count(*) FROM see_protocol WHERE state = 'answered'")
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait()
        server.stop()

    # The floor calls interleaved with the flow's are not the flow's
    floor = timings.pop('floor', None) or timings.get('read')
    calls = [t for values in timings.values() for t in values]
    print(f'flow: {options.flow}')
    server_kind = (f'gunicorn, {options.workers} workers, '
        + (f'{options.threads} threads each' if options.threads
            else 'synchronous')
        + (f', {options.active} requests at once'
            if options.active else '')
        if options.workers
        else 'trytond threaded server')
    print(f'clients: {options.clients}, measured: {elapsed:.1f} s, '
        f'server: {server_kind}, PostgreSQL')
    if options.flow == 'floor':
        print(f'cycles of 5 reads: {len(completed)} '
            f'({len(completed) / elapsed:.1f}/s)')
    else:
        print(f'protocols created, escalated and answered: {len(completed)} '
            f'({len(completed) / elapsed:.1f}/s; {stored} answered in the '
            'database including warm-up)')
    print(f'JSON-RPC calls: {len(calls)} ({len(calls) / elapsed:.0f}/s)')
    if calls:
        print(f'call latency: p50 {percentile(calls, .5) * 1000:.0f} ms, '
            f'p95 {percentile(calls, .95) * 1000:.0f} ms, '
            f'p99 {percentile(calls, .99) * 1000:.0f} ms')
    if floor:
        floor50, floor95 = percentile(floor, .5), percentile(floor, .95)
        print(f'floor (read 1 field, same run): n={len(floor)} p50 '
            f'{floor50 * 1000:.0f} ms, p95 {floor95 * 1000:.0f} ms; '
            'each call below: p50 and p95, and their ratios to the floor\'s')
    for label in ['create', 'start', 'escalate', 'search', 'analyse',
            'answer', 'read']:
        values = timings.get(label)
        if values:
            p50, p95 = percentile(values, .5), percentile(values, .95)
            ratio = (f'  ×{p50 / floor50:4.1f}  ×{p95 / floor95:4.1f}'
                if floor else '')
            print(f'  {label:9} n={len(values):6} '
                f'p50 {p50 * 1000:6.0f} ms  '
                f'p95 {p95 * 1000:6.0f} ms{ratio}')
    if completed:
        print(f'whole cycle ({calls_per_protocol} calls): p50 '
            f'{statistics.median(completed) * 1000:.0f} ms, '
            f'p95 {percentile(completed, .95) * 1000:.0f} ms')
    print(f'server memory (RSS): {memory:.0f} MiB')
    if errors:
        print(f'errors: {len(errors)}; first: {errors[0]}')
    return 1 if errors and not completed else 0


if __name__ == '__main__':
    sys.exit(main())
