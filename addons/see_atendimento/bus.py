# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Each user receives only their own notifications from the bus

trytond's bus route (``POST /<database>/bus``) lets a logged-in user
subscribe to any channel but ``user:N``, which it replaces with the user's
own.  Tryton's ``res.notification`` publishes the text of each notification
(a caller's number, a requester's name) on ``notification:N``: the web
client subscribes to its user's channel, and nothing stopped a user from
subscribing to another's.  The route is wrapped here so that the
``notification:N`` channels of other users are dropped from the
subscription, as trytond does for ``user:N``.
"""
import re
from functools import wraps

import trytond.bus
from trytond.wsgi import app

# Channels that belong to one user: "<kind>:<user id>"
PERSONAL_CHANNEL = re.compile(r'^(?:user|notification):(.*)$', re.S)


def own_channels(channels, user_id):
    "The channels of a subscription that user_id may receive"
    if not isinstance(channels, list):
        return []
    allowed = []
    for channel in channels:
        if not isinstance(channel, str):
            continue
        match = PERSONAL_CHANNEL.match(channel)
        if match and match.group(1) != str(user_id):
            continue
        allowed.append(channel)
    return allowed


def guarded(subscribe):
    "The bus route subscribe that receives only the user's own channels"
    @wraps(subscribe)
    def wrapper(request, *args, **kwargs):
        session = request.session
        data = request.parsed_data
        # Without a session the route itself refuses the request
        if session is not None and isinstance(data, dict):
            data['channels'] = own_channels(
                data.get('channels'), session.userid)
        return subscribe(request, *args, **kwargs)
    return wrapper


def guard_bus_subscription():
    "Put the guard on trytond's bus route"
    url_map = app.url_map
    for rule in list(url_map.iter_rules()):
        if rule.endpoint is trytond.bus.subscribe:
            rule.endpoint = guarded(rule.endpoint)
            # werkzeug looks the rule up by its endpoint when it matches
            url_map._rules_by_endpoint.setdefault(
                rule.endpoint, []).append(rule)


guard_bus_subscription()
