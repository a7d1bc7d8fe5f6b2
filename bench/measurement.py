#!/usr/bin/env python
"""Benchmark of the monthly SLA measurement (issue 3).

Fills a PostgreSQL database with 500,000 protocols spread over 2024 (plus
surveys, KB ratings and incidents), computes the measurement of one month
and prints its time next to the time of a plain SQL count of the same
month's protocols (the floor). Not part of `make test`.

    TRYTOND_DATABASE__URI=postgresql:/// .venv/bin/python bench/measurement.py

The database (bench_see_sla) is dropped and created again on each run.
"""
import argparse
import datetime as dt
import os
import subprocess
import time

from machine import describe as describe_machine  # bench/machine.py

os.environ.setdefault('TRYTOND_DATABASE__URI', 'postgresql:///')


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--database', default='bench_see_sla')
    parser.add_argument('--protocols', type=int, default=500_000)
    parser.add_argument('--month', default='2024-06')
    options = parser.parse_args()
    os.environ['DB_NAME'] = options.database
    os.environ.pop('DB_CACHE', None)
    print(describe_machine(), flush=True)
    subprocess.run(['dropdb', '--if-exists', options.database], check=True)

    from trytond.tests.test_tryton import activate_module
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    start = time.monotonic()
    activate_module(['see_sla'])
    print(f'database created in {time.monotonic() - start:.1f} s')
    pool = Pool(options.database)
    year, month = map(int, options.month.split('-'))
    month = dt.date(year, month, 1)

    with Transaction().start(options.database, 0) as transaction:
        cursor = transaction.connection.cursor()
        start = time.monotonic()
        fill(pool, cursor, options.protocols)
        transaction.commit()
        print(f'{options.protocols} protocols inserted in '
            f'{time.monotonic() - start:.1f} s')
    # Rows inserted with SQL miss what the ORM keeps on each change; they
    # get it as a migration would, in a transaction of its own (a row
    # inserted in the same transaction rechecks its foreign keys on update)
    with Transaction().start(options.database, 0) as transaction:
        Protocol = pool.get('see.protocol')
        start = time.monotonic()
        Protocol.update_previous_contact()
        transaction.commit()
        print(f'previous contacts computed in '
            f'{time.monotonic() - start:.1f} s')
    # That update writes the rows in the order of the requesters: put them
    # back in the order of their start, as inserted, so that the floor and
    # the computation read the month from the same pages as before it
    subprocess.run(['psql', '-q', '-d', options.database, '-c',
            'DO $$ BEGIN EXECUTE format(\'CLUSTER see_protocol USING %I\', '
            "(SELECT indexname FROM pg_indexes WHERE tablename = "
            "'see_protocol' AND indexdef LIKE '%btree (start_date)')); "
            'END $$'], check=True)
    # VACUUM cannot run inside a transaction block
    subprocess.run(['psql', '-q', '-d', options.database, '-c',
            'VACUUM ANALYZE'], check=True)

    with Transaction().start(options.database, 0) as transaction:
        Contract = pool.get('see.contract')
        Measurement = pool.get('see.sla.measurement')
        Party = pool.get('party.party')
        supplier, = Party.create([{'name': "Contratada"}])
        see, = Party.create([{'name': "SEE-PE"}])
        contract, = Contract.create([{
                    'number': 'BENCH', 'supplier': supplier.id,
                    'customer': see.id, 'start_date': dt.date(2024, 1, 1),
                    'operation_start': dt.date(2024, 1, 1),
                    'billing_basis': 'realized',
                    'items': [('create', [
                                {'efisco_code': '513159-6',
                                    'description': "Teleatendimento",
                                    'channel': 'telefone',
                                    'estimated_quantity': 32630,
                                    'unit_price': 10},
                                {'efisco_code': '513241-0',
                                    'description': "Webchat",
                                    'channel': 'webchat',
                                    'estimated_quantity': 31500,
                                    'unit_price': 8},
                                ])],
                    }])
        Contract.activate([contract])
        measurement, = Measurement.create([{
                    'contract': contract.id, 'month': month}])
        transaction.commit()

        cursor = transaction.connection.cursor()
        low = dt.datetime.combine(month, dt.time(3))
        high = dt.datetime.combine(
            (month + dt.timedelta(days=32)).replace(day=1), dt.time(3))
        timings = []
        for _ in range(3):
            start = time.monotonic()
            cursor.execute('SELECT COUNT(*) FROM see_protocol '
                'WHERE start_date >= %s AND start_date < %s '
                "AND state != 'cancelled'", (low, high))
            rows, = cursor.fetchone()
            timings.append(time.monotonic() - start)
        floor = min(timings)

        timings = []
        for _ in range(3):
            start = time.monotonic()
            Measurement.compute([measurement])
            timings.append(time.monotonic() - start)
            transaction.commit()
        compute = min(timings)
        measurement = Measurement(measurement.id)
        print(f'month {month:%m/%Y}: {rows} protocols')
        for line in measurement.lines:
            print(f'  {line.code:5} {line.period:9} {line.numerator!s:>8} / '
                f'{line.denominator!s:>8} = {line.value!s:>6} '
                f'{line.points:3} {line.status}')
        for item in measurement.items:
            print(f'  {item.channel:8} billable {item.billable}')
        print(f'points {measurement.total_points}, glosa '
            f'{measurement.glosa_percentage} %, net {measurement.net_amount}')
        print(f'measurement compute: {compute:.3f} s (best of 3)')
        print(f'plain SQL count (floor): {floor:.3f} s (best of 3)')
        print(f'ratio: {compute / floor:.1f}x')


def fill(pool, cursor, count):
    "Insert the protocols and their context with plain SQL"
    cursor.execute("INSERT INTO see_unit (name, code, active, create_uid, "
        "create_date) VALUES ('Unidade', 'U', true, 0, now()) RETURNING id")
    unit, = cursor.fetchone()
    cursor.execute("INSERT INTO see_service (name, code, kind, unit, active, "
        "create_uid, create_date) SELECT 'Serviço ' || i, 'S' || i, "
        "'rotineiro', %s, true, 0, now() FROM generate_series(1, 10) i "
        "RETURNING id", (unit,))
    services = [r[0] for r in cursor]
    classifications = []
    for code, outcome, billable in [('padrao', 'resolved', True),
            ('see', 'forwarded', True), ('trote', 'invalid', False)]:
        cursor.execute("INSERT INTO see_classification (name, code, outcome, "
            "billable, active, create_uid, create_date) VALUES "
            "(%s, %s, %s, %s, true, 0, now()) RETURNING id",
            (code, code, outcome, billable))
        classifications.append(cursor.fetchone()[0])
    cursor.execute("INSERT INTO party_party (name, code, active, create_uid, "
        "create_date) SELECT 'Cidadão ' || i, 'B' || i, true, 0, now() "
        "FROM generate_series(1, 20000) i")
    cursor.execute("SELECT MIN(id) FROM party_party WHERE code LIKE 'B%%'")
    first_party, = cursor.fetchone()
    # One protocol every ~63 s of 2024, 60 % phone and 40 % webchat
    cursor.execute("""
        INSERT INTO see_protocol (number, channel, requester,
            requester_name, requester_phone, service, classification, agent,
            start_date, end_date, state, survey_score, create_uid,
            create_date)
        SELECT 'B' || i,
            CASE WHEN i %% 5 < 3 THEN 'telefone' ELSE 'webchat' END,
            %(party)s + (i::bigint * 7919) %% 20000,
            'Cidadão', '+5581987650000',
            (ARRAY%(services)s)[1 + i %% 10],
            (ARRAY%(classifications)s)[1 + (CASE WHEN i %% 20 = 0 THEN 2
                WHEN i %% 7 = 0 THEN 1 ELSE 0 END)],
            1,
            TIMESTAMP '2024-01-01 03:00' + (i * INTERVAL '63 seconds'),
            TIMESTAMP '2024-01-01 03:00' + (i * INTERVAL '63 seconds')
                + ((i %% 600) * INTERVAL '1 minute'),
            CASE WHEN i %% 7 = 0 THEN 'escalated'
                WHEN i %% 97 = 0 THEN 'cancelled' ELSE 'closed' END,
            CASE WHEN i %% 3 = 0 THEN i %% 11 END,
            0, now()
        FROM generate_series(1, %(count)s) i
        """ % {'party': first_party, 'services': services,
            'classifications': classifications, 'count': count})
    cursor.execute("INSERT INTO see_kb_article (title, body, state, version, "
        "produced_by, create_uid, create_date) SELECT 'Artigo ' || i, '...', "
        "'published', 1, CASE WHEN i % 4 = 0 THEN 'see' ELSE 'contractor' "
        "END, 0, now() FROM generate_series(1, 200) i")
    cursor.execute("INSERT INTO see_kb_rating (article, grade, date, "
        "rated_by, create_uid, create_date) SELECT a.id, 1 + (a.id + g) % 5, "
        "DATE '2024-01-01' + ((a.id * 7 + g * 13) % 360), 1, 0, now() FROM see_kb_article a, "
        "generate_series(1, 50) g")
    cursor.execute("INSERT INTO see_platform_incident (description, "
        "component, contractor_responsible, start, \"end\", resolved_date, "
        "state, create_uid, create_date) SELECT 'Queda', 'network', true, "
        "TIMESTAMP '2024-01-01 12:00' + (g * INTERVAL '5 days'), "
        "TIMESTAMP '2024-01-01 13:00' + (g * INTERVAL '5 days'), "
        "TIMESTAMP '2024-01-01 13:30' + (g * INTERVAL '5 days'), 'closed', "
        "0, now() "
        "FROM generate_series(0, 72) g")


if __name__ == '__main__':
    main()
