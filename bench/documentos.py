#!/usr/bin/env python3
"""Benchmark: citizens sending their documents, and the review queue with
many documents stored.

--submissions submissions (a protocol each) of a checklist of 5 documents
are opened beforehand; --citizens threads, each on its own keep-alive
connection, take the next submission and do what the citizen's page does
(``/<database>/see_documentos/envio/<token>/...``): upload its 5 files
(PDFs of 1 to 3 pages and PNG images, generated, a few MB in all) and send
them to review. Every file is checked by its content on the server (magic
numbers, pypdf, Pillow), hashed and stored in the file store.

Then the table of documents is filled up to --documents rows (copies of the
uploaded rows, by SQL, on more submissions in the queue) and a reviewer
reads the first page of the review queue as the web client's list does
(``search_read`` of the submitted tasks, oldest first, 50 rows, with the
list's fields and the reviewer's record rule) --repeat times, next to a
plain ``SELECT count(*)`` of the documents.

It prints the uploads per second (and their latency), the queue's read time
(p50/p95) and the plain count's.

It starts its own server with tests/server.py (a fresh PostgreSQL database
with see_documentos, dropped at the end), served by gunicorn as
bench/protocol_rpc.py does when it is installed (``pip install -e
'.[bench]'``), else by the test server itself.

    .venv/bin/python bench/documentos.py --submissions 1000 --citizens 50

Not part of `make test`: it prints figures, it does not assert them.
"""
import argparse
import importlib.util
import io
import json
import queue
import random
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from figures import quantiles  # bench/figures.py
from machine import describe as describe_machine  # bench/machine.py
from protocol_rpc import (  # bench/protocol_rpc.py
    ROOT, Client, percentile, start_gunicorn)

ITEMS = [
    ("Documento de identidade", ['pdf', 'png'], 2),
    ("CPF", ['pdf', 'png'], 1),
    ("Comprovante de residência", ['pdf'], 2),
    ("Histórico escolar", ['pdf'], 5),
    ("Foto 3x4", ['png', 'jpeg'], None),
    ]
QUEUE_FIELDS = ['protocol.rec_name', 'checklist.rec_name', 'queue_date',
    'cycle', 'reviewer.rec_name', 'state']


def make_files(count):
    """count variants of each kind: PDFs of 1 to 3 pages with some text
    and PNGs of noise (so that they do not compress to nothing)"""
    from PIL import Image
    from pypdf import PdfWriter
    rng = random.Random(15)
    files = {'pdf': [], 'png': []}
    # Each file with its pages, to send an item only what it accepts
    for index in range(count):
        writer = PdfWriter()
        for _ in range(1 + index % 3):
            writer.add_blank_page(width=595, height=842)
        writer.add_metadata({'/Title': f'Documento {index} ' + ''.join(
                    rng.choice('abcdefghij') for _ in range(400))})
        output = io.BytesIO()
        writer.write(output)
        files['pdf'].append((1 + index % 3, output.getvalue()))
        image = Image.frombytes('RGB', (48, 64), bytes(
                rng.getrandbits(8) for _ in range(48 * 64 * 3)))
        output = io.BytesIO()
        image.save(output, format='PNG')
        files['png'].append((1, output.getvalue()))
    return files


def prepare(server, submissions):
    "The checklist, the protocols and their submissions: [(token, items)]"
    admin = server.proteus('admin')
    Checklist = admin.get('see.document.checklist')
    Service = admin.get('see.service')
    checklist = Checklist(name="Documentos da carga",
        service=Service(server.records['service']))
    for name, formats, pages in ITEMS:
        checklist.items.new(name=name, formats=formats, max_pages=pages)
    checklist.save()
    items = [(i.id, i.formats, i.max_pages) for i in checklist.items]
    agent = server.proteus('agent')
    Protocol = agent.get('see.protocol')
    Submission = agent.get('see.document.submission')
    result = []
    for start in range(0, submissions, 200):
        size = min(200, submissions - start)
        protocol_ids = Protocol._proxy.create([{
                    'requester_name': f'Cidadão {start + n}',
                    'requester_phone': f'+55819{start + n:08d}',
                    'service': server.records['service'],
                    } for n in range(size)], {})
        submission_ids = Submission._proxy.create([{
                    'protocol': p, 'checklist': checklist.id,
                    } for p in protocol_ids], {})
        for row in Submission._proxy.read(submission_ids, ['token'], {}):
            result.append(row['token'])
    return checklist.id, items, result


class Citizen(Client):
    "A keep-alive connection to the citizen's page's routes"

    def post(self, path, body, headers):
        start = time.perf_counter()
        status, data = self._request(body, headers, path=path)
        elapsed = time.perf_counter() - start
        if status not in {200, 201}:
            raise RuntimeError(f'{path}: HTTP {status} {data[:300]!r}')
        return elapsed


def upload_all(url, database, tokens, items, files, citizens):
    "Each citizen thread takes the next submission; return the timings"
    work = queue.Queue()
    for token in tokens:
        work.put(token)
    uploads, submits, errors = [], [], []
    lock = threading.Lock()

    def citizen(number):
        client = Citizen(url, database)
        rng = random.Random(number)
        while True:
            try:
                token = work.get_nowait()
            except queue.Empty:
                return
            base = f'/{database}/see_documentos/envio/{token}'
            try:
                for item_id, formats, max_pages in items:
                    kind = 'pdf' if 'pdf' in formats else 'png'
                    data = rng.choice([f for p, f in files[kind]
                            if not max_pages or p <= max_pages])
                    elapsed = client.post(f'{base}/item/{item_id}', data, {
                            'Content-Type': 'application/octet-stream',
                            'X-File-Name': urllib.parse.quote(
                                f'arquivo.{kind}'),
                            })
                    with lock:
                        uploads.append(elapsed)
                # The privacy notice's box, checked as on the page
                elapsed = client.post(f'{base}/enviar',
                    json.dumps({'consent': True}).encode(),
                    {'Content-Type': 'application/json'})
                with lock:
                    submits.append(elapsed)
            except Exception as error:
                with lock:
                    errors.append(str(error))

    started = time.perf_counter()
    with ThreadPoolExecutor(citizens) as pool:
        list(pool.map(citizen, range(citizens)))
    return uploads, submits, errors, time.perf_counter() - started


def fill_documents(server, target):
    """Copy the uploaded submissions, in the queue, with their documents
    (by SQL, the fastest way to have many rows) until there are target
    documents; return the documents and the submissions in the queue"""
    from tests.server import _connect
    with _connect(server.database) as conn:
        originals = [i for i, in conn.execute(
                "SELECT id FROM see_document_submission "
                "WHERE state = 'submitted'").fetchall()]
        (count,), = conn.execute(
            'SELECT count(*) FROM see_document').fetchall()
        copy = 0
        while count < target and originals:
            copy += 1
            # The copy's token names its original: copy-<n>-<id>
            conn.execute("""
                INSERT INTO see_document_submission (protocol, checklist,
                    token, state, cycle, submit_date, queue_date,
                    create_uid, create_date)
                SELECT protocol, checklist, 'copy-' || %s || '-' || id,
                    'submitted', 1, submit_date,
                    queue_date + %s * interval '1 second', create_uid,
                    create_date
                FROM see_document_submission WHERE id = ANY(%s)""",
                (copy, copy, originals))
            conn.execute("""
                INSERT INTO see_document (submission, item, file_id,
                    filename, format, mimetype, size, pages, sha256, cycle,
                    upload_date, state, create_uid, create_date)
                SELECT s.id, d.item, d.file_id, d.filename, d.format,
                    d.mimetype, d.size, d.pages, d.sha256, 1,
                    d.upload_date, 'pending', d.create_uid, d.create_date
                FROM see_document_submission AS s
                JOIN see_document AS d
                    ON d.submission = split_part(s.token, '-', 3)::integer
                WHERE s.token LIKE %s""", (f'copy-{copy}-%',))
            conn.commit()
            (count,), = conn.execute(
                'SELECT count(*) FROM see_document').fetchall()
        conn.execute('ANALYZE')
        conn.commit()
        (submissions,), = conn.execute(
            "SELECT count(*) FROM see_document_submission "
            "WHERE state = 'submitted'").fetchall()
    return count, submissions


def time_queue(server, url, repeat):
    "The reviewer's first page of the queue, and a plain count"
    from tests.server import _connect
    reviewer = Client(url, server.database)
    reviewer.login(server.users['reviewer'].login,
        server.users['reviewer'].password)
    rows = None
    for _ in range(repeat + 2):
        rows = reviewer.call('model.see.document.submission.search_read',
            [('state', '=', 'submitted')], 0, 50, None, QUEUE_FIELDS, {},
            label='queue')
    reviewer.timings['queue'] = reviewer.timings['queue'][2:]
    for _ in range(repeat):
        reviewer.call('model.see.document.search_count', [], {},
            label='rpc count')
    counts = []
    with _connect(server.database) as conn:
        for _ in range(repeat):
            start = time.perf_counter()
            conn.execute('SELECT count(*) FROM see_document').fetchall()
            counts.append(time.perf_counter() - start)
    return len(rows), reviewer.timings['queue'], \
        reviewer.timings['rpc count'], counts


def main():
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--submissions', type=int, default=1000)
    parser.add_argument('--citizens', type=int, default=50)
    parser.add_argument('--documents', type=int, default=100000,
        help="documents stored when the queue is read (default 100000)")
    parser.add_argument('--repeat', type=int, default=20,
        help="reads of the queue measured (default 20)")
    parser.add_argument('--workers', type=int, default=2,
        help="gunicorn worker processes (default 2)")
    parser.add_argument('--threads', type=int, default=100,
        help="threads of each gunicorn worker (default 100)")
    parser.add_argument('--active', type=int, default=2,
        help="requests each worker runs at once (default 2); 0: no limit")
    options = parser.parse_args()

    print(describe_machine(), flush=True)
    sys.path.insert(0, str(ROOT))
    from tests.server import TrytonServer
    # Every citizen of the load comes from 127.0.0.1
    server = TrytonServer(modules=['see_documentos'], web=False, config={
            'see_documentos': {'address_rate': '100000000'}})
    print('preparing the database…', flush=True)
    server.start()
    gunicorn = None
    try:
        if importlib.util.find_spec('gunicorn'):
            gunicorn, url = start_gunicorn(server, options.workers,
                options.threads, options.active)
            serving = (f'gunicorn, {options.workers} workers, '
                f'{options.threads} threads, {options.active} at once')
        else:
            url = server.url
            serving = 'the test server (trytond), gunicorn not installed'
        started = time.perf_counter()
        files = make_files(30)
        _, items, tokens = prepare(server, options.submissions)
        print(f'{len(tokens)} submissions of {len(items)} documents opened '
            f'in {time.perf_counter() - started:.0f} s', flush=True)
        uploads, submits, errors, elapsed = upload_all(
            url, server.database, tokens, items, files, options.citizens)
        (stored, volume), = server.query(
            'SELECT count(*), coalesce(sum(size), 0) FROM see_document')
        print('filling the documents up to '
            f'{options.documents}…', flush=True)
        documents, queued = fill_documents(server, options.documents)
        rows, queue_times, rpc_counts, counts = time_queue(
            server, url, options.repeat)
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait()
        server.stop()

    print(f'server: {serving}, PostgreSQL')
    print(f'— uploads: {options.citizens} citizens, {len(tokens)} '
        f'submissions of {len(items)} documents')
    print(f'measured: {elapsed:.1f} s; files stored: {stored} '
        f'({volume / 1024 / 1024:.1f} MB); uploads: '
        f'{len(uploads) / elapsed:.1f}/s; submissions sent: '
        f'{len(submits)} ({len(submits) / elapsed:.1f}/s); errors: '
        f'{len(errors)}')
    if uploads:
        print(f'upload latency: {quantiles(uploads, digits=1)}')
    for error in errors[:5]:
        print(f'  error: {error[:300]}')
    print(f'— review queue with {documents} documents '
        f'({queued} submissions in the queue)')
    print(f"reviewer's first page ({rows} rows, search_read): "
        f'{quantiles(queue_times, (.5, .95), digits=1)}')
    print(f'RPC search_count of the documents: '
        f'{quantiles(rpc_counts, (.5, .95), digits=1)}')
    print(f'plain SELECT count(*) of the documents: '
        f'{quantiles(counts, (.5, .95), digits=1)}')
    print(json.dumps({'uploads_per_second': len(uploads) / elapsed,
                'queue_p50_ms': percentile(queue_times, .5) * 1000,
                'count_p50_ms': percentile(counts, .5) * 1000}))


if __name__ == '__main__':
    main()
