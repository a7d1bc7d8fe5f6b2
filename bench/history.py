#!/usr/bin/env python3
"""Benchmark: years of history, the agent's calls on it (issue 19).

Fills a PostgreSQL database with --protocols protocols spread over --years
years up to now (requesters that come back as citizens do, escalations,
surveys, KB ratings), --calls telephony calls and --messages chat messages
with plain SQL (INSERT … SELECT over generate_series, secondary indexes
built after the rows), printing each step's rate; then serves it with
gunicorn and measures, one client at a time, what an agent and the second
level call through JSON-RPC, each next to a floor measured on the same run:

- rpc floor: a read of one field of one catalogue record (session check,
  access rights, no work), the cost of any call;
- sql: the bare SQL of the same lookup or aggregate, when there is one.

It ends with the database size per million protocols and the EXPLAIN of the
queries Tryton generates that read a big table sequentially.

    .venv/bin/pip install -q -e '.[bench]'
    .venv/bin/python bench/history.py --protocols 10000000

The database is dropped at the end (SEE_TEST_KEEP=1 keeps it).
Not part of `make test`: it prints figures, it does not assert them.
"""
import argparse
import datetime as dt
import json
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault('TRYTOND_DATABASE__URI', 'postgresql:///')
# As config/production.conf: the immutable unaccent of see_atendimento
os.environ.setdefault('TRYTOND_DATABASE__UNACCENT_FUNCTION', 'see_unaccent')

from machine import describe as describe_machine  # bench/machine.py
from protocol_rpc import Client, percentile, start_gunicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Weyl sequences with different multipliers: cheap, reproducible and
# nearly independent pseudo-random fractions of the row number i
MULTIPLIERS = [2654435761, 2246822519, 3266489917, 668265263, 374761393,
    1181783497]
FIRST_NAMES = ['Maria', 'José', 'Ana', 'João', 'Antônio', 'Francisco',
    'Carlos', 'Paulo', 'Pedro', 'Lucas', 'Luiz', 'Marcos', 'Luís', 'Gabriel',
    'Rafael', 'Francisca', 'Daniel', 'Marcelo', 'Bruno', 'Eduardo',
    'Adriana', 'Juliana', 'Márcia', 'Fernanda', 'Patrícia', 'Aline',
    'Sandra', 'Camila', 'Amanda', 'Bruna', 'Jéssica', 'Letícia', 'Júlia',
    'Luciana', 'Vanessa', 'Mariana', 'Gabriela', 'Vera', 'Vitória', 'Larissa']
SURNAMES = ['Silva', 'Santos', 'Oliveira', 'Souza', 'Rodrigues', 'Ferreira',
    'Alves', 'Pereira', 'Lima', 'Gomes', 'Costa', 'Ribeiro', 'Martins',
    'Carvalho', 'Almeida', 'Lopes', 'Soares', 'Fernandes', 'Vieira',
    'Barbosa', 'Rocha', 'Dias', 'Nascimento', 'Andrade', 'Moreira', 'Nunes',
    'Marques', 'Machado', 'Mendes', 'Freitas', 'Cardoso', 'Ramos',
    'Gonçalves', 'Santana', 'Teixeira', 'Araújo', 'Cavalcanti', 'Monteiro',
    'Barros', 'Campos']
WORDS = ('matrícula transferência escola histórico declaração boletim '
    'merenda transporte uniforme vaga turno professor diretor secretaria '
    'documento certidão prazo inscrição resultado recurso bolsa auxílio '
    'calendário férias greve aula reposição nota frequência falta atestado '
    'laudo inclusão acessibilidade libras braille creche infantil médio '
    'técnico integral noturno educação jovens adultos concurso seleção '
    'remoção lotação gratificação salário pagamento contracheque licença '
    'aposentadoria portal senha acesso sistema cadastro atualização '
    'endereço telefone email responsável aluno estudante mãe pai filho '
    'filha irmão ônibus rota motorista atraso reclamação elogio sugestão '
    'denúncia informação dúvida orientação protocolo andamento resposta '
    'urgente ontem hoje semana mês ano escola-estadual gre recife olinda '
    'caruaru petrolina garanhuns jaboatão paulista camaragibe').split()
# A word of one protocol in ten thousand: the full-text search that finds
# few rows
RARE_WORD = 'xilogravura'


def u(expression, salt):
    "SQL of a pseudo-random fraction in [0, 1) of the integer expression"
    return (f'(((({expression})::bigint * {MULTIPLIERS[salt]}) '
        f'% 4294967296)::float8 / 4294967296)')


def sql_array(values):
    return 'ARRAY[' + ', '.join(
        "'" + v.replace("'", "''") + "'" for v in values) + ']'


class Step:
    "Print the time and rate of a step of the fill"

    def __init__(self, name, rows=None):
        self.name, self.rows = name, rows

    def __enter__(self):
        print(f'  {self.name}…', end='', flush=True)
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc):
        elapsed = time.monotonic() - self.start
        rate = (f', {self.rows / elapsed:,.0f} rows/s'
            if self.rows and not exc[0] else '')
        rows = f'{self.rows:,} rows in ' if self.rows else ''
        print(f' {rows}{elapsed:.1f} s{rate}', flush=True)


BIG_TABLES = ['see_protocol', 'see_protocol_escalation', 'party_party',
    'party_identifier', 'party_contact_mechanism', 'see_call',
    'see_chat_session', 'see_chat_message', 'see_kb_rating']


def fill(conn, server, options):
    "Insert the history with SQL; return the ids the measures need"
    n = options.protocols
    requesters = max(10, int(n * 0.35))
    agents = 200
    cur = conn.cursor()
    cur.execute('SET session_replication_role = replica')  # no FK triggers
    cur.execute("SET work_mem = '256MB'")
    cur.execute("SET maintenance_work_mem = '512MB'")
    cur.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    # Secondary indexes are built once the rows are in: much faster than
    # keeping them up to date row by row
    cur.execute("SELECT indexname, indexdef FROM pg_indexes "
        "WHERE tablename = ANY(%s) AND indexname NOT LIKE '%%_pkey' "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        (BIG_TABLES,))
    indexes = cur.fetchall()
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')

    now = dt.datetime.now().replace(microsecond=0)
    first = now - dt.timedelta(days=365 * options.years)
    span = (now - first).total_seconds()
    step = span / n

    # Catalogue: 8 units (the fixture's first, its user is the unit's),
    # 60 services, 3 classifications, 200 agents (the fixture's first)
    unit0 = server.records['unit']
    cur.execute("INSERT INTO see_unit (name, code, active, create_uid, "
        "create_date) SELECT 'Gerência ' || i, 'GH' || i, true, 0, now() "
        "FROM generate_series(1, 7) i RETURNING id")
    units = [unit0] + [r[0] for r in cur.fetchall()]
    cur.execute("INSERT INTO see_service (name, code, kind, unit, active, "
        "create_uid, create_date) SELECT 'Serviço ' || i, 'SH' || i, "
        "'rotineiro', (%s::int[])[1 + i %% 8], true, 0, now() "
        "FROM generate_series(1, 59) i RETURNING id", (units,))
    services = [server.records['service']] + [r[0] for r in cur.fetchall()]
    classifications = {}
    for code, outcome, billable in [('hpadrao', 'resolved', True),
            ('hsee', 'forwarded', True), ('htrote', 'invalid', False)]:
        cur.execute("INSERT INTO see_classification (name, code, outcome, "
            "billable, active, create_uid, create_date) VALUES "
            "(%s, %s, %s, %s, true, 0, now()) RETURNING id",
            (code, code, outcome, billable))
        classifications[code] = cur.fetchone()[0]
    cur.execute("INSERT INTO res_user (login, name, active, create_uid, "
        "create_date) SELECT 'hist-agent-' || i, 'Atendente ' || i, true, "
        "0, now() FROM generate_series(1, %s) i RETURNING id",
        (agents - 1,))
    agent_ids = [server.users['agent'].id] + [r[0] for r in cur.fetchall()]

    print(f'filling {n:,} protocols over {options.years} years '
        f'({requesters:,} requesters)', flush=True)
    # Requesters: party, CPF identifier and mobile phone
    first_names, surnames = sql_array(FIRST_NAMES), sql_array(SURNAMES)
    name = (f"({first_names})[1 + r % 40] || ' ' || "
        f"({surnames})[1 + (r / 40) % 40] || ' ' || "
        f"({surnames})[1 + (r / 1600) % 40]")
    cpf = 'hist_cpf(100000000 + r)'
    phone = "'+558199' || lpad(((r::bigint * 7907) % 10000000)::text, 7, '0')"
    cur.execute("""
        CREATE OR REPLACE FUNCTION hist_cpf(base bigint) RETURNS text
        LANGUAGE plpgsql IMMUTABLE AS $$
        DECLARE
            s1 int := 0;
            s2 int := 0;
            d int;
            c1 int;
            c2 int;
        BEGIN
            FOR k IN 1..9 LOOP
                d := (base / (10 ^ (9 - k))::bigint) % 10;
                s1 := s1 + d * (11 - k);
                s2 := s2 + d * (12 - k);
            END LOOP;
            c1 := CASE WHEN s1 % 11 < 2 THEN 0 ELSE 11 - s1 % 11 END;
            s2 := s2 + c1 * 2;
            c2 := CASE WHEN s2 % 11 < 2 THEN 0 ELSE 11 - s2 % 11 END;
            RETURN lpad(base::text, 9, '0') || c1 || c2;
        END $$""")
    with Step('requesters (party_party)', requesters):
        cur.execute(f"""
            INSERT INTO party_party (name, code, active, create_uid,
                create_date)
            SELECT {name}, 'H' || r, true, 0, now()
            FROM generate_series(1, {requesters}) r""")
    cur.execute("SELECT MIN(id) FROM party_party WHERE code LIKE 'H%%'")
    party0, = cur.fetchone()
    with Step('identifiers (CPF)', requesters):
        cur.execute(f"""
            INSERT INTO party_identifier (party, type, code, code_compact,
                active, create_uid, create_date)
            SELECT {party0} + r - 1, 'br_cpf', c, c, true, 0, now()
            FROM (SELECT r, {cpf} AS c FROM generate_series(1, {requesters}) r) s""")
    cur.execute("SELECT MIN(id) FROM party_identifier "
        "WHERE party = %s" % party0)
    identifier0, = cur.fetchone()
    with Step('contact mechanisms (mobile)', requesters):
        cur.execute(f"""
            INSERT INTO party_contact_mechanism (party, type, value,
                value_compact, active, create_uid, create_date)
            SELECT {party0} + r - 1, 'mobile', p, p, true, 0, now()
            FROM (SELECT r, {phone} AS p FROM generate_series(1, {requesters}) r) s""")

    # 40 % of the contacts come from the tenth of the citizens who come
    # back often; the others from anybody; 70 % about their usual service
    requester = (f'(CASE WHEN {u("i", 0)} < 0.4 '
        f'THEN 1 + floor({requesters // 10} * {u("i", 1)})::int '
        f'ELSE 1 + floor({requesters} * {u("i", 1)})::int END)')
    service = (f'(CASE WHEN {u("i", 2)} < 0.7 THEN 1 + (r * 13) % 60 '
        f'ELSE 1 + floor(60 * {u("i", 3)})::int END)')
    start = f"(TIMESTAMP '{first}' + i * INTERVAL '{step} seconds')"
    age = f"(TIMESTAMP '{now}' - st)"
    state = f"""(CASE
        WHEN i % 50 = 7 THEN 'cancelled'
        WHEN i % 20 = 0 THEN CASE
            WHEN {age} < INTERVAL '3 days' THEN 'escalated'
            WHEN {age} < INTERVAL '10 days' THEN 'answered'
            ELSE 'closed' END
        WHEN {age} < INTERVAL '2 hours' AND i % 40 = 1 THEN 'draft'
        WHEN {age} < INTERVAL '1 hour' THEN 'attending'
        WHEN {age} < INTERVAL '1 day' AND i % 10 = 3 THEN 'resolved'
        ELSE 'closed' END)"""
    words = sql_array(WORDS)
    description = ' || '.join(
        f"({words})[1 + floor({len(WORDS)} * {u(f'i + {k}', k % 6)})::int]"
        " || ' '" for k in range(10))
    description += f" || CASE WHEN i % 10000 = 77 THEN '{RARE_WORD}' END"
    with Step('protocols (with their previous contact)', n):
        cur.execute(f"""
            INSERT INTO see_protocol (number, channel, requester,
                requester_name, requester_phone, requester_cpf, service,
                classification, agent, description, answer, start_date,
                end_date, closed_date, state, survey_score, survey_date,
                previous_contact, create_uid, create_date)
            SELECT
                extract(year FROM st)::int || lpad(i::text, 9, '0'),
                CASE WHEN i % 20 < 12 THEN 'telefone'
                    WHEN i % 20 < 19 THEN 'webchat' ELSE 'whatsapp' END,
                {party0} + r - 1, {name}, {phone},
                (SELECT code FROM party_identifier
                    WHERE id = {identifier0} + r - 1),
                (ARRAY{services})[s],
                CASE WHEN i % 20 = 0 THEN {classifications['hsee']}
                    WHEN i % 23 = 0 THEN {classifications['htrote']}
                    ELSE {classifications['hpadrao']} END,
                (ARRAY{agent_ids})[1 + i % {agents}],
                {description},
                CASE WHEN state IN ('resolved', 'answered', 'closed')
                    THEN 'Orientado conforme a base de conhecimento.' END,
                st,
                CASE WHEN state NOT IN ('draft', 'attending')
                    THEN st + (2 + i % 20) * INTERVAL '1 minute' END,
                CASE WHEN state = 'closed'
                    THEN st + INTERVAL '1 day' END,
                state,
                CASE WHEN state = 'closed' AND i % 3 = 0 THEN i % 11 END,
                CASE WHEN state = 'closed' AND i % 3 = 0
                    THEN st + INTERVAL '30 minutes' END,
                previous, 0, st
            FROM (
                SELECT i, r, s, st, state, max(CASE WHEN state NOT IN
                        ('escalated', 'cancelled') THEN st END) OVER (
                    PARTITION BY r, s ORDER BY st RANGE BETWEEN UNBOUNDED
                    PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS previous
                FROM (
                    SELECT i, r, {service} AS s, st, {state} AS state
                    FROM (SELECT i, {requester} AS r, {start} AS st
                        FROM generate_series(1, {n}) i) a) b
                ORDER BY i) c""")
    with Step('escalations', n // 20):
        cur.execute(f"""
            INSERT INTO see_protocol_escalation (protocol, question, answer,
                unit, state, requested_by, request_date, analysis_date,
                answered_date, returned_date, create_uid, create_date)
            SELECT p.id, 'Qual a regra para este caso?',
                CASE WHEN p.state IN ('answered', 'closed')
                    THEN 'A regra é esta.' END,
                s.unit,
                CASE p.state WHEN 'escalated' THEN
                    CASE WHEN p.id % 40 = 0 THEN 'new' ELSE 'analysis' END
                    WHEN 'answered' THEN 'answered' ELSE 'returned' END,
                p.agent, p.start_date + INTERVAL '5 minutes',
                p.start_date + INTERVAL '2 hours',
                CASE WHEN p.state IN ('answered', 'closed')
                    THEN p.start_date + INTERVAL '1 day' END,
                CASE WHEN p.state = 'closed'
                    THEN p.start_date + INTERVAL '2 days' END,
                0, p.start_date
            FROM see_protocol p JOIN see_service s ON s.id = p.service
            WHERE p.classification = {classifications['hsee']}
            ORDER BY p.id""")

    with Step('knowledge base: 2,000 articles, 200,000 ratings', 202_000):
        cur.execute(f"""
            INSERT INTO see_kb_article (title, body, keywords, state,
                version, produced_by, publication_date, create_uid,
                create_date)
            SELECT 'Artigo ' || i || ': ' || ({words})[1 + i % {len(WORDS)}],
                'Orientação sobre ' || ({words})[1 + (i * 7) % {len(WORDS)}],
                ({words})[1 + (i * 13) % {len(WORDS)}], 'published', 1,
                CASE WHEN i % 4 = 0 THEN 'see' ELSE 'contractor' END,
                DATE '{first:%Y-%m-%d}', 0, now()
            FROM generate_series(1, 2000) i""")
        cur.execute(f"""
            INSERT INTO see_kb_rating (article, grade, date, rated_by,
                create_uid, create_date)
            SELECT a.id, 1 + (a.id + g) % 5,
                DATE '{first:%Y-%m-%d}' + (a.id * 7 + g * 13)
                    % {365 * options.years},
                (ARRAY{agent_ids})[1 + g % {agents}], 0, now()
            FROM see_kb_article a, generate_series(1, 100) g""")

    calls = options.calls
    if calls:
        # Through the ORM: the server's many settings have their defaults
        AmiServer = server.proteus('root').get('see.ami.server')
        ami_server = AmiServer(name='Histórico', host='127.0.0.1',
            user='bench', secret='x')
        ami_server.save()
        ami = ami_server.id
        call_columns = """(server, uniqueid, linkedid, direction, caller,
            arrival_date, queue_date, answer_date, hangup_date, wait_seconds,
            talk_seconds, disposition, agent, protocol, create_uid,
            create_date)"""
        with Step('calls of the phone protocols') as counted:
            cur.execute(f"""
                INSERT INTO see_call {call_columns}
                SELECT {ami}, 'h' || p.id, 'h' || p.id, 'inbound',
                    p.requester_phone, p.start_date - INTERVAL '90 seconds',
                    p.start_date - INTERVAL '60 seconds',
                    p.start_date, p.end_date, 60,
                    extract(epoch FROM p.end_date - p.start_date)::int,
                    'answered', p.agent, p.id, 0, p.start_date
                FROM see_protocol p WHERE p.channel = 'telefone'
                ORDER BY p.id""")
            counted.rows = cur.rowcount
        others = max(0, calls - counted.rows)
        call_step = span / max(others, 1)
        with Step('calls without protocol (abandoned, IVR)', others):
            cur.execute(f"""
                INSERT INTO see_call {call_columns}
                SELECT {ami}, 'a' || i, 'a' || i, 'inbound',
                    '+558198' || lpad(((i::bigint * 7919) % 10000000)::text, 7,
                        '0'),
                    a, a + INTERVAL '30 seconds', NULL,
                    a + (40 + i % 300) * INTERVAL '1 second',
                    10 + i % 300, NULL,
                    CASE WHEN i % 3 = 0 THEN 'ivr' ELSE 'abandoned' END,
                    NULL, NULL, 0, a
                FROM (SELECT i, TIMESTAMP '{first}'
                        + i * INTERVAL '{call_step} seconds' AS a
                    FROM generate_series(1, {others}) i) s""")

    messages = options.messages
    if messages:
        sessions = max(1, messages // 5)
        with Step('chat sessions of the latest webchat protocols',
                sessions):
            cur.execute(f"""
                INSERT INTO see_chat_session (token_hash, expire_date,
                    requester_name, requester_phone, requester_cpf,
                    consent_date, service, state, agent, protocol,
                    start_date, accept_date, end_date, interaction_count,
                    channel, create_uid, create_date)
                SELECT 'h' || p.id, p.start_date + INTERVAL '1 day',
                    p.requester_name, p.requester_phone, p.requester_cpf,
                    p.start_date, p.service,
                    CASE WHEN p.state IN ('draft', 'attending')
                        THEN 'active' ELSE 'closed' END,
                    p.agent, p.id, p.start_date - INTERVAL '1 minute',
                    p.start_date, p.end_date, 4, 'webchat', 0, p.start_date
                FROM (SELECT * FROM see_protocol
                    WHERE channel = 'webchat' ORDER BY id DESC
                    LIMIT {sessions}) p ORDER BY p.id""")
        with Step('chat messages', messages):
            cur.execute(f"""
                INSERT INTO see_chat_message (session, date, author_type,
                    author, kind, text, interaction, create_uid, create_date)
                SELECT s.id, s.start_date + k * INTERVAL '40 seconds',
                    CASE WHEN k % 2 = 1 THEN 'citizen' ELSE 'agent' END,
                    CASE WHEN k % 2 = 0 THEN s.agent END, 'text',
                    ({words})[1 + (s.id + k) % {len(WORDS)}] || ' '
                        || ({words})[1 + (s.id * k) % {len(WORDS)}],
                    k > 1, 0, s.start_date
                FROM see_chat_session s, generate_series(1, 5) k
                WHERE s.token_hash LIKE 'h%'
                ORDER BY s.id, k LIMIT {messages}""")

    with Step(f'{len(indexes)} secondary indexes rebuilt'):
        for _, definition in indexes:
            cur.execute(definition)
    cur.execute('SET session_replication_role = DEFAULT')
    conn.commit()
    conn.autocommit = True
    with Step('VACUUM ANALYZE'):
        cur.execute('VACUUM ANALYZE')
    conn.autocommit = False
    return {
        'units': units, 'services': services, 'agents': agent_ids,
        'party0': party0, 'requesters': requesters, 'first': first,
        'now': now, 'classifications': classifications,
        }


class RPC(Client):
    "A Client that sends and receives dates as Tryton's JSON-RPC does"

    def call(self, method, *params, label=None):
        from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder
        headers = {'Content-Type': 'application/json'}
        if self.authorization:
            headers['Authorization'] = self.authorization
        body = json.dumps({'id': 1, 'method': method, 'params': params},
            cls=JSONEncoder)
        status, data = self._request(body, headers)
        if status != 200:
            raise RuntimeError(f'{method}: HTTP {status} {data[:300]!r}')
        answer = json.loads(data, object_hook=JSONDecoder())
        if answer.get('error'):
            raise RuntimeError(f'{method}: {answer["error"]}')
        return answer['result']

    def get(self, path):
        headers = {'Authorization': self.authorization}
        status, data = self._request(None, headers, method='GET', path=path)
        if status != 200:
            raise RuntimeError(f'GET {path}: HTTP {status} {data[:300]!r}')
        return json.loads(data)


class Table:
    "The figures: each call's latency next to the floors of the same run"

    def __init__(self, repeat, budget):
        self.repeat = repeat
        self.budget = budget
        self.rows = []
        self.floor_p95 = None

    def measure(self, label, calls, sql=None, repeat=None, floor=False):
        """Time calls (a list of callables, cycled) and, with sql (a list
        of (query, params)), the bare SQL of the same"""
        repeat = repeat or self.repeat
        calls[0]()  # warm the caches of the worker
        # At most --budget seconds a figure, at least 3 calls: a sequential
        # scan of years of rows would take minutes a call
        timings = []
        deadline = time.monotonic() + self.budget
        for k in range(repeat):
            start = time.perf_counter()
            calls[k % len(calls)]()
            timings.append(time.perf_counter() - start)
            if k >= 2 and time.monotonic() > deadline:
                break
        sql_time = None
        if sql:
            sql_timings = []
            deadline = time.monotonic() + self.budget
            for k in range(max(3, min(repeat, 10))):
                query, params = sql[k % len(sql)]
                start = time.perf_counter()
                self.cursor.execute(query, params)
                self.cursor.fetchall()
                sql_timings.append(time.perf_counter() - start)
                if k >= 2 and time.monotonic() > deadline:
                    break
            sql_time = percentile(sql_timings, .5)
        p50, p95 = percentile(timings, .5), percentile(timings, .95)
        if floor:
            self.floor_p95 = p95
        ratio = p95 / self.floor_p95 if self.floor_p95 else float('nan')
        sql_text = f'{sql_time * 1000:8.1f}' if sql_time is not None \
            else f'{"":8}'
        line = (f'{label:44} {p50 * 1000:8.1f} {p95 * 1000:8.1f} '
            f'{sql_text} {ratio:6.1f}x {len(timings):3}')
        self.rows.append(line)
        print(line, flush=True)
        return timings


def month_range(month):
    low = dt.datetime.combine(month, dt.time())
    high = dt.datetime.combine(
        (month + dt.timedelta(days=32)).replace(day=1), dt.time())
    return low, high


def month_contract(admin, data, month):
    """The contract and the measurement of month: made on the first run,
    found again on a kept database (--database)"""
    contracts = admin.call('model.see.contract.search',
        [[('number', '=', 'HIST')]], {})
    if contracts:
        contract, = contracts
        measurement, = admin.call('model.see.sla.measurement.search',
            [[('contract', '=', contract), ('month', '=', month)]], {})
        return contract, measurement
    supplier = admin.call('model.party.party.create', [{'name': 'Contratada'}],
        {})[0]
    customer = admin.call('model.party.party.create', [{'name': 'SEE-PE'}],
        {})[0]
    contract, = admin.call('model.see.contract.create', [{
                'number': 'HIST', 'supplier': supplier, 'customer': customer,
                'start_date': data['first'].date(),
                'operation_start': data['first'].date(),
                'billing_basis': 'realized',
                'items': [['create', [
                            {'efisco_code': '513159-6',
                                'description': 'Teleatendimento',
                                'channel': 'telefone',
                                'estimated_quantity': 32630,
                                'unit_price': 10},
                            {'efisco_code': '513241-0',
                                'description': 'Webchat',
                                'channel': 'webchat',
                                'estimated_quantity': 31500,
                                'unit_price': 8}]]],
                }], {})
    admin.call('model.see.contract.activate', [contract], {})
    measurement, = admin.call('model.see.sla.measurement.create', [{
                'contract': contract, 'month': month}], {})
    return contract, measurement


def measure(server, url, conn, data, options):
    from tests.server import password
    cur = conn.cursor()
    table = Table(options.repeat, options.budget)
    table.cursor = cur
    database = server.database
    agent = RPC(url, database)
    agent.login(server.users['agent'].login, password('agent'))
    unit = RPC(url, database)
    unit.login(server.users['unit'].login, password('unit'))
    # The contract manager computes the month and opens its drill-downs
    admin = RPC(url, database)
    admin.login(server.users['contract_manager'].login,
        password('contract_manager'))
    agent_id = server.users['agent'].id
    limit = options.limit

    def fields_of(view_type):
        view = agent.call('model.see.protocol.fields_view_get', None,
            view_type, {})
        names = []
        for name, field in view['fields'].items():
            names.append(name)
            if field['type'] in {'many2one', 'reference'}:
                names.append(f'{name}.rec_name')
        return names, view['fields']
    list_fields, _ = fields_of('tree')
    form_fields, form_definitions = fields_of('form')

    # As the web client: the ids of a page of --limit, then the fields of
    # the first rows, limit / min(fields, 10) of them, with the rights
    list_fields += ['rec_name', '_timestamp', '_write', '_delete']
    first_rows = limit // min(len(list_fields), 10)

    def search_read(client, domain, order=None):
        def call():
            ids = client.call('model.see.protocol.search', domain, 0, limit,
                order, {})
            client.call('model.see.protocol.read', ids[:first_rows],
                list_fields, {})
        return call

    # Samples spread over the years
    cur.execute("SELECT id, number, requester_cpf, requester_phone, "
        "split_part(requester_name, ' ', 1) || ' ' || "
        "split_part(requester_name, ' ', 2) FROM see_protocol "
        "WHERE id %% %s = 0 ORDER BY id LIMIT 30",
        (max(1, options.protocols // 30),))
    samples = cur.fetchall()
    # The bare SQL as Tryton builds it: COALESCE of the columns that are
    # not required, the unaccent it is configured with when it exists
    unaccent = os.environ['TRYTOND_DATABASE__UNACCENT_FUNCTION']
    cur.execute('SELECT 1 FROM pg_proc WHERE proname = %s', (unaccent,))
    if not cur.fetchone():
        unaccent = 'unaccent'
    sql_list = ('SELECT id FROM see_protocol WHERE {} '
        'ORDER BY start_date DESC, id DESC LIMIT %s')

    print(f'\n{"call (one client, JSON-RPC)":44} {"p50 ms":>8} {"p95 ms":>8} '
        f'{"sql ms":>8} {"/floor":>7} {"n":>3}')
    table.measure('floor: read 1 field of 1 record', [
            lambda: agent.call('model.see.service.read',
                [data['services'][0]], ['name'], {})],
        sql=[('SELECT name FROM see_service WHERE id = %s',
                (data['services'][0],))], floor=True)
    table.measure('search by number + read', [
            search_read(agent, [('number', '=', s[1])]) for s in samples],
        sql=[(sql_list.format('number = %s'), (s[1], limit))
            for s in samples])
    table.measure('search by CPF + read', [
            search_read(agent, [('requester_cpf', '=', s[2])])
            for s in samples],
        sql=[(sql_list.format("COALESCE(requester_cpf, '') = %s"),
                (s[2], limit))
            for s in samples])
    table.measure('search by phone + read', [
            search_read(agent, [('requester_phone', '=', s[3])])
            for s in samples],
        sql=[(sql_list.format("COALESCE(requester_phone, '') = %s"),
                (s[3], limit))
            for s in samples])
    table.measure('search by name prefix + read', [
            search_read(agent, [('requester_name', 'ilike', s[4] + '%')])
            for s in samples],
        sql=[(sql_list.format(f"{unaccent}(COALESCE(requester_name, '')) "
                    f"ILIKE {unaccent}(%s)"), (s[4] + '%', limit))
            for s in samples])
    words = ['matrícula', 'transferência', 'merenda', 'certidão']
    table.measure('full text, common word + read', [
            search_read(agent, [('description', 'ilike', f'%{w}%')])
            for w in words],
        sql=[(sql_list.format(f"{unaccent}(COALESCE(description, '')) "
                    f"ILIKE {unaccent}(%s)"), (f'%{w}%', limit))
            for w in words])
    table.measure('full text, rare word + read', [
            search_read(agent, [('description', 'ilike', f'%{RARE_WORD}%')])],
        sql=[(sql_list.format(f"{unaccent}(COALESCE(description, '')) "
                    f"ILIKE {unaccent}(%s)"), (f'%{RARE_WORD}%', limit))])
    my_open = [('agent', '=', agent_id), ('state', 'in', ['draft', 'attending'])]
    table.measure('my open protocols + read', [search_read(agent, my_open)],
        sql=[(sql_list.format("agent = %s AND state IN ('draft', "
                    "'attending')"), (agent_id, limit))])

    tabs = [[('state', '=', 'attending')], [('state', '=', 'draft')],
        [('state', '=', 'escalated')],
        [('state', 'in', ['resolved', 'answered'])]]

    def protocol_list():
        for domain in tabs:
            agent.call('model.see.protocol.search_count', domain, 0, None,
                {})
        search_read(agent, tabs[0])()
    table.measure('protocol list: 4 tab counts + first page', [protocol_list],
        sql=[("SELECT state, count(*) FROM see_protocol WHERE state IN "
                "('attending', 'draft', 'escalated', 'resolved', 'answered') "
                "GROUP BY state", ())])
    table.measure('protocol list, tab "All": first page', [
            search_read(agent, [])],
        sql=[(sql_list.format('true'), (limit,))])

    x2many = {name: field['relation'] for name, field
        in form_definitions.items()
        if field['type'] in {'one2many', 'many2many'}
        and name in form_fields}

    def open_form(protocol_id):
        def call():
            record, = agent.call('model.see.protocol.read', [protocol_id],
                form_fields + ['rec_name', '_timestamp', '_write',
                    '_delete'], {})
            for name, model in x2many.items():
                if record.get(name):
                    agent.call(f'model.{model}.read', record[name],
                        ['rec_name'], {})
        return call
    cur.execute("SELECT protocol FROM see_protocol_escalation "
        "ORDER BY id DESC LIMIT 10")
    escalated = [r[0] for r in cur.fetchall()]
    table.measure('open a protocol form (read + x2many)', [
            open_form(i) for i in escalated + [s[0] for s in samples]],
        sql=[('SELECT * FROM see_protocol WHERE id = %s', (s[0],))
            for s in samples])
    board = f'/{database}/see_atendimento/board/data?unit={server.records["unit"]}'
    table.measure("board's data for a unit (unit's user)",
        [lambda: unit.get(board)],
        sql=[("SELECT id FROM see_protocol_escalation WHERE (unit = %s OR "
                "forwarded_unit = %s) AND (state != 'returned' OR "
                "returned_date >= now() - INTERVAL '30 days')",
                (server.records['unit'], server.records['unit']))])
    table.measure("unit's user: protocol list, first page", [
            search_read(unit, [])],
        sql=[(sql_list.format('true'), (limit,))], repeat=5)

    if options.searches_only:
        return table
    # The month: the last whole month before now
    month = (data['now'].date().replace(day=1) - dt.timedelta(days=1)
        ).replace(day=1)
    low, high = month_range(month)
    contract, measurement = month_contract(admin, data, month)
    month_sql = ("SELECT count(*) FILTER (WHERE state != 'cancelled'), "
        "count(*) FILTER (WHERE state NOT IN ('escalated', 'cancelled') AND "
        "previous_contact >= start_date - INTERVAL '30 days'), "
        "count(*) FILTER (WHERE survey_score >= 7), count(survey_score), "
        "count(*) FILTER (WHERE end_date - start_date < INTERVAL '10 min'), "
        "count(DISTINCT requester) "
        "FROM see_protocol WHERE start_date >= %s AND start_date < %s")
    print(f'\nmonth {month:%m/%Y}')
    table.measure('measurement: compute the month', [
            lambda: admin.call('model.see.sla.measurement.compute',
                [measurement], {})],
        sql=[(month_sql, (low, high)),
            ("SELECT count(*), count(answer_date), avg(wait_seconds) "
                "FROM see_call WHERE arrival_date >= %s "
                "AND arrival_date < %s", (low, high))],
        repeat=3)
    table.measure('reincidence (FCR) of the month: count', [
            lambda: admin.call('model.see.protocol.search_count', [
                    ('start_date', '>=', low), ('start_date', '<', high),
                    ('reincident', '=', True)], 0, None, {})],
        sql=[(month_sql, (low, high))], repeat=3)
    from trytond.pyson import PYSONDecoder
    lines = admin.call('model.see.sla.measurement.line.search_read',
        [('measurement', '=', measurement)], 0, None, None,
        ['code', 'period', 'records_model', 'numerator_domain',
            'denominator_domain'], {})
    items = admin.call('model.see.sla.measurement.item.search_read',
        [('measurement', '=', measurement)], 0, None, None,
        ['channel', 'registered_domain', 'billable_domain'], {})
    drills = []
    for line in lines:
        for which in ['numerator', 'denominator']:
            if line['records_model'] and line[f'{which}_domain']:
                drills.append((f"{line['code']} {line['period']} {which}",
                        line['records_model'], line[f'{which}_domain']))
    for item in items:
        for which in ['registered', 'billable']:
            if item[f'{which}_domain']:
                drills.append((f"{item['channel']} {which}", 'see.protocol',
                        item[f'{which}_domain']))
    for label, model, domain in drills:
        domain = PYSONDecoder().decode(domain)

        def drill(model=model, domain=domain):
            ids = admin.call(f'model.{model}.search', domain, 0, limit, None,
                {})
            admin.call(f'model.{model}.read', ids[:first_rows],
                ['rec_name', '_timestamp', '_write', '_delete'], {})
        table.measure(f'drill-down {label}'[:44], [drill],
            sql=[(sql_list.format('start_date >= %s AND start_date < %s'),
                    (low, high, limit))], repeat=3)
    return table


def explain(server, options, agent_id):
    """EXPLAIN the queries Tryton builds for the agent's searches and
    return those that read a big table sequentially"""
    from trytond.config import config
    config.update_etc(server.config_file)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(server.database)
    pool.init()
    domains = {
        'number': [('number', '=', '2024000000001')],
        'cpf': [('requester_cpf', '=', '12345678909')],
        'phone': [('requester_phone', '=', '+5581991234567')],
        'name prefix': [('requester_name', 'ilike', 'Maria Silva%')],
        'full text': [('description', 'ilike', f'%{RARE_WORD}%')],
        'my open': [('agent', '=', agent_id),
            ('state', 'in', ['draft', 'attending'])],
        'tab in attendance': [('state', '=', 'attending')],
        'tab all': [],
        }
    found = []
    with Transaction().start(server.database, agent_id,
            context={'_check_access': True}) as transaction:
        Protocol = pool.get('see.protocol')
        cursor = transaction.connection.cursor()
        for label, domain in domains.items():
            query = Protocol.search(domain, limit=options.limit, query=True)
            # Run, to see the rows an index scan read and threw away: a
            # walk of the whole start_date index is no better than a scan
            cursor.execute('EXPLAIN (ANALYZE, COSTS OFF) ' + str(query),
                query.params)
            plan = '\n'.join(r[0] for r in cursor.fetchall())
            removed = [int(n) for n in re.findall(
                    r'Rows Removed by (?:Index Recheck|Filter): (\d+)', plan)]
            if 'Seq Scan' in plan or sum(removed) > 10000:
                found.append((label, plan))
    return found


def sizes(conn, protocols):
    cur = conn.cursor()
    cur.execute('SELECT pg_database_size(current_database())')
    total, = cur.fetchone()
    print(f'\ndatabase size: {total / 2**30:.2f} GiB, '
        f'{total / 2**30 / (protocols / 1e6):.2f} GiB per million protocols')
    cur.execute("SELECT relname, pg_total_relation_size(oid), "
        "pg_relation_size(oid), reltuples FROM pg_class WHERE relname = "
        "ANY(%s) ORDER BY 2 DESC", (BIG_TABLES,))
    for name, size, heap, rows in cur.fetchall():
        print(f'  {name:26} {size / 2**20:9.0f} MiB '
            f'(rows {heap / 2**20:7.0f} MiB, indexes '
            f'{(size - heap) / 2**20:7.0f} MiB), {rows:12,.0f} rows')


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--protocols', type=int, default=10_000_000)
    parser.add_argument('--years', type=int, default=5)
    parser.add_argument('--calls', type=int, default=None,
        help="telephony calls (default 1.2 per protocol)")
    parser.add_argument('--messages', type=int, default=None,
        help="chat messages (default 0.5 per protocol)")
    parser.add_argument('--repeat', type=int, default=20,
        help="calls timed for each figure (default 20)")
    parser.add_argument('--budget', type=float, default=15,
        help="seconds at most for each figure, 3 calls at least (15)")
    parser.add_argument('--limit', type=int, default=1000,
        help="rows of a list's first page (the web client's default 1000)")
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--searches-only', action='store_true',
        help="measure the agent's calls only, not the month")
    parser.add_argument('--keep', action='store_true',
        help="keep the filled database to measure it again")
    parser.add_argument('--database',
        help="measure a database kept by an earlier run (--keep), "
        "without filling")
    options = parser.parse_args()
    if options.calls is None:
        options.calls = int(options.protocols * 1.2)
    if options.messages is None:
        options.messages = options.protocols // 2

    print(describe_machine(), flush=True)
    from tests.server import TrytonServer, _connect
    server = TrytonServer(modules=['see_atendimento', 'see_sla',
            'see_telefonia', 'see_webchat'], web=False)
    if options.database:
        reuse(server, options.database)
    else:
        print('preparing the database…', flush=True)
        server.start()
        index_unaccented(server)
    gunicorn = None
    try:
        print(f'database {server.database}', flush=True)
        with _connect(server.database) as conn:
            if options.database:
                data = server.history
            else:
                start = time.monotonic()
                data = fill(conn, server, options)
                elapsed = time.monotonic() - start
                rows = options.protocols + options.calls + options.messages
                print(f'filled in {elapsed:.0f} s ({elapsed / 60:.1f} min; '
                    f'{rows / elapsed:,.0f} protocols, calls and messages a '
                    'second with indexes and statistics)', flush=True)
                if options.keep:
                    keep(conn, server, data)
            gunicorn, url = start_gunicorn(server, options.workers, 4, 0)
            measure(server, url, conn, data, options)
            sizes(conn, options.protocols)
        plans = explain(server, options, server.users['agent'].id)
        print(f'\nqueries of the agent that read most of a table (EXPLAIN '
            'ANALYZE: a sequential scan or more than 10,000 rows filtered '
            f'out): '
            f'{len(plans)}')
        for label, plan in plans:
            print(f'-- {label}\n{plan}')
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait()
        if options.keep or options.database:
            os.environ['SEE_TEST_KEEP'] = '1'
            print(f'database {server.database} kept: measure it again with '
                f'--database {server.database} --protocols '
                f'{options.protocols}; drop it with dropdb')
        server.stop()


def index_unaccented(server):
    """Update see_atendimento once more when its indexes were built before
    its immutable unaccent existed (the first update creates it), as
    config/production.conf says"""
    import subprocess
    (built,), = server.query("SELECT count(*) FROM pg_indexes "
        "WHERE tablename = 'see_protocol' AND indexdef LIKE %s",
        ('%' + os.environ['TRYTOND_DATABASE__UNACCENT_FUNCTION'] + '%',))
    if not built:
        subprocess.run([Path(sys.executable).parent / 'trytond-admin',
                '-c', server.config_file, '-d', server.database,
                '-u', 'see_atendimento'], check=True, cwd=ROOT,
            capture_output=True)


def keep(conn, server, data):
    "Save what a later run on the same database needs in its comment"
    from psycopg import sql
    saved = json.dumps({
            'records': server.records,
            'users': {r: u.id for r, u in server.users.items()},
            'history': dict(data, first=data['first'].isoformat(),
                now=data['now'].isoformat()),
            })
    conn.commit()
    conn.autocommit = True
    conn.execute(sql.SQL('COMMENT ON DATABASE {} IS {}').format(
            sql.Identifier(server.database), sql.Literal(saved)))
    conn.autocommit = False


def reuse(server, database):
    "Serve a database filled and kept by an earlier run"
    import tempfile
    from tests.server import _connect, _free_port
    with _connect('postgres') as conn:
        comment, = conn.execute("SELECT shobj_description(oid, "
            "'pg_database') FROM pg_database WHERE datname = %s",
            (database,)).fetchone()
    saved = json.loads(comment)
    server._directory = tempfile.mkdtemp(prefix='see-history-')
    server.database = database
    server.port = _free_port()
    server._write_config()
    server._load_data(saved)
    history = saved['history']
    history['first'] = dt.datetime.fromisoformat(history['first'])
    history['now'] = dt.datetime.fromisoformat(history['now'])
    server.history = history
    server._serve()

if __name__ == '__main__':
    sys.exit(main())
