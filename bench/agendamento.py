#!/usr/bin/env python3
"""Benchmark: citizens booking appointments at once on the public page's API.

One unit open every day and all day, one booking type of --duration-minute
slots and capacity --capacity, whose horizon offers at least --slots slots.
--citizens threads, each on its own keep-alive connection, each books one
appointment as the booking page does: it picks a random slot of the list
the page shows (read once, as a page loaded a moment ago), holds it (``POST
api/hold``), and confirms it with a name, a CPF and an e-mail (``POST
api/appointment/<token>/confirm``); a slot taken meanwhile is answered 400
("acabou de ser ocupado") and the citizen picks another one, up to
--attempts times. All start together.

Then the floor of the same server under the same load: each thread makes
the lightest call of the same API as many times (``GET api/types``: the
address's rate count and one search), to compare the booking with what any
request costs here.

It prints the bookings per second, the latency of a booking (hold and
confirm, p50/p95/p99), the slots found taken, the errors, the double
bookings counted in the database (appointments beyond the capacity of a
slot: must be 0), and the floor's calls per second and latency.

It starts its own server with tests/server.py (a fresh PostgreSQL database
with see_agendamento, dropped at the end), served by gunicorn as
bench/protocol_rpc.py does; the per-address limit is lifted (every
citizen comes from 127.0.0.1) and the e-mails go to an SMTP server of the
benchmark on loopback (aiosmtpd), which counts them.

    .venv/bin/pip install gunicorn   # once
    .venv/bin/python bench/agendamento.py --citizens 500 --slots 2000

Not part of `make test`: it prints figures, it does not assert them.
"""
import argparse
import json
import os
import random
import sys
import threading
import time

from figures import quantiles  # bench/figures.py
from machine import describe as describe_machine  # bench/machine.py
from protocol_rpc import (  # bench/protocol_rpc.py
    ROOT, Client, percentile, start_gunicorn)

from trytond.modules.see_agendamento.tests.tools import always_open_site

def cpf(number):
    "A valid CPF for citizen number (its check digits computed)"
    digits = [int(d) for d in f'{number % 10 ** 9:09d}']
    if len(set(digits)) == 1:
        digits[0] = (digits[0] + 1) % 10
    for size in (9, 10):
        total = sum(d * (size + 1 - i) for i, d in enumerate(digits))
        digits.append(total * 10 % 11 % 10)
    return ''.join(map(str, digits))


class Api:
    "One keep-alive connection to the booking API"

    def __init__(self, url, database):
        self.client = Client(url, database)
        self.client.timeout = 120
        self.base = f'/{database}/see_agendamento/api/'

    def request(self, path, data=None):
        headers = {'Content-Type': 'application/json'}
        status, body = self.client._request(
            json.dumps(data) if data is not None else None, headers,
            method='POST' if data is not None else 'GET',
            path=self.base + path)
        try:
            return status, json.loads(body)
        except ValueError:
            return status, {'error': {'message': body[:200].decode(
                            errors='replace')}}


def prepare(server, duration, capacity, slots):
    "The unit, its calendar and the booking type, as the administrator"
    per_day = 24 * 60 // duration
    booking, _ = always_open_site(server.proteus('admin'),
        server.records['service'], "Unidade Carga", 'CARGA',
        channel='in_person', duration=duration,
        maximum_horizon=slots // per_day + 2, capacity=capacity,
        hold_minutes=10)
    return booking.id


def start_smtp():
    "An SMTP server on loopback that keeps the count of its messages"
    import socket

    from aiosmtpd.controller import Controller
    mails = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            mails.append(len(envelope.content))
            return '250 Message accepted'

    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname='127.0.0.1', port=port)
    controller.start()
    return controller, port, mails


def run(threads, work):
    "Start every thread at once; return the wall time"
    barrier = threading.Barrier(len(threads) + 1)
    workers = [threading.Thread(target=work, args=(index, barrier))
        for index in range(len(threads))]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--citizens', type=int, default=500)
    parser.add_argument('--slots', type=int, default=2000,
        help="the slots offered at least (default 2000)")
    parser.add_argument('--duration', type=int, default=10,
        help="minutes of a slot (default 10)")
    parser.add_argument('--capacity', type=int, default=1,
        help="appointments of a slot at once (default 1)")
    parser.add_argument('--attempts', type=int, default=10,
        help="slots a citizen tries before giving up (default 10)")
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--threads', type=int, default=100)
    parser.add_argument('--active', type=int, default=2)
    options = parser.parse_args()

    print(describe_machine(), flush=True)
    print('load average before: %.2f %.2f %.2f' % os.getloadavg(),
        flush=True)
    sys.path.insert(0, str(ROOT))
    from tests.server import TrytonServer
    smtp, smtp_port, mails = start_smtp()
    server = TrytonServer(modules=['see_agendamento'], web=False, config={
            'see_agendamento': {'address_requests': '100000000'},
            'email': {'uri': f'smtp://127.0.0.1:{smtp_port}',
                'from': 'agendamento@see.pe.gov.br'},
            })
    print('preparing the database…', flush=True)
    server.start()
    gunicorn = None
    try:
        gunicorn, url = start_gunicorn(server, options.workers,
            options.threads, options.active)
        type_id = prepare(server, options.duration, options.capacity,
            options.slots)
        status, data = Api(url, server.database).request(
            f'slots?type={type_id}')
        assert status == 200, data
        offered = [s['start'] for d in data['days'] for s in d['slots']]
        offered = offered[:max(options.slots, 1)]
        print(f'{len(offered)} slots offered; {options.citizens} citizens '
            'booking at once…', flush=True)

        apis = [Api(url, server.database) for _ in range(options.citizens)]
        bookings, taken, errors = [], [], []

        def book(index, barrier):
            api = apis[index]
            api.request('types')  # the connection, before the start
            rng = random.Random(index)
            barrier.wait()
            started = time.perf_counter()
            for _ in range(options.attempts):
                start = rng.choice(offered)
                status, data = api.request('hold', {'type': type_id,
                        'channel': 'in_person', 'start': start})
                if status == 400 and 'ocupado' in data['error']['message']:
                    taken.append(start)
                    continue
                if status != 201:
                    errors.append(f'hold {status}: {data}')
                    return
                status, data = api.request(
                    f'appointment/{data["token"]}/confirm', {
                        'name': f'Cidadão {index}', 'cpf': cpf(index + 1),
                        'email': f'cidadao{index}@example.com',
                        'consent': True})
                if status != 200:
                    errors.append(f'confirm {status}: {data}')
                    return
                bookings.append(time.perf_counter() - started)
                return
            errors.append(f'no free slot after {options.attempts} tries')

        booking_time = run(apis, book)

        floor = []
        floor_errors = []

        def read(index, barrier):
            api = apis[index]
            barrier.wait()
            for _ in range(2):
                started = time.perf_counter()
                status, data = api.request('types')
                if status != 200:
                    floor_errors.append(f'types {status}')
                    continue
                floor.append(time.perf_counter() - started)

        floor_time = run(apis, read)

        (double,), = server.query(
            "SELECT COUNT(*) FROM (SELECT a.start FROM see_appointment a "
            "JOIN see_booking_type t ON t.id = a.booking_type "
            "WHERE a.state IN ('draft', 'confirmed', 'checked_in', 'done') "
            "GROUP BY a.booking_type, a.start, t.capacity "
            "HAVING COUNT(*) > t.capacity) AS over")
        (confirmed,), = server.query(
            "SELECT COUNT(*) FROM see_appointment WHERE state = 'confirmed'")

        print(f'— bookings ({options.citizens} citizens, hold and confirm)')
        print(f'booked: {len(bookings)} in {booking_time:.1f} s: '
            f'{len(bookings) / booking_time:.1f} bookings/s')
        if bookings:
            print(f'booking latency: {quantiles(bookings)}')
        print(f'slots found taken meanwhile: {len(taken)}')
        print(f'errors: {len(errors)}')
        for error in errors[:5]:
            print(f'  {error}')
        print(f'confirmed in the database: {confirmed}; '
            f'confirmation e-mails received: {len(mails)}')
        print(f'double bookings: {double}')
        print('— floor (GET api/types, the same threads, 2 each)')
        print(f'{len(floor)} calls in {floor_time:.1f} s: '
            f'{len(floor) / floor_time:.0f}/s; errors: {len(floor_errors)}')
        if floor:
            print(f'floor latency: {quantiles(floor)}')
        if bookings and floor:
            print(f'booking p95 / floor p95: '
                f'{percentile(bookings, .95) / percentile(floor, .95):.1f}×')
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait()
        server.stop()
        smtp.stop()
    print('load average after: %.2f %.2f %.2f' % os.getloadavg())


if __name__ == '__main__':
    main()
