# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Telegram Bot API: a bot of the agency as a chat channel.

The bot's webhook (setWebhook with secret_token) posts the updates to
``/<database>/see_webchat/telegram/<account id>`` with the header
``X-Telegram-Bot-Api-Secret-Token``: anything without it is refused. The
chat is the identity; the phone is asked in the conversation.
"""
import json
import urllib.parse
import urllib.request

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool

from .account import Account
from .channel import SEND_TIMEOUT, Inbound, multipart
from .exceptions import AttachmentError

BOT_URL = 'https://api.telegram.org'


class TelegramAccount(Account):
    __string__ = "Telegram Account"
    __name__ = 'see.chat.channel.telegram'
    channel = 'telegram'

    bot_token = fields.Char("Bot Token", required=True,
        help="The token BotFather gave to the bot.")
    secret_token = fields.Char("Secret Token", required=True,
        help="Given to setWebhook: Telegram sends it with every update.")

    @classmethod
    def default_api_url(cls):
        return BOT_URL

    @classmethod
    def default_secret_token(cls):
        return cls.new_secret()

    def parse(self, data):
        "The event of an update (its JSON)"
        message = data.get('message') or data.get('edited_message')
        update_id = str(data.get('update_id'))
        if not message:
            return [Inbound('unsupported', update_id)]
        chat = str((message.get('chat') or {}).get('id') or '')
        sender = message.get('from') or {}
        event = Inbound('unsupported', update_id, address=chat,
            name=' '.join(filter(None, [sender.get('first_name'),
                        sender.get('last_name')])))
        if 'text' in message:
            event.kind = 'text'
            event.text = str(message['text'])
        elif message.get('contact'):
            event.kind = 'text'
            event.text = str(message['contact'].get('phone_number') or '')
        elif message.get('document') or message.get('photo'):
            if message.get('document'):
                document = message['document']
                media = {
                    'id': document.get('file_id'),
                    'type': document.get('mime_type') or '',
                    'name': document.get('file_name') or 'documento',
                    'size': document.get('file_size') or 0,
                    }
            else:
                # The largest size of the photo
                photo = message['photo'][-1]
                media = {'id': photo.get('file_id'), 'type': 'image/jpeg',
                    'name': 'foto.jpg', 'size': photo.get('file_size') or 0}
            event.kind = 'media'
            event.text = message.get('caption') or ''
            event.media = media
        return [event]

    def _call(self, method, payload=None, query=None, body=None,
            content_type='application/json'):
        url = f"{self.api_url.rstrip('/')}/bot{self.bot_token}/{method}"
        if query:
            url += '?' + urllib.parse.urlencode(query)
        if payload:
            body = json.dumps(payload).encode('utf-8')
        request = urllib.request.Request(url, data=body,
            method='POST' if body else 'GET',
            headers={'Content-Type': content_type})
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:
            result = json.loads(response.read() or b'{}')
        if not result.get('ok'):
            raise ValueError(result.get('description') or 'Bot API error')
        return result['result']

    def fetch_media(self, media):
        config = Pool().get('see.chat.configuration').settings()
        if int(media.get('size') or 0) > config.attachment_size:
            raise AttachmentError(gettext(
                    'see_webchat.msg_attachment_size',
                    size=config.attachment_size // 1024,
                    length=(int(media['size']) + 1023) // 1024))
        info = self._call('getFile', query={'file_id': media['id']})
        url = (f"{self.api_url.rstrip('/')}/file/bot{self.bot_token}/"
            f"{urllib.parse.quote(info['file_path'])}")
        with urllib.request.urlopen(url, timeout=SEND_TIMEOUT) as response:
            data = response.read(config.attachment_size + 1)
        return media['name'], media['type'], data

    def send(self, address, outbound):
        "Send outbound to the chat; return the message id"
        if outbound.attachment:
            fields_ = {'chat_id': address}
            if outbound.text:
                fields_['caption'] = outbound.text[:1024]
            body, content_type = multipart(fields_, 'document',
                outbound.attachment)
            result = self._call('sendDocument', body=body,
                content_type=content_type)
            return f"{address}:{result['message_id']}"
        payload = {'chat_id': address, 'text': outbound.text}
        if outbound.choices:
            # A keyboard whose buttons send their text as the answer
            payload['reply_markup'] = {
                'keyboard': [[{'text': self.choice_text(i, t)}]
                    for i, t in outbound.choices],
                'one_time_keyboard': True,
                'resize_keyboard': True,
                }
        else:
            payload['reply_markup'] = {'remove_keyboard': True}
        result = self._call('sendMessage', payload)
        return f"{address}:{result['message_id']}"

    @staticmethod
    def choice_text(choice_id, title):
        "The button's text, which is what the citizen answers"
        kind, _, value = choice_id.partition(':')
        if kind == 'service':
            return f'{value}. {title}'
        return title
