# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Load of the webchat: concurrent citizens and agents on loopback.

    .venv/bin/python -m bench.webchat_load [--citizens 200] [--agents 20]
        [--messages 3]

Starts a `tests.server.TrytonServer` (fresh PostgreSQL database, one
trytond process, threaded), creates the agents, then every citizen opens a
conversation and long-polls while every agent long-polls the console API,
accepts conversations up to its limit and answers each message at once.
Each citizen sends --messages messages, waiting for the answer of each.
Prints the delivery latency (from the send request to the other side's
long poll returning it) p50/p95 for both directions and the resident memory
of the server.  Not part of `make test`.
"""
import argparse
import itertools
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.webchat.client import Agent, Citizen, webchat_server  # noqa: E402


def rss(pid):
    with open(f'/proc/{pid}/status') as file:
        for line in file:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) // 1024


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float('nan')
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--citizens', type=int, default=200)
    parser.add_argument('--agents', type=int, default=20)
    parser.add_argument('--messages', type=int, default=3)
    args = parser.parse_args()

    server = webchat_server()
    print("starting the server…", flush=True)
    server.start()
    try:
        code = run(server, args)
    finally:
        server.stop()
    sys.exit(code)


def run(server, args):
    root = server.proteus('root')
    User = root.get('res.user')
    Group = root.get('res.group')
    Configuration = root.get('see.chat.configuration')
    # The groups of the test server's agent
    groups = [g.id for g in User(server.users['agent'].id).groups]
    per_agent = -(-args.citizens // args.agents)
    config = Configuration(1)
    config.address_session_rate = args.citizens * 2
    config.address_request_rate = 100000
    config.session_message_rate = 1000
    config.agent_limit = per_agent
    config.poll_timeout = 20
    config.save()
    logins = []
    for i in range(args.agents):
        login = f'carga{i:02d}'
        user = User(login=login, name=f"Atendente de carga {i}",
            password='Carga-Senha-1')
        for group in groups:
            user.groups.append(Group(group))
        user.save()
        logins.append(login)

    service = server.records['service']
    stop = threading.Event()
    sent = {}          # text -> monotonic time of the send
    to_agent, to_citizen = [], []
    lock = threading.Lock()
    errors = []
    retries = []
    counter = itertools.count()

    def agent_loop(login):
        agent = Agent(server, login, 'Carga-Senha-1')
        after, version, loaded = 0, '', set()
        while not stop.is_set():
            status, state = agent.state(after=after, wait=10, version=version,
                loaded=loaded)
            now = time.monotonic()
            if status == 0:
                retries.append(1)
                time.sleep(0.2)
                continue
            if status != 200:
                errors.append(('agent state', status, state))
                time.sleep(0.5)
                continue
            version = state['version']
            loaded = {s['id'] for s in state['sessions']}
            active = sum(1 for s in state['sessions']
                if s['state'] == 'active')
            for message in state['messages']:
                after = max(after, message['id'])
                if (message['author_type'] == 'citizen'
                        and message['kind'] == 'text'):
                    with lock:
                        start = sent.pop(message['text'], None)
                    if start is not None:
                        to_agent.append(now - start)
                    reply = 'R' + message['text']
                    with lock:
                        sent[reply] = time.monotonic()
                    status, result = agent.action('send',
                        session=message['session'], text=reply)
                    if status != 200:
                        errors.append(('agent send', status, result))
            for waiting in state['queue']:
                if active >= state['limit']:
                    break
                status, result = agent.action('accept',
                    session=waiting['id'])
                if status == 200:
                    active += 1
                    version = ''

    done = threading.Barrier(args.citizens + 1)

    def citizen_loop(i):
        citizen = Citizen(server)
        try:
            status, result = citizen.open(name=f"Cidadão {i}",
                phone=f'8199{i:07d}', service=service)
            if status != 201:
                errors.append(('open', status, result))
                return
            after, version = 0, ''
            for n in range(args.messages):
                text = f'M{next(counter)}-{i}-{n}'
                with lock:
                    sent[text] = time.monotonic()
                status, result = citizen.send(text)
                if status != 201:
                    errors.append(('send', status, result))
                    return
                reply = 'R' + text
                deadline = time.monotonic() + 120
                got = False
                while not got and time.monotonic() < deadline:
                    status, data = citizen.poll(after=after, wait=20,
                        version=version)
                    now = time.monotonic()
                    if status == 0:
                        retries.append(1)
                        time.sleep(0.2)
                        continue
                    if status != 200:
                        errors.append(('poll', status, data))
                        return
                    version = data['version']
                    for message in data['messages']:
                        after = max(after, message['id'])
                        if message['text'] == reply:
                            with lock:
                                start = sent.pop(reply, None)
                            if start is not None:
                                to_citizen.append(now - start)
                            got = True
                if not got:
                    errors.append(('timeout', i, n))
                    return
        finally:
            done.wait()

    pid = server._process.pid
    print(f"server pid {pid}, memory before: {rss(pid)} MB", flush=True)
    agents = [threading.Thread(target=agent_loop, args=(login,), daemon=True)
        for login in logins]
    for thread in agents:
        thread.start()
    started = time.monotonic()
    citizens = [threading.Thread(target=citizen_loop, args=(i,), daemon=True)
        for i in range(args.citizens)]
    peak = 0
    for thread in citizens:
        # Ramp up over about 4 s
        thread.start()
        time.sleep(4 / args.citizens)
    sampler_stop = threading.Event()

    def sampler():
        nonlocal peak
        while not sampler_stop.is_set():
            peak = max(peak, rss(pid) or 0)
            time.sleep(0.5)
    threading.Thread(target=sampler, daemon=True).start()
    done.wait()
    elapsed = time.monotonic() - started
    sampler_stop.set()
    stop.set()
    memory = rss(pid)
    all_ = to_agent + to_citizen
    print(f"{args.citizens} citizens, {args.agents} agents, "
        f"{args.messages} messages each way per conversation, "
        f"{elapsed:.1f} s")
    for name, values in [('citizen -> agent', to_agent),
            ('agent -> citizen', to_citizen), ('all', all_)]:
        print(f"{name:>17}: n={len(values)} "
            f"p50={percentile(values, 50) * 1000:.0f} ms "
            f"p95={percentile(values, 95) * 1000:.0f} ms "
            f"max={max(values or [0]) * 1000:.0f} ms")
    print(f"server memory: {memory} MB at the end, {peak} MB peak (RSS)")
    print(f"errors: {len(errors)}, retried connections: {len(retries)}")
    for error in errors[:10]:
        print("  ", str(error)[:300])
    return 0 if not errors else 1


if __name__ == '__main__':
    main()
