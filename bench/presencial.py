#!/usr/bin/env python3
"""Benchmark: in-person sites calling tickets while their TV panels wait.

--sites service sites of --desks desks each, every desk with an agent of
its own (group "In-Person Desk Agent"), and tickets issued beforehand at
every site (--tickets each, one in five with a legal priority). Each desk
is a thread on its own keep-alive connection that repeats until the time is
up: call the next ticket (the desk's "Call Next" button over JSON-RPC, as
the web client and other systems call it), read the desk's current ticket,
mark it a no-show (the sites ask for one call) — 3 calls a cycle. Each site
has one calling panel: a thread long-polling the panel's route
(``/<database>/see_presencial/panel/calls``, with the token of a device of
kind panel) on its own connection, which notes when each call arrives.

Then the floor of the same server under the same load: the same desk
threads make 3 reads of one field of their site a cycle (the session
check, the access rights and the record rules of any call, no write, as
``bench/protocol_rpc.py --flow floor``), the panels still waiting.

It prints the calls per second, the latency of the call RPC, the latency
from the call sent to its arrival on the site's panel (p50/p95/p99), the
calls that never reached their panel (must be none), the floor's calls per
second and latency, and the ratio of the call-to-panel p95 to the floor's
p95 against the aim (2×). Both phases start with a warm-up that is not
measured.

It starts its own server with tests/server.py (a fresh PostgreSQL database
with see_presencial, dropped at the end), served by gunicorn as
bench/protocol_rpc.py does (--workers processes of --threads threads, at
most --active requests at once each, the panels' long polls apart).

    .venv/bin/pip install gunicorn   # once
    .venv/bin/python bench/presencial.py --sites 30 --desks 10 --duration 30

Not part of `make test`: it prints figures, it does not assert them.
"""
import argparse
import json
import os
import random
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from figures import quantiles  # bench/figures.py
from machine import describe as describe_machine  # bench/machine.py
from protocol_rpc import (  # bench/protocol_rpc.py
    ROOT, Client, memory_of, percentile, start_gunicorn)

PASSWORD = 'Carga-Senha-1'
RECEPTION = 'carga-recepcao'
AIM = 2
CALLS_PER_CYCLE = 3
# Seconds the panels get to receive the last calls after the desks stop
GRACE = 10


class Sites:
    "The sites, desks, agents, panels and tickets of the load"

    def __init__(self, server, sites, desks, tickets):
        self.server = server
        self.sites = []  # [{id, desks: [(desk id, login)], token}]
        started = time.perf_counter()
        self._create(sites, desks)
        created = time.perf_counter()
        self._issue(tickets)
        print(f'sites, desks and agents in {created - started:.0f} s, '
            f'tickets in {time.perf_counter() - created:.0f} s', flush=True)

    def _create(self, sites, desks):
        "By batches over JSON-RPC, as the administrator"
        from tests.server import password
        server = self.server
        groups = dict(server.query("SELECT fs_id, db_id FROM ir_model_data "
            "WHERE module = 'see_presencial' "
            "AND fs_id IN ('group_desk_agent', 'group_reception')"))
        (language,), = server.query(
            "SELECT id FROM ir_lang WHERE code = %s", (server.language,))
        admin = Client(server.url, server.database)
        # Hashing the passwords of hundreds of users takes minutes
        admin.timeout = 900
        admin.login(server.users['admin'].login, password('admin'))
        self.service_id = service_id = server.records['service']

        def users(values):
            return admin.call('model.res.user.create', [dict(v,
                        password=PASSWORD, language=language)
                    for v in values], {})
        reception_id, = users([{'login': RECEPTION, 'name': 'Carga Recepção',
                    'groups': [('add', [groups['group_reception']])]}])
        site_ids = admin.call('model.see.site.create', [{
                    'name': f'Unidade {index + 1:02d}',
                    'code': f'U{index + 1:02d}',
                    'no_show_calls': 1,
                    'services': [('create', [{
                                    'service': service_id,
                                    'prefix': 'MAT'}])],
                    'receptionists': [('add', [reception_id])],
                    } for index in range(sites)], {})
        logins = [[f'carga-guiche-{s + 1:02d}-{d + 1:02d}'
                for d in range(desks)] for s in range(sites)]
        user_ids = users([{'login': login, 'name': f'Carga {login}',
                    'groups': [('add', [groups['group_desk_agent']])]}
                for site_logins in logins for login in site_logins])
        desk_ids = admin.call('model.see.site.desk.create', [{
                    'site': site_id,
                    'name': f'Guichê {d + 1}',
                    'number': d + 1,
                    'services': [('add', [service_id])],
                    'agents': [('add', [user_ids[s * desks + d]])],
                    } for s, site_id in enumerate(site_ids)
                for d in range(desks)], {})
        device_ids = admin.call('model.see.device.create', [{
                    'name': f'Painel U{s + 1:02d}',
                    'kind': 'panel',
                    'site': site_id,
                    } for s, site_id in enumerate(site_ids)], {})
        for s, (site_id, device_id) in enumerate(zip(site_ids, device_ids)):
            self.sites.append({
                    'id': site_id,
                    'desks': list(zip(desk_ids[s * desks:(s + 1) * desks],
                            logins[s])),
                    'token': issue_token(admin, device_id),
                    })

    def _issue(self, tickets):
        "Tickets of every site, issued by batches as reception would"
        (priority_id,), = self.server.query(
            "SELECT id FROM see_ticket_priority WHERE code = 'IDOSO60'")
        reception = Client(self.server.url, self.server.database)
        reception.login(RECEPTION, PASSWORD)
        for site in self.sites:
            reception.call('model.see.ticket.create', [{
                        'site': site['id'],
                        'service': self.service_id,
                        'priority': priority_id if i % 5 == 4 else None,
                        } for i in range(tickets)], {})


def issue_token(admin, device_id):
    "The token of a device, through the wizard of its button"
    context = {'active_model': 'see.device', 'active_id': device_id,
        'active_ids': [device_id]}
    session_id, state, _ = admin.call(
        'wizard.see.device.token.create', context)
    shown = admin.call('wizard.see.device.token.execute', session_id, {},
        state, context)
    admin.call('wizard.see.device.token.delete', session_id, context)
    return shown['view']['defaults']['token']


class Load:
    "The desks' threads and the panels' threads on one server"

    def __init__(self, url, database, sites):
        self.url, self.database, self.sites = url, database, sites
        self.desks = []  # [(site, desk id, client)]
        self.arrivals = {}  # ticket id -> time its call reached its panel
        self.panel_errors = []
        self.stop_panels = threading.Event()

    def login(self):
        "Log every desk's agent in, on a connection of its own"
        def login(args):
            site, desk_id, login = args
            client = Client(self.url, self.database)
            client.login(login, PASSWORD)
            return site, desk_id, client
        work = [(site, desk_id, login) for site in self.sites
            for desk_id, login in site['desks']]
        with ThreadPoolExecutor(8) as pool:
            self.desks = list(pool.map(login, work))

    def start_panels(self):
        self.panel_threads = [threading.Thread(target=self._panel,
                args=(site,), daemon=True) for site in self.sites]
        for thread in self.panel_threads:
            thread.start()

    def _panel(self, site):
        "A TV panel: the initial state, then long polls; notes arrivals"
        client = Client(self.url, self.database)
        client.timeout = 120  # beyond [see_presencial] panel_wait
        headers = {'X-Device-Token': site['token']}
        path = f'/{self.database}/see_presencial/panel/calls'
        last = None
        while not self.stop_panels.is_set():
            query = '' if last is None else '?' + urllib.parse.urlencode(
                {'last': last})
            try:
                status, data = client._request(
                    None, headers, method='GET', path=path + query)
            except OSError as exception:
                if self.stop_panels.is_set():
                    return
                self.panel_errors.append(repr(exception))
                time.sleep(1)
                continue
            arrived = time.perf_counter()
            if status != 200:
                self.panel_errors.append(f'HTTP {status} {data[:200]!r}')
                time.sleep(1)
                continue
            answer = json.loads(data)
            if last is not None:
                for call in answer['calls']:
                    ticket_id = int(call['key'].split(':')[0])
                    self.arrivals.setdefault(ticket_id, arrived)
            last = answer['last']

    def run(self, cycle, duration, warmup, pause=0):
        """Run cycle(site, desk_id, client, records, errors) on every desk
        for warmup then duration seconds; return the records of the cycles
        started in the measured window, the errors and the window; each
        desk waits pause seconds between its cycles (the attendance)"""
        stop = threading.Event()
        records, errors = [], []

        def worker(site, desk_id, client):
            if pause:
                # Desks spread over the pause, not all at once
                stop.wait(random.uniform(0, pause))
            while not stop.is_set():
                cycle(site, desk_id, client, records, errors)
                if pause:
                    stop.wait(pause)

        threads = [threading.Thread(target=worker, args=desk, daemon=True)
            for desk in self.desks]
        for thread in threads:
            thread.start()
        time.sleep(warmup)
        start = time.perf_counter()
        time.sleep(duration)
        end = time.perf_counter()
        stop.set()
        for thread in threads:
            thread.join(120)
        measured = [r for r in records if start <= r['sent'] < end]
        return measured, errors, end - start


def call_cycle(site, desk_id, client, records, errors):
    """Call the next ticket at the desk, find it, mark it a no-show: the
    desk is free for the next call"""
    sent = time.perf_counter()
    try:
        client.call('model.see.site.desk.call_next', [desk_id], {})
        called = time.perf_counter()
        (desk,) = client.call('model.see.site.desk.read', [desk_id],
            ['current_ticket'], {})
        read = time.perf_counter()
        ticket_id = desk['current_ticket']
        client.call('model.see.ticket.no_show', [ticket_id], {})
        freed = time.perf_counter()
    except Exception as exception:
        errors.append(repr(exception))
        # An empty queue or a lost race: not in a tight loop
        time.sleep(0.5)
        free_desk(client, desk_id)
        return
    records.append({'sent': sent, 'ticket': ticket_id, 'site': site['id'],
            'rpc': [called - sent, read - called, freed - read],
            'cycle': freed - sent})


def free_desk(client, desk_id):
    "After a failure: the desk's ticket, if any, is a no-show"
    try:
        (desk,) = client.call('model.see.site.desk.read', [desk_id],
            ['current_ticket'], {})
        if desk['current_ticket']:
            client.call('model.see.ticket.no_show',
                [desk['current_ticket']], {})
    except Exception:
        pass


def floor_cycle(site, desk_id, client, records, errors):
    "As many trivial reads as a call cycle has calls"
    sent = time.perf_counter()
    rpc = []
    try:
        for _ in range(CALLS_PER_CYCLE):
            start = time.perf_counter()
            client.call('model.see.site.read', [site['id']], ['name'], {})
            rpc.append(time.perf_counter() - start)
    except Exception as exception:
        errors.append(repr(exception))
        return
    records.append({'sent': sent, 'rpc': rpc,
            'cycle': time.perf_counter() - sent})


def wait_arrivals(load, records, grace):
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if all(r['ticket'] in load.arrivals for r in records):
            return
        time.sleep(0.1)


def print_errors(label, errors):
    if not errors:
        return
    counts = {}
    for error in errors:
        counts[error[:160]] = counts.get(error[:160], 0) + 1
    print(f'{label} errors: {len(errors)}')
    for error, count in sorted(counts.items(), key=lambda i: -i[1])[:5]:
        print(f'  {count:5} × {error}')


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--sites', type=int, default=30)
    parser.add_argument('--desks', type=int, default=10,
        help="desks of each site, each with its agent (default 10)")
    parser.add_argument('--tickets', type=int, default=150,
        help="tickets issued beforehand at each site (default 150)")
    parser.add_argument('--duration', type=float, default=30,
        help="seconds of measurement of each phase (default 30)")
    parser.add_argument('--warmup', type=float, default=5,
        help="seconds before each phase's measurement (default 5)")
    parser.add_argument('--pause', type=float, default=0,
        help="seconds each desk waits after a cycle, as if attending, in "
        "both phases (default 0: desks call without a pause, the most load)")
    parser.add_argument('--workers', type=int, default=2,
        help="gunicorn worker processes (default 2)")
    parser.add_argument('--threads', type=int, default=100,
        help="threads of each gunicorn worker, as docker/Dockerfile serves "
        "(default 100)")
    parser.add_argument('--active', type=int, default=2,
        help="requests each worker runs at once, the others queued, long "
        "polls apart, as config/production.conf (default 2); 0: no limit")
    options = parser.parse_args()

    print(describe_machine(), flush=True)
    print('load average before: %.2f %.2f %.2f' % os.getloadavg(),
        flush=True)
    sys.path.insert(0, str(ROOT))
    from tests.server import TrytonServer
    server = TrytonServer(modules=['see_presencial'], web=False)
    print('preparing the database…', flush=True)
    server.start()
    gunicorn = None
    try:
        gunicorn, url = start_gunicorn(server, options.workers,
            options.threads, options.active)
        started = time.perf_counter()
        sites = Sites(server, options.sites, options.desks,
            options.tickets)
        print(f'{options.sites} sites, {options.sites * options.desks} '
            f'desks and agents, {options.sites * options.tickets} tickets '
            f'in {time.perf_counter() - started:.0f} s', flush=True)
        load = Load(url, server.database, sites.sites)
        load.login()
        load.start_panels()
        print(f'logged in; calls: warm-up {options.warmup:.0f} s, '
            f'measuring {options.duration:.0f} s…', flush=True)
        calls, call_errors, call_time = load.run(
            call_cycle, options.duration, options.warmup, options.pause)
        wait_arrivals(load, calls, GRACE)
        arrivals = dict(load.arrivals)
        print(f'floor: warm-up {options.warmup:.0f} s, measuring '
            f'{options.duration:.0f} s…', flush=True)
        floor, floor_errors, floor_time = load.run(
            floor_cycle, options.duration, options.warmup, options.pause)
        load.stop_panels.set()
        memory = memory_of(gunicorn.pid)
        (waiting,), = server.query(
            "SELECT count(*) FROM see_ticket WHERE state = 'waiting'")
        load_average = os.getloadavg()
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait()
        server.stop()

    desks = options.sites * options.desks
    print(f'sites: {options.sites}, desks: {desks}, panels: '
        f'{options.sites}; server: gunicorn, {options.workers} workers, '
        f'{options.threads} threads each'
        + (f'; desks pause {options.pause:g} s between cycles'
            if options.pause else '')
        + (f', {options.active} requests at once' if options.active else '')
        + ', PostgreSQL')
    print('— calls (call next, read the desk, no-show: '
        f'{CALLS_PER_CYCLE} calls a cycle)')
    print(f'measured: {call_time:.1f} s; tickets called: {len(calls)} '
        f'({len(calls) / call_time:.1f}/s); JSON-RPC calls: '
        f'{len(calls) * CALLS_PER_CYCLE / call_time:.0f}/s; still waiting '
        f'at the end: {waiting}')
    reached = [arrivals[r['ticket']] - r['sent'] for r in calls
        if r['ticket'] in arrivals]
    missing = [r for r in calls if r['ticket'] not in arrivals]
    if calls:
        call_rpc = [r['rpc'][0] for r in calls]
        rpc = [t for r in calls for t in r['rpc']]
        print(f'call next RPC: {quantiles(call_rpc)}')
        print(f'all calls of the cycle: {quantiles(rpc)}')
    if reached:
        print(f'call to panel: {quantiles(reached)}')
        after = [arrivals[r['ticket']] - r['sent'] - r['rpc'][0]
            for r in calls if r['ticket'] in arrivals]
        print('  panel arrival minus the call\'s answer (below 0: the '
            f'panel had it first): {quantiles(after)}')
    print(f'calls that never reached their panel ({GRACE} s grace): '
        f'{len(missing)}')
    for record in missing[:20]:
        print(f'  ticket {record["ticket"]} of site {record["site"]}')
    print_errors('call', call_errors)
    print(f'— floor (read one field of the site, {CALLS_PER_CYCLE} a cycle, '
        'panels waiting)')
    floor_rpc = [t for r in floor for t in r['rpc']]
    print(f'measured: {floor_time:.1f} s; JSON-RPC calls: '
        f'{len(floor_rpc) / floor_time:.0f}/s')
    if floor_rpc:
        print(f'read: {quantiles(floor_rpc)}')
    print_errors('floor', floor_errors)
    print_errors('panel', load.panel_errors)
    if reached and floor_rpc:
        ratio = percentile(reached, .95) / percentile(floor_rpc, .95)
        print(f'call-to-panel p95 / floor p95: {ratio:.2f}× (aim: within '
            f'{AIM}×: {"met" if ratio <= AIM else "NOT met"})')
    print(f'server memory (RSS): {memory:.0f} MiB')
    print('load average after: %.2f %.2f %.2f' % load_average)
    return 1 if missing or not calls else 0


if __name__ == '__main__':
    sys.exit(main())
