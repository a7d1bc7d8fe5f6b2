# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""WhatsApp Business Cloud API: a number of the agency as a chat channel.

Meta posts the webhook of the number to
``/<database>/see_webchat/whatsapp/<account id>`` after checking it with the
verification handshake (GET with hub.mode, hub.verify_token and
hub.challenge). Every post is signed with the app secret
(``X-Hub-Signature-256``: HMAC-SHA256 of the raw body): anything else is
refused before it is read. The citizen's number (E.164) is the identity.
"""
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
import urllib.request

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool

from .account import Account
from .channel import SEND_TIMEOUT, Inbound, multipart
from .exceptions import AttachmentError

# Meta's window to answer freely after the citizen's last message
WINDOW = dt.timedelta(hours=24)
GRAPH_URL = 'https://graph.facebook.com/v21.0'
# Documented limits of the interactive messages
BUTTONS = 3
BUTTON_TITLE = 20
LIST_ROWS = 10
ROW_TITLE = 24
INTERACTIVE_BODY = 1024
MEDIA_KINDS = {'image', 'document', 'audio', 'video', 'sticker'}


def signature_valid(secret, body, header):
    "Whether header is the X-Hub-Signature-256 of body with secret"
    if not secret or not header or not header.startswith('sha256='):
        return False
    expected = hmac.new(secret.encode('utf-8'), body,
        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len('sha256='):])


class WhatsAppAccount(Account):
    __string__ = "WhatsApp Account"
    __name__ = 'see.chat.channel.whatsapp'
    channel = 'whatsapp'

    phone_number_id = fields.Char("Phone Number ID", required=True,
        help="The identifier of the number in Meta's WhatsApp Manager.")
    access_token = fields.Char("Access Token", required=True,
        help="The permanent token of the system user of the app.")
    app_secret = fields.Char("App Secret", required=True,
        help="Signs the webhook's posts (X-Hub-Signature-256).")
    verify_token = fields.Char("Verify Token", required=True,
        help="Given to Meta when the webhook is configured.")
    reopen_template = fields.Char("Reopening Template",
        help="The approved template sent to invite the citizen to answer "
        "after the 24-hour window closed.")
    template_language = fields.Char("Template Language", required=True)

    @classmethod
    def default_api_url(cls):
        return GRAPH_URL

    @classmethod
    def default_template_language(cls):
        return 'pt_BR'

    @classmethod
    def default_verify_token(cls):
        return cls.new_secret()

    # Inbound -----------------------------------------------------------

    def parse(self, data):
        "The events of a webhook's post (its JSON) for this number"
        events = []
        for entry in (data.get('entry') or []):
            for change in (entry.get('changes') or []):
                value = change.get('value') or {}
                metadata = value.get('metadata') or {}
                if str(metadata.get('phone_number_id')) != (
                        self.phone_number_id):
                    continue
                names = {c.get('wa_id'): (c.get('profile') or {}).get('name')
                    for c in value.get('contacts') or []}
                for message in value.get('messages') or []:
                    events.append(self._parse_message(message, names))
                for status in value.get('statuses') or []:
                    events.append(Inbound('status',
                            # One event per status of a message
                            f"{status.get('id')}|{status.get('status')}",
                            status=str(status.get('status'))))
        return events

    def _parse_message(self, message, names):
        sender = str(message.get('from') or '')
        event = Inbound('unsupported', str(message.get('id')),
            address=self.e164(sender), name=names.get(sender) or '')
        type_ = message.get('type')
        if type_ == 'text':
            event.kind = 'text'
            event.text = (message.get('text') or {}).get('body') or ''
        elif type_ == 'interactive':
            interactive = message.get('interactive') or {}
            reply = (interactive.get('button_reply')
                or interactive.get('list_reply') or {})
            event.kind = 'choice'
            event.text = str(reply.get('id') or '')
        elif type_ == 'button':
            event.kind = 'text'
            event.text = (message.get('button') or {}).get('text') or ''
        elif type_ in MEDIA_KINDS:
            media = message.get(type_) or {}
            event.kind = 'media'
            event.text = media.get('caption') or ''
            event.media = {
                'id': str(media.get('id')),
                'type': media.get('mime_type') or '',
                'name': media.get('filename') or f'{type_}',
                }
        return event

    @staticmethod
    def e164(number):
        "The E.164 form of the wa_id of a citizen"
        from trytond.modules.see_atendimento.party import normalize_phone
        digits = ''.join(c for c in number if c.isdigit())
        return normalize_phone('+' + digits, 'BR') or ('+' + digits)

    def phone_of(self, address):
        return address

    def fetch_media(self, media):
        """(name, type, data) of a media of the citizen, downloaded through
        the Graph API's media endpoint; refused when larger than allowed"""
        config = Pool().get('see.chat.configuration').settings()
        info = self._request('GET', urllib.parse.quote(media['id']))
        size = int(info.get('file_size') or 0)
        if size > config.attachment_size:
            raise AttachmentError(gettext(
                    'see_webchat.msg_attachment_size',
                    size=config.attachment_size // 1024,
                    length=(size + 1023) // 1024))
        request = urllib.request.Request(info['url'], headers={
                'Authorization': f'Bearer {self.access_token}'})
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:
            data = response.read(config.attachment_size + 1)
        type_ = info.get('mime_type') or media['type']
        name = media['name']
        if '.' not in name:
            name += '.' + type_.split('/')[-1].split(';')[0]
        return name, type_, data

    # Outbound ----------------------------------------------------------

    def _request(self, method, path, payload=None, body=None,
            content_type='application/json'):
        url = f"{self.api_url.rstrip('/')}/{path}"
        if payload:
            body = json.dumps(payload).encode('utf-8')
        request = urllib.request.Request(url, data=body, method=method,
            headers={
                'Authorization': f'Bearer {self.access_token}',
                'Content-Type': content_type,
                })
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:
            return json.loads(response.read() or b'{}')

    def payload(self, address, outbound):
        "The body of the messages endpoint for outbound to address"
        payload = {
            'messaging_product': 'whatsapp',
            'recipient_type': 'individual',
            'to': address.lstrip('+'),
            }
        if outbound.template:
            payload.update({'type': 'template', 'template': {
                        'name': outbound.template,
                        'language': {'code': self.template_language},
                        }})
        elif outbound.attachment:
            name, type_, _ = outbound.attachment
            kind = 'image' if type_ in {'image/png', 'image/jpeg'} \
                else 'document'
            media = {'id': self.upload_media(outbound.attachment)}
            if outbound.text:
                media['caption'] = outbound.text[:INTERACTIVE_BODY]
            if kind == 'document':
                media['filename'] = name
            payload.update({'type': kind, kind: media})
        elif outbound.choices and len(outbound.choices) <= BUTTONS:
            payload.update({'type': 'interactive', 'interactive': {
                        'type': 'button',
                        'body': {'text': outbound.text[:INTERACTIVE_BODY]},
                        'action': {'buttons': [{
                                    'type': 'reply',
                                    'reply': {'id': i,
                                        'title': t[:BUTTON_TITLE]},
                                    } for i, t in outbound.choices]},
                        }})
        elif outbound.choices:
            # A list has at most 10 rows: the rest is typed (the text
            # says what to answer)
            payload.update({'type': 'interactive', 'interactive': {
                        'type': 'list',
                        'body': {'text': outbound.text[:INTERACTIVE_BODY]},
                        'action': {
                            'button': gettext('see_webchat.msg_app_choose'),
                            'sections': [{'rows': [{
                                            'id': i, 'title': t[:ROW_TITLE]}
                                        for i, t in outbound.choices[
                                            :LIST_ROWS]]}],
                            },
                        }})
        else:
            payload.update({'type': 'text',
                    'text': {'body': outbound.text, 'preview_url': False}})
        return payload

    def upload_media(self, attachment):
        "Upload a file to the media endpoint; return its media id"
        body, content_type = multipart({
                'messaging_product': 'whatsapp', 'type': attachment[1],
                }, 'file', attachment)
        result = self._request('POST', f'{self.phone_number_id}/media',
            body=body, content_type=content_type)
        return str(result['id'])

    def send(self, address, outbound):
        "Send outbound to the citizen; return the message id (wamid)"
        result = self._request('POST', f'{self.phone_number_id}/messages',
            self.payload(address, outbound))
        return str(result['messages'][0]['id'])

    def window_closed(self, session):
        Contact = Pool().get('see.chat.channel.contact')
        contacts = Contact.search([
                ('account', '=', str(self)),
                ('address', '=', session.channel_address),
                ], limit=1)
        last = contacts[0].last_inbound if contacts else None
        return not last or dt.datetime.now() - last > WINDOW
