# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""A minimal JSON-RPC client of trytond for the rights tests

Only the standard library: what an integrating system or a curious user
would use. Values keep Tryton's JSON form (``{'__class__': 'date', …}``),
which is enough to send them back and to compare them.
"""
import base64
import json
import urllib.error
import urllib.parse
import urllib.request


class RPCError(Exception):
    """An error answered by the server

    user: True for a Tryton user error (access refused, validation…),
    False for an unexpected server exception."""

    def __init__(self, error):
        self.error = error
        self.user = bool(error) and error[0] in {'UserError', 'UserWarning'}
        if self.user:
            message = error[1][0] if error[0] == 'UserError' else error[1][1]
        else:
            message = str(error[0]) if error else repr(error)
        self.message = message
        super().__init__(message)


class Client:
    "A logged-in JSON-RPC session of one user"

    def __init__(self, server, login, password, language='en'):
        self.endpoint = server.rpc_url
        self.base = server.url + server.database
        self.language = language
        user_id, token = self._post(None, 'common.db.login',
            [login, {'password': password}, language])[:2]
        self.user_id = user_id
        self.authorization = 'Session ' + base64.b64encode(
            f'{login}:{user_id}:{token}'.encode()).decode()

    def _post(self, authorization, method, params):
        headers = {'Content-Type': 'application/json'}
        if authorization:
            headers['Authorization'] = authorization
        request = urllib.request.Request(self.endpoint, method='POST',
            headers=headers, data=json.dumps({
                    'id': 1, 'method': method, 'params': params}).encode())
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 403:
                # Not callable over RPC at all: refused
                raise RPCError(['UserError', [
                            f'{method} is not callable over RPC', '', None]])
            raise RPCError([f'HTTP {error.code} on {method}', ''])
        if answer.get('error') is not None:
            raise RPCError(answer['error'])
        return answer['result']

    def __call__(self, method, *params, context=None):
        "Call method (``model.see.protocol.read``…) with params"
        ctx = {'language': self.language}
        ctx.update(context or {})
        return self._post(self.authorization, method, [*params, ctx])

    def model(self, name, method, *params, context=None):
        return self(f'model.{name}.{method}', *params, context=context)

    def get(self, path, **query):
        "Status and body of a GET on the database's path with the session"
        url = f'{self.base}/{path}'
        if query:
            url += '?' + urllib.parse.urlencode(query, doseq=True)
        request = urllib.request.Request(url, headers={
                'Authorization': self.authorization})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
