# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Replay N AMI events through the simulator into PostgreSQL.

    .venv/bin/python bench/ami_ingest.py --events 1000000

Two figures from the same stream of scripted calls:
- parse-only: the asterisk-ami client reading and parsing the frames from
  the simulator's socket (the floor the connector cannot beat);
- end to end: the real see-ami-connector process writing see.call rows,
  measured until the last call is stored.
Not part of `make test`.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

from machine import describe as describe_machine  # bench/machine.py

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

from asterisk.ami import AMIClient  # noqa: E402

from trytond.modules.see_telefonia.connector.simulator import (  # noqa: E402
    AMISimulator, CallScript, frame)
from tests.server import TrytonServer  # noqa: E402


def build(n_events):
    "Frames of scripted calls, about n_events events"
    chunks, count, calls, last = [], 0, 0, None
    start = time.time() - 3600
    kinds = ['answered', 'answered', 'answered', 'abandoned', 'ivr']
    while count < n_events:
        script = CallScript(caller='8199%07d' % (calls % 10000000),
            start=start + calls * 0.01, agent='10%02d' % (calls % 50))
        kind = kinds[calls % len(kinds)]
        if kind == 'answered':
            events = script.answered(hold=calls % 90, talk=60 + calls % 300)
        elif kind == 'abandoned':
            events = script.abandoned(wait=calls % 100)
        else:
            events = script.ivr_only(ivr=20 + calls % 50)
        chunks.append(''.join(frame(e) for e in events).encode())
        count += len(events)
        calls += 1
        last = script.linkedid
    return chunks, count, calls, last


def parse_only(pbx, chunks, count):
    received = threading.Event()
    seen = [0]

    def on_event(source, event, **kwargs):
        if event.name == 'FullyBooted':
            return
        seen[0] += 1
        if seen[0] >= count:
            received.set()
    client = AMIClient(address='127.0.0.1', port=pbx.port, timeout=60,
        buffer_size=8192)
    client.add_listener(on_event=on_event)
    future = client.login(pbx.user, pbx.secret)
    future.response
    pbx.wait_ready()
    t0 = time.perf_counter()
    for chunk in chunks:
        pbx.send_raw(chunk)
    received.wait(3600)
    elapsed = time.perf_counter() - t0
    client.disconnect()
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--events', type=int, default=1000000)
    parser.add_argument('--batch-size', type=int, default=5000,
        help="the connector's --batch-size")
    parser.add_argument('--timeout', type=float, default=900,
        help="seconds to wait for the last call before giving up")
    options = parser.parse_args()
    print(describe_machine(), flush=True)
    chunks, count, calls, last = build(options.events)
    print(f"{count} events, {calls} calls", flush=True)
    pbx = AMISimulator().start()
    elapsed = parse_only(pbx, chunks, count)
    print(f"parse-only (asterisk-ami): {count / elapsed:,.0f} events/s "
        f"({elapsed:.1f} s)", flush=True)
    for c in list(pbx.connections):
        c.close()
    server = TrytonServer(modules=['see_atendimento', 'see_sla',
            'see_telefonia'], web=False)
    server.start()
    try:
        root = server.proteus('root')
        Server = root.get('see.ami.server')
        Server(name='PABX', host='127.0.0.1', port=pbx.port, user=pbx.user,
            secret=pbx.secret).save()
        spool = tempfile.mkdtemp(prefix='see-bench-')
        log = open(os.path.join(spool, 'connector.log'), 'w')
        process = subprocess.Popen([sys.executable, '-m',
                'trytond.modules.see_telefonia.connector',
                '-c', server.config_file, '-d', server.database,
                '--spool', spool, '--log-level', 'WARNING',
                '--batch-size', str(options.batch_size)],
            stdout=log, stderr=subprocess.STDOUT)
        pbx.wait_ready(1, timeout=120)
        time.sleep(1)
        t0 = time.perf_counter()
        for chunk in chunks:
            pbx.send_raw(chunk)
        while True:
            rows = server.query("SELECT COUNT(*) FROM see_call WHERE "
                "linkedid = %s AND disposition <> 'in_progress'", (last,))
            if rows[0][0]:
                break
            if (process.poll() is not None
                    or time.perf_counter() - t0 > options.timeout):
                # Events lost (connection dropped) or connector dead
                log.flush()
                with open(log.name) as file:
                    sys.exit("last call not stored after %.0f s:\n%s" % (
                            time.perf_counter() - t0, file.read()[-3000:]))
            time.sleep(0.2)
        end = time.perf_counter() - t0
        stored = server.query('SELECT COUNT(*) FROM see_call')[0][0]
        print(f"end to end (connector -> PostgreSQL): {count / end:,.0f} "
            f"events/s ({end:.1f} s, {stored} calls stored)")
        print(f"ratio end to end / parse-only: {elapsed / end:.0%}")
        process.terminate()
        print(f"connector exit status: {process.wait(60)}")
    finally:
        pbx.stop()
        server.stop()


if __name__ == '__main__':
    main()
