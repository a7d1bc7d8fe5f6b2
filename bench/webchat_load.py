# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Load of the webchat: concurrent citizens and agents on loopback.

    .venv/bin/pip install gunicorn   # once (or pip install -e '.[bench]')
    .venv/bin/python bench/webchat_load.py --citizens 200 --agents 20

Starts a `tests.server.TrytonServer` (fresh PostgreSQL database, dropped at
the end) and serves it like production: gunicorn with --workers processes
of the `gthread` class, --threads threads each, so that a waiting long poll
holds a thread, never a process (--workers 0 uses trytond's own threaded
server instead).

Then, on loopback:

- every agent logs in and long-polls the console API; it accepts waiting
  conversations up to its limit and, as soon as a message of a citizen
  arrives, answers it from another thread (several conversations are
  answered at once, as real agents do in several chat windows); once it
  has answered the last message of a conversation it closes it with a
  classification;
- every citizen (started over --ramp seconds) opens a conversation,
  long-polls until an agent accepts it, then --messages times: thinks
  (a random time around --think seconds, a person reading and typing),
  sends a message and long-polls until the answer arrives; at the end it
  answers the quality question.

Delivery latency is the time from the start of the sending request to the
return of the other side's long poll carrying the message, for both
directions. The wait in the queue (until an agent accepts) is reported
apart: it depends on the number of agents, not on delivery. Also printed:
the resident memory of the server (gunicorn master and workers), at the
end and at its peak, apart while the agents log in: Tryton checks each
password with Argon2, 64 MiB a check, so simultaneous logins cost more
memory than the conversations. The exit status is 1 when a request
failed.

With --channel whatsapp, as many citizens again write from WhatsApp in the
same run: their messages are webhooks posted to the server, signed as Meta
signs them, and the server sends the agents' answers to a local server
that speaks the Graph API (trytond/modules/see_webchat/tests/fake_apis.py).
Their delivery is timed from the start of the webhook's post to the
agent's long poll, and from the start of the agent's sending request to
the arrival of the answer at the fake Graph API; it is printed beside the
widget's.

Not part of `make test`: it prints figures, it does not assert them.
"""
import argparse
import collections
import concurrent.futures
import http.client
import http.cookiejar
import itertools
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from machine import describe as describe_machine  # bench/machine.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import (  # noqa: E402
    TrytonServer, _free_port, limited_config)

PASSWORD = 'Carga-Senha-1'


class Http:
    "Requests on loopback, a new connection each (the server closes them)"

    def __init__(self, url, headers=None):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.prefix = parts.path.rstrip('/')
        self.headers = dict(headers or {})

    def call(self, method, path, body=None, timeout=90):
        headers = dict(self.headers, Accept='application/json')
        data = None
        if body is not None:
            data = json.dumps(body)
            headers['Content-Type'] = 'application/json'
        connection = http.client.HTTPConnection(
            self.host, self.port, timeout=timeout)
        try:
            connection.request(method, self.prefix + path, data, headers)
            response = connection.getresponse()
            content = response.read()
            try:
                return response.status, json.loads(content or b'null')
            except ValueError:
                return response.status, content[:300]
        except (OSError, http.client.HTTPException) as e:
            return 0, str(e)
        finally:
            connection.close()


def login(url, database, user, password):
    "The cookie header of a web client session"
    jar = http.cookiejar.CookieJar()
    import urllib.request
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar))
    request = urllib.request.Request(f'{url}{database}/session/login',
        data=json.dumps({'method': 'common.db.login',
                'params': [user, {'password': password}, 'pt']}).encode(),
        headers={'Content-Type': 'application/json'})
    with opener.open(request, timeout=60) as response:
        response.read()
    return '; '.join(f'{c.name}={c.value}' for c in jar)


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float('nan')
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def memory(pid, detail=False):
    "Resident memory in MiB of a process and its children"
    try:
        output = subprocess.run(['ps', '-o', 'pid=,rss=', '--ppid', str(pid),
                '-p', str(pid)], capture_output=True, text=True).stdout
        rows = [tuple(map(int, line.split())) for line in output.splitlines()
            if line.strip()]
        total = sum(rss for _, rss in rows) / 1024
        if detail:
            return total, ' + '.join(f'{rss // 1024}' for _, rss in rows)
        return total
    except (OSError, ValueError):
        return (float('nan'), '') if detail else float('nan')


def start_gunicorn(server, options):
    "Serve the database of server with gunicorn on another port"
    port = _free_port()
    env = os.environ.copy()
    # The request limiter of config/production.conf
    env['TRYTOND_CONFIG'] = (limited_config(server.config_file, options.active)
        if options.active else server.config_file)
    env['TRYTOND_DATABASE_NAMES'] = server.database
    env['TRYTOND_DATABASE__URI'] = os.environ.get(
        'TRYTOND_DATABASE__URI', 'postgresql:///')
    # Connections per worker: PostgreSQL allows 100 in all by default
    env['TRYTOND_DATABASE__MAXCONN'] = str(options.maxconn)
    # One malloc arena per thread would make each worker's memory grow
    # with its threads
    env.setdefault('MALLOC_ARENA_MAX', '2')
    gunicorn = Path(sys.executable).parent / 'gunicorn'
    if not gunicorn.exists():
        sys.exit("gunicorn is not installed: .venv/bin/pip install gunicorn "
            "(or --workers 0 for trytond's own server)")
    # As many connections as threads, and no keep-alive: a request never
    # waits for a thread held by a long poll
    process = subprocess.Popen([gunicorn,
            '--workers', str(options.workers),
            '--worker-class', 'gthread', '--threads', str(options.threads),
            '--worker-connections', str(options.threads),
            '--keep-alive', '0', '--backlog', '2048',
            '--bind', f'127.0.0.1:{port}', '--timeout', '120',
            '--log-level', 'warning', 'trytond.application:app'],
        env=env, cwd=ROOT)
    url = f'http://127.0.0.1:{port}/'
    probe = Http(url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status, _ = probe.call('POST', '/rpc/', {'id': 0, 'params': [],
                'method': 'common.server.version'}, timeout=5)
        if status == 200:
            return process, url
        if process.poll() is not None:
            break
        time.sleep(0.3)
    process.terminate()
    sys.exit('gunicorn did not answer')


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--citizens', type=int, default=200)
    parser.add_argument('--agents', type=int, default=20)
    parser.add_argument('--messages', type=int, default=5,
        help="messages of each citizen, each answered (default 5)")
    parser.add_argument('--think', type=float, default=20,
        help="mean seconds a citizen takes before each message, uniform "
        "between half and one and a half of it (default 20)")
    parser.add_argument('--ramp', type=float, default=60,
        help="seconds over which the citizens arrive (default 60)")
    parser.add_argument('--workers', type=int, default=3,
        help="gunicorn processes (default 3); 0: trytond's own server")
    parser.add_argument('--threads', type=int, default=150,
        help="threads of each gunicorn process (default 150)")
    parser.add_argument('--active', type=int, default=2,
        help="requests each worker runs at once, long polls apart, as "
        "config/production.conf (default 2); 0: no limit")
    parser.add_argument('--maxconn', type=int, default=20,
        help="PostgreSQL connections of each process (default 20)")
    parser.add_argument('--poll', type=int, default=20,
        help="seconds a long poll waits at most (default 20)")
    parser.add_argument('--channel', choices=['widget', 'whatsapp'],
        default='widget', help="whatsapp: as many citizens again write "
        "from WhatsApp (webhooks in, Graph API calls out to a local fake)")
    options = parser.parse_args()

    print(describe_machine(), flush=True)
    server = TrytonServer(modules=['see_webchat'], web=False)
    print("preparing the database…", flush=True)
    server.start()
    gunicorn = None
    try:
        setup = prepare(server, options)
        url, pid = server.url, server._process.pid
        if options.workers:
            gunicorn, url = start_gunicorn(server, options)
            pid = gunicorn.pid
        code = run(server, url, pid, setup, options)
    finally:
        if gunicorn:
            gunicorn.terminate()
            try:
                gunicorn.wait(30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        server.stop()
    sys.exit(code)


def prepare(server, options):
    "Limits for a load from one address, and the agents"
    root = server.proteus('root')
    User = root.get('res.user')
    Group = root.get('res.group')
    Configuration = root.get('see.chat.configuration')
    groups = [g.id for g in User(server.users['agent'].id).groups]
    config = Configuration(1)
    # Every request comes from 127.0.0.1
    config.address_session_rate = options.citizens * 2
    config.address_request_rate = 1000000
    config.session_message_rate = 1000
    config.agent_limit = -(-options.citizens // options.agents)
    config.poll_timeout = options.poll
    config.save()
    logins = []
    for i in range(options.agents):
        login_ = f'carga{i:02d}'
        user = User(login=login_, name=f"Atendente de carga {i}",
            password=PASSWORD)
        for group in groups:
            user.groups.append(Group(group))
        user.save()
        logins.append(login_)
    (classification,), = server.query(
        "SELECT id FROM see_classification ORDER BY id LIMIT 1")
    setup = {'logins': logins, 'classification': classification,
        'service': server.records['service']}
    if options.channel == 'whatsapp':
        from trytond.modules.see_webchat.tests.fake_apis import FakeGraphAPI
        fake = FakeGraphAPI().start()
        Account = root.get('see.chat.channel.whatsapp')
        account = Account(name="Carga", phone_number_id='9000009',
            api_url=fake.url, access_token=fake.token,
            app_secret='segredo-carga', verify_token='verificar')
        account.save()
        setup.update({'fake': fake, 'webhook': f'{server.url}'
                f'{server.database}/see_webchat/whatsapp/{account.id}'})
    return setup


def run(server, url, pid, setup, options):
    database = server.database
    stop = threading.Event()
    lock = threading.Lock()
    sent = {}  # text -> perf_counter at the start of its sending request
    to_agent, to_citizen, queue_wait = [], [], []
    # The same for the citizens of WhatsApp (--channel whatsapp)
    wa_to_agent, wa_to_citizen = [], []
    errors, conflicts = [], []
    requests = itertools.count()
    # Conversations and how many answers each got, to close it
    answered = {}
    open_now = {'now': 0, 'max': 0}

    def record(kind, values, text, now):
        with lock:
            start = sent.pop(text, None)
        if start is not None:
            values.append(now - start)

    durations = collections.defaultdict(list)

    def call(client, method, path, body=None, label=None):
        next(requests)
        for attempt in range(3):
            start = time.perf_counter()
            status, data = client.call(method, path, body)
            if label:
                durations[label].append(time.perf_counter() - start)
            if status:
                return status, data
            time.sleep(0.2 * (attempt + 1))
        return status, data

    def agent_loop(login_, index):
        try:
            cookie = login(url, database, login_, PASSWORD)
        finally:
            logged_in.release()
        client = Http(f'{url}{database}/see_webchat/agent',
            {'Cookie': cookie})
        replies = concurrent.futures.ThreadPoolExecutor(
            max_workers=4, thread_name_prefix=f'agent{index}')
        after, version, loaded = {}, '', set()

        def answer(session, text, close):
            reply = 'R' + text
            with lock:
                sent[reply] = time.perf_counter()
            status, result = call(client, 'POST', '/send',
                {'session': session, 'text': reply}, label='agent send')
            if status != 200:
                errors.append(('agent send', status, result))
            if close:
                status, result = call(client, 'POST', '/close', {
                        'session': session,
                        'classification': setup['classification'],
                        'answer': 'Atendimento concluído.'})
                if status != 200:
                    errors.append(('agent close', status, result))

        accepting = set()

        def accept(session):
            try:
                status, result = call(client, 'POST', '/accept',
                    {'session': session}, label='agent accept')
                if status in {400, 404}:
                    # Taken by another agent (and then no more visible)
                    conflicts.append(result)
                elif status != 200:
                    errors.append(('agent accept', status, result))
            finally:
                with lock:
                    accepting.discard(session)

        while not stop.is_set():
            status, state = call(client, 'GET',
                '/state?after=' + ','.join(
                    f'{k}:{v}' for k, v in after.items())
                + f'&wait={options.poll}'
                f'&v={urllib.parse.quote(version)}'
                f'&loaded={",".join(map(str, loaded))}')
            now = time.perf_counter()
            if status != 200:
                errors.append(('agent state', status, str(state)[:200]))
                time.sleep(0.5)
                continue
            version = state['version']
            loaded = {s['id'] for s in state['sessions']}
            after = {k: v for k, v in after.items() if k in loaded}
            for message in state['messages']:
                after[message['session']] = max(
                    after.get(message['session'], 0), message['id'])
                if (message['author_type'] == 'citizen'
                        and message['kind'] == 'text'):
                    record('to agent', wa_to_agent
                        if message['text'].startswith('W') else to_agent,
                        message['text'], now)
                    with lock:
                        count = answered[message['session']] = (
                            answered.get(message['session'], 0) + 1)
                    replies.submit(answer, message['session'],
                        message['text'], count >= options.messages)
            active = sum(1 for s in state['sessions']
                if s['state'] == 'active')
            # Each agent takes its share of the queue, as a team of people
            # would, rather than all clicking the same line
            queue = [w for w in state['queue']
                if w['id'] % len(setup['logins']) == index]
            with lock:
                free = state['limit'] - active - len(accepting)
                chosen = [w['id'] for w in queue
                    if w['id'] not in accepting][:max(0, free)]
                accepting.update(chosen)
            for session in chosen:
                replies.submit(accept, session)
        replies.shutdown(wait=True)

    done = threading.Barrier(options.citizens + 1)

    def citizen_loop(i):
        rng = random.Random(i)
        try:
            client = Http(f'{url}{database}/see_webchat/api')
            opened = time.perf_counter()
            status, result = call(client, 'POST', '/sessions', {
                    'name': f"Cidadão {i}", 'phone': f'8199{i:07d}',
                    'service': setup['service'], 'consent': True},
                label='citizen open')
            if status != 201:
                errors.append(('open', status, result))
                return
            client.headers['X-Chat-Token'] = result['token']
            with lock:
                open_now['now'] += 1
                open_now['max'] = max(open_now['max'], open_now['now'])
            base = f'/sessions/{result["id"]}'
            after, version = 0, ''

            def poll(until):
                nonlocal after, version
                deadline = time.perf_counter() + 300
                while time.perf_counter() < deadline:
                    status, data = call(client, 'GET',
                        f'{base}?after={after}&wait={options.poll}'
                        f'&v={urllib.parse.quote(version)}')
                    now = time.perf_counter()
                    if status != 200:
                        errors.append(('poll', status, str(data)[:200]))
                        return None
                    version = data['version']
                    for message in data['messages']:
                        after = max(after, message['id'])
                        if message['author_type'] == 'agent':
                            record('to citizen', to_citizen,
                                message['text'], now)
                    if until(data):
                        return data
                errors.append(('no answer in 300 s', i))
                return None

            if not poll(lambda d: d['state'] != 'waiting'):
                return
            queue_wait.append(time.perf_counter() - opened)
            for n in range(options.messages):
                if options.think:
                    time.sleep(rng.uniform(
                        options.think / 2, options.think * 1.5))
                text = f'M{i}-{n}'
                with lock:
                    sent[text] = time.perf_counter()
                status, result = call(client, 'POST', f'{base}/messages',
                    {'text': text, 'client_id': text}, label='citizen send')
                if status != 201:
                    errors.append(('send', status, result))
                    return
                reply = 'R' + text
                if not poll(lambda d: any(m['text'] == reply
                            for m in d['messages'])):
                    return
            if not poll(lambda d: d['state'] == 'survey'):
                return
            status, result = call(client, 'POST', f'{base}/survey',
                {'score': rng.randint(6, 10)})
            if status != 200:
                errors.append(('survey', status, result))
            with lock:
                open_now['now'] -= 1
        except Exception as e:
            errors.append(('citizen', i, repr(e)))
        finally:
            done.wait()

    whatsapp_loop = None
    if options.channel == 'whatsapp':
        whatsapp_loop = _whatsapp_citizens(setup, options, url, database,
            lock, sent, record, wa_to_citizen, errors)

    print(f"server pid {pid}, memory before: {memory(pid):.0f} MiB",
        flush=True)
    logged_in = threading.Semaphore(0)
    # phase -> (MiB, MiB of each process) at the peak
    peaks = {'logins': (0, ''), 'conversations': (0, '')}
    sampling = threading.Event()

    def sampler(phase):
        while not sampling.is_set():
            total, detail = memory(pid, detail=True)
            if total > peaks[phase][0]:
                peaks[phase] = total, detail
            time.sleep(0.5)
    logins_sampled = threading.Thread(target=sampler, args=('logins',))
    logins_sampled.start()
    agents = [threading.Thread(target=agent_loop, args=(login_, i),
            daemon=True) for i, login_ in enumerate(setup['logins'])]
    for thread in agents:
        thread.start()
    for _ in agents:
        logged_in.acquire()
    sampling.set()
    logins_sampled.join()
    sampling.clear()
    threading.Thread(
        target=sampler, args=('conversations',), daemon=True).start()
    started = time.perf_counter()
    whatsapp_threads = []
    for i in range(options.citizens):
        threading.Thread(target=citizen_loop, args=(i,), daemon=True).start()
        if whatsapp_loop:
            thread = threading.Thread(target=whatsapp_loop, args=(i,),
                daemon=True)
            thread.start()
            whatsapp_threads.append(thread)
        time.sleep(options.ramp / options.citizens)
    done.wait()
    for thread in whatsapp_threads:
        thread.join(600)
    elapsed = time.perf_counter() - started
    sampling.set()
    stop.set()
    end_memory = memory(pid)
    (closed,), = server.query(
        "SELECT COUNT(*) FROM see_chat_session s "
        "JOIN see_protocol p ON p.id = s.protocol "
        "WHERE s.state = 'closed' AND p.survey_score IS NOT NULL")

    kind = (f"gunicorn, {options.workers} workers x {options.threads} "
        "threads (gthread)" if options.workers
        else "trytond's own threaded server")
    print(f"{options.citizens} citizens, {options.agents} agents, "
        f"{options.messages} messages each way per conversation, think "
        f"time ~{options.think:g} s; server: {kind}, PostgreSQL")
    print(f"run: {elapsed:.1f} s, {next(requests) - 1} HTTP requests, "
        f"{closed} conversations closed with a survey answer, at most "
        f"{open_now['max']} conversations open at once")
    all_ = to_agent + to_citizen
    for name, values in [('citizen -> agent', to_agent),
            ('agent -> citizen', to_citizen), ('all messages', all_),
            ('wait in queue', queue_wait)] + ([
                ('WA citizen -> agent', wa_to_agent),
                ('agent -> WA citizen', wa_to_citizen),
                ('all WA messages', wa_to_agent + wa_to_citizen)]
            if options.channel == 'whatsapp' else []):
        print(f"{name:>20}: n={len(values)} "
            f"p50={percentile(values, 50) * 1000:.0f} ms "
            f"p95={percentile(values, 95) * 1000:.0f} ms "
            f"max={max(values or [0]) * 1000:.0f} ms")
    print("request durations (long polls excluded):", ', '.join(
            f"{label} p50 {percentile(values, 50) * 1000:.0f} ms "
            f"p95 {percentile(values, 95) * 1000:.0f} ms"
            for label, values in sorted(durations.items())))
    p95 = percentile(all_, 95)
    print(f"delivery latency p95 {p95 * 1000:.0f} ms: aim (< 1000 ms) "
        f"{'met' if p95 < 1 else 'NOT met'}")
    if options.channel == 'whatsapp':
        wa_p95 = percentile(wa_to_agent + wa_to_citizen, 95)
        print(f"delivery latency p95, same run: widget {p95 * 1000:.0f} ms, "
            f"WhatsApp {wa_p95 * 1000:.0f} ms")
        setup['fake'].stop()
    print(f"server memory (RSS, master + workers): {end_memory:.0f} MiB "
        "at the end; at the peak: " + '; '.join(
            f"{total:.0f} MiB while the {phase} ({detail} MiB)"
            for phase, (total, detail) in peaks.items()))
    print(f"errors: {len(errors)}; accepts lost to another agent: "
        f"{len(conflicts)}")
    for error in errors[:10]:
        print("  ", str(error)[:300])
    return 0 if not errors else 1


def _whatsapp_citizens(setup, options, url, database, lock, sent, record,
        to_citizen, errors):
    """The loop of a citizen writing from WhatsApp: it identifies in the
    conversation, waits for an agent, sends its messages as signed
    webhooks and reads the answers where the server sends them (the fake
    Graph API)"""
    from trytond.modules.see_webchat.tests.fake_apis import (
        choice_message, sign, text_message, whatsapp_webhook)
    fake = setup['fake']
    inbox = collections.defaultdict(list)
    arrived = threading.Condition()

    def listener(request):
        body = request['body'] or {}
        if not isinstance(body, dict) or 'to' not in body:
            return
        now = time.perf_counter()
        text = (body.get('text') or {}).get('body') or ''
        if text.startswith('RW'):
            record('to citizen', to_citizen, text, now)
        with arrived:
            inbox[body['to']].append(body)
            arrived.notify_all()
    fake.listeners.append(listener)
    # The webhook of the server that serves the load (gunicorn's port)
    parts = urllib.parse.urlsplit(setup['webhook'])
    served = urllib.parse.urlsplit(url)
    path = parts.path

    def post(wa_id, message):
        body = json.dumps(whatsapp_webhook('9000009', wa_id, message))
        connection = http.client.HTTPConnection(
            served.hostname, served.port, timeout=90)
        try:
            connection.request('POST', path, body, {
                    'Content-Type': 'application/json',
                    'X-Hub-Signature-256': sign('segredo-carga',
                        body.encode())})
            response = connection.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return 0
        finally:
            connection.close()

    def wait(wa_id, count, timeout=300):
        "Wait until count messages reached the citizen"
        with arrived:
            return arrived.wait_for(lambda: len(inbox[wa_id]) >= count,
                timeout=timeout)

    def loop(i):
        rng = random.Random(-i)
        wa_id = f'55819{i:08d}'
        ids = itertools.count()
        try:
            # The notice, the name, the CPF and the service each get a
            # prompt; then the welcome and the notice of the agent
            steps = [text_message(f'w{i}-{next(ids)}', "Oi"),
                choice_message(f'w{i}-{next(ids)}', 'consent:yes',
                    kind='button_reply'),
                text_message(f'w{i}-{next(ids)}', f"Cidadão Zap {i}"),
                text_message(f'w{i}-{next(ids)}', "pular"),
                choice_message(f'w{i}-{next(ids)}', 'service:1')]
            for n, step in enumerate(steps, 1):
                status = post(wa_id, step)
                if status != 200:
                    errors.append(('whatsapp webhook', status))
                    return
                if n < len(steps) and not wait(wa_id, n):
                    errors.append(('whatsapp prompt missing', i, n))
                    return
            if not wait(wa_id, len(steps) + 1):
                errors.append(('whatsapp: not accepted in 300 s', i))
                return
            for n in range(options.messages):
                if options.think:
                    time.sleep(rng.uniform(
                        options.think / 2, options.think * 1.5))
                text = f'W{i}-{n}'
                with lock:
                    sent[text] = time.perf_counter()
                seen = len(inbox[wa_id])
                if post(wa_id, text_message(f'w{i}-{next(ids)}', text)) \
                        != 200:
                    errors.append(('whatsapp send', i))
                    return
                with arrived:
                    if not arrived.wait_for(lambda: any(
                                (m.get('text') or {}).get('body')
                                == 'R' + text for m in inbox[wa_id][seen:]),
                            timeout=300):
                        errors.append(('whatsapp: no answer', i, n))
                        return
            with arrived:
                arrived.wait_for(lambda: any(m.get('type') == 'interactive'
                        and m['interactive']['type'] == 'list'
                        for m in inbox[wa_id]), timeout=300)
            post(wa_id, choice_message(f'w{i}-{next(ids)}',
                    f'score:{rng.randint(6, 10)}'))
        except Exception as e:
            errors.append(('whatsapp citizen', i, repr(e)))
    return loop


if __name__ == '__main__':
    main()
