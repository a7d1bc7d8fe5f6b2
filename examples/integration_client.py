#!/usr/bin/env python3
"""Another agency system creating and reading protocols through JSON-RPC.

It logs in as a dedicated integration user (group "Integração do
atendimento": it may register protocols and read only its own, and read the
service and classification catalogues), registers a protocol for a citizen
and reads it back with its number and state. It needs only the Python
standard library.

    python examples/integration_client.py --url http://127.0.0.1:8000/ \\
        --database see_demo --login integracao --password integracao-demo

The password may also come from the SEE_PASSWORD environment variable.
"""
import argparse
import base64
import json
import os
import sys
import urllib.request


class RPCError(Exception):
    "An error returned by the server, with its name and message"

    def __init__(self, name, message):
        super().__init__(f'{name}: {message}')
        self.name = name
        self.message = message


class TrytonClient:
    "A minimal JSON-RPC client of a Tryton server"

    def __init__(self, url, database):
        self.endpoint = url.rstrip('/') + f'/{database}/rpc/'
        self.authorization = None
        self._id = 0

    def _post(self, method, params):
        self._id += 1
        headers = {'Content-Type': 'application/json'}
        if self.authorization:
            headers['Authorization'] = self.authorization
        request = urllib.request.Request(self.endpoint,
            data=json.dumps({
                    'id': self._id, 'method': method, 'params': params,
                    }).encode('utf-8'),
            headers=headers, method='POST')
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        if answer.get('error'):
            name, details = answer['error'][0], answer['error'][1]
            message = details[0] if isinstance(details, list) else details
            raise RPCError(name, message)
        return answer['result']

    def login(self, login, password):
        user_id, token, _ = self._post(
            'common.db.login', [login, {'password': password}, 'pt'])
        session = base64.b64encode(
            f'{login}:{user_id}:{token}'.encode('utf-8')).decode('ascii')
        self.authorization = f'Session {session}'
        return user_id

    def logout(self):
        self._post('common.db.logout', [])
        self.authorization = None

    def call(self, model, method, *args, context=None):
        return self._post(
            f'model.{model}.{method}', [*args, context or {}])


def find_id(client, model, code):
    "The id of the catalogue entry with code"
    ids = client.call(model, 'search', [('code', '=', code)], 0, 1, None)
    if not ids:
        raise LookupError(f'{model} with code {code!r} not found')
    return ids[0]


def register_protocol(client, name, phone, service_code, description,
        channel='email', cpf=None):
    "Register an attendance and return it as a dictionary"
    values = {
        'channel': channel,
        'requester_name': name,
        'requester_phone': phone,
        'service': find_id(client, 'see.service', service_code),
        'description': description,
        }
    if cpf:
        values['requester_cpf'] = cpf
    protocol_id, = client.call('see.protocol', 'create', [values])
    return read_protocol(client, protocol_id)


def read_protocol(client, protocol_id):
    "Read what the other system needs to show of a protocol"
    protocol, = client.call('see.protocol', 'read', [protocol_id], [
            'number', 'state', 'channel', 'requester_name',
            'requester_phone', 'service.name', 'answer'])
    return protocol


def protocols_of_phone(client, phone):
    "The protocols this integration registered for a phone"
    return client.call('see.protocol', 'search_read',
        [('requester_phone', '=', phone)], 0, None, [('id', 'ASC')],
        ['number', 'state'])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--url', default='http://127.0.0.1:8000/')
    parser.add_argument('--database', default='see_demo')
    parser.add_argument('--login', default='integracao')
    parser.add_argument('--password', default=os.environ.get('SEE_PASSWORD'))
    parser.add_argument('--service', default='MAT',
        help="code of the service (default: MAT)")
    options = parser.parse_args(argv)
    if not options.password:
        parser.error("give --password or set SEE_PASSWORD")
    client = TrytonClient(options.url, options.database)
    client.login(options.login, options.password)
    try:
        protocol = register_protocol(client, "Cidadã do Portal",
            "+5581999990000", options.service,
            "Pedido registrado pelo portal da SEE-PE.")
        print(f"Protocolo {protocol['number']} registrado "
            f"(estado: {protocol['state']}).")
        for row in protocols_of_phone(client, protocol['requester_phone']):
            print(f"  {row['number']}: {row['state']}")
    finally:
        client.logout()


if __name__ == '__main__':
    sys.exit(main())
