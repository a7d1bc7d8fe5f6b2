# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Local servers speaking the documented formats of the WhatsApp Cloud API
(Graph API) and of the Telegram Bot API, for the tests and the benchmark.

Each runs on loopback in a thread of the test, records every request the
adapters send, answers as the provider documents, and can be told to fail
the next requests. They also build the webhooks the providers post: signed
with the app secret for WhatsApp."""
import hashlib
import hmac
import itertools
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PNG = b'\x89PNG\r\n\x1a\n' + b'\x00' * 64


def parse_multipart(content_type, raw):
    "The fields and files of a multipart/form-data body"
    from email.parser import BytesParser
    from email.policy import HTTP
    message = BytesParser(policy=HTTP).parsebytes(
        f'Content-Type: {content_type}\r\n\r\n'.encode() + raw)
    fields, files = {}, {}
    for part in message.iter_parts():
        name = part.get_param('name', header='content-disposition')
        filename = part.get_filename()
        data = part.get_payload(decode=True)
        if filename:
            files[name] = (filename, part.get_content_type(), data)
        else:
            fields[name] = data.decode('utf-8')
    return {'fields': fields, 'files': files}


class _Fake:
    "A provider: start(), url, requests, fail_next, media, stop()"

    def __init__(self):
        self.requests = []
        # Called with each request recorded (the benchmark times them)
        self.listeners = []
        self.media = {}
        self.fail_next = 0
        self.delay = 0
        self.lock = threading.Lock()
        self.condition = threading.Condition(self.lock)
        self._ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body, content_type='application/json'):
                if isinstance(body, (dict, list)):
                    body = json.dumps(body).encode('utf-8')
                self.send_response(status)
                self.send_header('Content-Type', content_type)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self):
                length = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(length) if length else b''
                content_type = self.headers.get('Content-Type') or ''
                if content_type.startswith('multipart/form-data'):
                    body = parse_multipart(content_type, raw)
                else:
                    try:
                        body = json.loads(raw) if raw else None
                    except ValueError:
                        body = raw
                with fake.condition:
                    failing = fake.fail_next > 0
                    if failing:
                        fake.fail_next -= 1
                if fake.delay:
                    threading.Event().wait(fake.delay)
                if failing:
                    return self._reply(500, {'error': {
                                'message': 'Service unavailable',
                                'code': 2}})
                status, answer, type_ = fake.answer(
                    self.command, self.path, dict(self.headers), body)
                record = {'method': self.command, 'path': self.path,
                    'headers': dict(self.headers), 'body': body}
                with fake.condition:
                    fake.requests.append(record)
                    fake.condition.notify_all()
                for listener in fake.listeners:
                    listener(record)
                self._reply(status, answer, type_)

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
            daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self):
        host, port = self.server.server_address[:2]
        return f'http://{host}:{port}'

    def next_id(self):
        return next(self._ids)

    def sent(self, path_part=''):
        "The bodies of the requests whose path contains path_part"
        with self.lock:
            return [r['body'] for r in self.requests
                if path_part in r['path'] and r['method'] == 'POST']

    def wait_for(self, predicate, timeout=10):
        "Wait until predicate(requests) is true (the adapters send later)"
        with self.condition:
            return self.condition.wait_for(
                lambda: predicate(self.requests), timeout=timeout)


class FakeGraphAPI(_Fake):
    """The Cloud API: POST /<phone id>/messages, GET /<media id> and the
    media's URL, all with the bearer token"""
    version = 'v21.0'

    def __init__(self, token='test-token'):
        super().__init__()
        self.token = token

    @property
    def url(self):
        return f'{self.base}/{self.version}'

    def add_media(self, data, mime_type='image/png'):
        media_id = f'media-{self.next_id()}'
        self.media[media_id] = (data, mime_type)
        return media_id

    def answer(self, method, path, headers, body):
        if headers.get('Authorization') != f'Bearer {self.token}':
            return 401, {'error': {'message': 'Invalid OAuth access token',
                        'type': 'OAuthException', 'code': 190}}, None
        path = urllib.parse.urlparse(path).path
        parts = path.strip('/').split('/')
        if parts[0] == 'download' and parts[1] in self.media:
            data, mime_type = self.media[parts[1]]
            return 200, data, mime_type
        if parts[0] != self.version:
            return 404, {'error': {'message': 'Unknown path'}}, None
        if method == 'POST' and parts[-1] == 'media':
            media_id = f'media-up-{self.next_id()}'
            filename, type_, data = body['files']['file']
            self.media[media_id] = (data, type_)
            return 200, {'id': media_id}, None
        if method == 'POST' and parts[-1] == 'messages':
            return 200, {
                'messaging_product': 'whatsapp',
                'contacts': [{'input': body['to'], 'wa_id': body['to']}],
                'messages': [{'id': f'wamid.OUT{self.next_id()}'}],
                }, None
        if method == 'GET' and len(parts) == 2 and parts[1] in self.media:
            data, mime_type = self.media[parts[1]]
            return 200, {
                'messaging_product': 'whatsapp',
                'url': f'{self.base}/download/{parts[1]}',
                'mime_type': mime_type,
                'sha256': hashlib.sha256(data).hexdigest(),
                'file_size': len(data),
                'id': parts[1],
                }, None
        return 404, {'error': {'message': 'Unknown object'}}, None


def whatsapp_webhook(phone_number_id, wa_id, message=None, statuses=None,
        name="Maria"):
    "The JSON of a webhook of the Cloud API for one message or statuses"
    value = {
        'messaging_product': 'whatsapp',
        'metadata': {'display_phone_number': '558130000000',
            'phone_number_id': phone_number_id},
        }
    if message:
        message = dict({'from': wa_id, 'timestamp': '1765000000'}, **message)
        value['contacts'] = [{'profile': {'name': name}, 'wa_id': wa_id}]
        value['messages'] = [message]
    if statuses:
        value['statuses'] = [{'id': i, 'status': s, 'timestamp': '1765000001',
                'recipient_id': wa_id} for i, s in statuses]
    return {'object': 'whatsapp_business_account', 'entry': [{
                'id': 'WABA-1',
                'changes': [{'value': value, 'field': 'messages'}],
                }]}


def text_message(message_id, text):
    return {'id': message_id, 'type': 'text', 'text': {'body': text}}


def choice_message(message_id, choice_id, title='', kind='list_reply'):
    return {'id': message_id, 'type': 'interactive', 'interactive': {
            'type': kind, kind: {'id': choice_id, 'title': title}}}


def sign(secret, body):
    "The X-Hub-Signature-256 header of body"
    return 'sha256=' + hmac.new(secret.encode('utf-8'), body,
        hashlib.sha256).hexdigest()


class FakeBotAPI(_Fake):
    """The Bot API: /bot<token>/sendMessage, /bot<token>/getFile and
    /file/bot<token>/<path>"""

    def __init__(self, token='123:test'):
        super().__init__()
        self.token = token

    url = property(lambda self: self.base)

    def add_file(self, data):
        file_id = f'file-{self.next_id()}'
        self.media[file_id] = data
        return file_id

    def answer(self, method, path, headers, body):
        parsed = urllib.parse.urlparse(path)
        prefix = f'/bot{self.token}/'
        if parsed.path.startswith(f'/file/bot{self.token}/'):
            file_id = parsed.path.rsplit('/', 1)[-1]
            if file_id in self.media:
                return 200, self.media[file_id], 'application/octet-stream'
        if not parsed.path.startswith(prefix):
            return 401, {'ok': False, 'error_code': 401,
                'description': 'Unauthorized'}, None
        method_name = parsed.path[len(prefix):]
        if method_name == 'sendMessage':
            return 200, {'ok': True, 'result': {
                        'message_id': self.next_id(),
                        'chat': {'id': body['chat_id']},
                        'text': body['text']}}, None
        if method_name == 'sendDocument':
            filename, type_, data = body['files']['document']
            return 200, {'ok': True, 'result': {
                        'message_id': self.next_id(),
                        'chat': {'id': body['fields']['chat_id']},
                        'document': {'file_name': filename,
                            'mime_type': type_, 'file_size': len(data)}}}, None
        if method_name == 'getFile':
            file_id = urllib.parse.parse_qs(parsed.query)['file_id'][0]
            if file_id in self.media:
                return 200, {'ok': True, 'result': {
                            'file_id': file_id,
                            'file_size': len(self.media[file_id]),
                            'file_path': f'documents/{file_id}'}}, None
        return 400, {'ok': False, 'error_code': 400,
            'description': 'Bad Request'}, None


def telegram_update(update_id, chat_id, text=None, document=None):
    message = {'message_id': update_id, 'date': 1765000000,
        'from': {'id': chat_id, 'is_bot': False, 'first_name': 'Maria'},
        'chat': {'id': chat_id, 'type': 'private'}}
    if text is not None:
        message['text'] = text
    if document:
        message['document'] = document
    return {'update_id': update_id, 'message': message}


class WhatsAppCitizen:
    """A citizen writing from WhatsApp: the webhooks Meta would post to the
    server for wa_id, signed with the app secret"""

    def __init__(self, webhook_url, app_secret, phone_number_id, wa_id):
        self.url = webhook_url
        self.secret = app_secret
        self.phone_number_id = phone_number_id
        self.wa_id = wa_id
        self._ids = itertools.count(1)

    def post(self, data, signature=None):
        "Post data; return (status, text of the answer)"
        import urllib.error
        import urllib.request
        body = json.dumps(data).encode('utf-8')
        request = urllib.request.Request(self.url, data=body, method='POST',
            headers={'Content-Type': 'application/json',
                'X-Hub-Signature-256': (signature if signature is not None
                    else sign(self.secret, body))})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def message(self, message):
        return self.post(whatsapp_webhook(
                self.phone_number_id, self.wa_id, message))

    def new_id(self):
        return f'wamid.{self.wa_id}.{next(self._ids)}'

    def say(self, text):
        return self.message(text_message(self.new_id(), text))

    def choose(self, choice_id, kind='list_reply'):
        return self.message(choice_message(self.new_id(), choice_id,
                kind=kind))
