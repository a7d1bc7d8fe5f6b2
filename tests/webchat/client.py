# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Small HTTP clients of the webchat API, for the tests and the benchmark"""
import base64
import http.client
import http.cookiejar
import json
import urllib.error
import urllib.parse
import urllib.request

from tests.server import TrytonServer

MODULES = ['see_webchat']


HEALTH_TOKEN = 'sonda-do-webchat-1234'


def webchat_server():
    """A TrytonServer with the webchat and its dependencies only (its
    health endpoint with HEALTH_TOKEN; the cron is another test's)"""
    return TrytonServer(modules=MODULES, config={'see_atendimento': {
                'health_token': HEALTH_TOKEN,
                'health_cron_grace': str(10 ** 8)}})


class Citizen:
    "The citizen's side, through /<db>/see_webchat/api"

    def __init__(self, server):
        self.base = f'{server.url}{server.database}/see_webchat/api'
        self.id = None
        self.token = None

    def call(self, method, path, body=None, token=None, raw=None,
            timeout=60):
        headers = {'Accept': 'application/json'}
        token = self.token if token is None else token
        if token:
            headers['X-Chat-Token'] = token
        data = None
        if raw is not None:
            data = raw
            headers['Content-Type'] = 'application/json'
        elif body is not None:
            data = json.dumps(body).encode()
            headers['Content-Type'] = 'application/json'
        request = urllib.request.Request(self.base + path, data=data,
            method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b'null')
        except urllib.error.HTTPError as e:
            content = e.read()
            try:
                return e.code, json.loads(content)
            except ValueError:
                return e.code, content.decode('utf-8', 'replace')
        except (OSError, http.client.HTTPException) as e:
            # Connection refused or reset: status 0, the caller may retry
            return 0, str(e)

    def services(self):
        return self.call('GET', '/services')[1]['services']

    def open(self, name="Maria da Silva", phone='81998765432', service=None,
            **values):
        body = {'name': name, 'phone': phone, 'service': service,
            'consent': True}
        body.update(values)
        status, data = self.call('POST', '/sessions', body)
        if status == 201:
            self.id, self.token = data['id'], data['token']
        return status, data

    def send(self, text, client_id=None, attachment=None, token=None,
            session=None):
        body = {'text': text}
        if client_id:
            body['client_id'] = client_id
        if attachment:
            name, type_, content = attachment
            body['attachment'] = {'name': name, 'type': type_,
                'data': base64.b64encode(content).decode()}
        return self.call('POST',
            f'/sessions/{session or self.id}/messages', body, token=token)

    def poll(self, after=0, wait=0, version='', token=None, session=None):
        return self.call('GET', f'/sessions/{session or self.id}'
            f'?after={after}&wait={wait}&v={version}', token=token)

    def survey(self, score):
        return self.call('POST', f'/sessions/{self.id}/survey',
            {'score': score})


class Agent:
    "The agent's console API, with the session cookie of a login"

    def __init__(self, server, login, password):
        self.server = server
        self.base = f'{server.url}{server.database}/see_webchat/agent/'
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar))
        request = urllib.request.Request(
            f'{server.url}{server.database}/session/login',
            data=json.dumps({'method': 'common.db.login',
                    'params': [login, {'password': password}, 'pt']}
                ).encode(), headers={'Content-Type': 'application/json'})
        with self.opener.open(request, timeout=30) as response:
            result = json.loads(response.read())
        if isinstance(result, dict):
            result = result['result']
        self.user_id = result[0]
        # Cookies are "secure": send them on plain loopback HTTP too
        for cookie in jar:
            cookie.secure = False

    def call(self, method, path, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data,
            method=method, headers={'Content-Type': 'application/json',
                'Accept': 'application/json'})
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            content = e.read()
            try:
                return e.code, json.loads(content)
            except ValueError:
                return e.code, content.decode('utf-8', 'replace')
        except (OSError, http.client.HTTPException) as e:
            # Connection refused or reset: status 0, the caller may retry
            return 0, str(e)

    def state(self, after=0, wait=0, version='', loaded=(), full=0):
        return self.call('GET', f'state?after={after}&wait={wait}'
            f'&v={urllib.parse.quote(version)}'
            f'&loaded={",".join(map(str, loaded))}&full={full}')

    def action(self, name, **body):
        return self.call('POST', name, body)


class RpcError(Exception):
    """A refusal of the JSON-RPC API: args are Tryton's error, the name of
    the exception and its arguments (message, description...)"""

    @property
    def message(self):
        if len(self.args) > 1 and isinstance(self.args[1], list):
            return self.args[1][0] if self.args[1] else ''
        return self.args[0] if self.args else ''


class Rpc:
    "The JSON-RPC API as a logged-in user, as the web client calls it"

    def __init__(self, server, login, password, language='pt'):
        self.url = server.rpc_url
        self.language = language
        self.auth = None
        user_id, session = self._post('common.db.login',
            [login, {'password': password}, language])[:2]
        self.user_id = user_id
        self.auth = 'Session ' + base64.b64encode(
            f'{login}:{user_id}:{session}'.encode()).decode()

    def _post(self, method, params):
        headers = {'Content-Type': 'application/json'}
        if self.auth:
            headers['Authorization'] = self.auth
        request = urllib.request.Request(self.url, method='POST',
            headers=headers, data=json.dumps({
                    'id': 1, 'method': method, 'params': params}).encode())
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                data = json.loads(response.read())
        except urllib.error.HTTPError as e:
            # A method that is no RPC method, say
            raise RpcError(f'HTTP {e.code}')
        if data.get('error'):
            error = data['error']
            raise RpcError(*(error if isinstance(error, list) else [error]))
        return data['result']

    def __call__(self, method, *params, context=None):
        "Call model.MODEL.METHOD with params and the user's context"
        context = dict(context or {}, language=self.language)
        return self._post(method, [*params, context])
