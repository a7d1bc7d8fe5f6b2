# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Helpers of the telephony scenarios

`inbound_call` writes the AMI events of one call as Asterisk 20 sends them
(``timestampevents = yes``), normalized as the connector hands them to
``see.call.ingest``; `ingest` stores them in one transaction, as the
connector's writer does; `listen_bus` and `bus_messages` read Tryton's bus
channel of PostgreSQL."""
import calendar
import datetime as dt

from trytond.modules.see_telefonia import events as ami_events


def epoch(datetime):
    "Epoch seconds of a naive UTC datetime"
    return calendar.timegm(datetime.timetuple()) + datetime.microsecond / 1e6


def inbound_call(uniqueid, arrival, caller, ivr=10, wait=None, talk=None,
        agent=None, survey=None, trunk='operadora', queue='matricula'):
    """Events of an inbound call arrived at arrival (naive UTC)

    Without wait the caller hangs up in the IVR; with wait and without
    talk the caller abandons the queue after wait seconds; with both, the
    agent's extension answers after wait seconds and talks talk seconds.
    survey is the 0-10 answer given after the agent hung up."""
    start = epoch(arrival)
    number = int(uniqueid.replace('.', ''))
    channel = 'PJSIP/%s-%08x' % (trunk, number % 0xffffffff)
    agent_uniqueid = uniqueid + '1'
    agent_channel = 'PJSIP/%s-%08x' % (agent, (number + 1) % 0xffffffff)
    interface = 'PJSIP/%s' % agent

    def event(name, at, own=True, **keys):
        values = {
            'Event': name,
            'Privilege': 'call,all',
            'Timestamp': '%.6f' % (start + at),
            'Channel': channel if own else agent_channel,
            'ChannelState': '6',
            'ChannelStateDesc': 'Up',
            'CallerIDNum': caller,
            'CallerIDName': '<unknown>',
            'Context': 'from-pstn',
            'Exten': '08002860000',
            'Priority': '1',
            'Uniqueid': uniqueid if own else agent_uniqueid,
            'Linkedid': uniqueid,
            }
        values.update((k.replace('_', '-'), v) for k, v in keys.items())
        return values

    def member(**keys):
        return dict(Queue=queue, MemberName='Agente %s' % agent,
            Interface=interface, DestChannel=agent_channel,
            DestUniqueid=agent_uniqueid, DestLinkedid=uniqueid, **keys)

    events = [
        event('Newchannel', 0),
        event('VarSet', 0.1, Variable='MIXMONITOR_FILENAME',
            Value='%s/%s.wav' % (arrival.strftime('%Y/%m/%d'), uniqueid)),
        event('NewExten', 0.2, Extension='s', Application='Background',
            AppData='ura-boas-vindas'),
        ]
    end = ivr
    if wait is not None:
        events.append(event('QueueCallerJoin', ivr, Queue=queue,
                Position='1', Count='1'))
        if talk is None:
            end = ivr + wait
            events.append(event('QueueCallerAbandon', end, Queue=queue,
                    Position='1', OriginalPosition='1', HoldTime=str(wait)))
        else:
            answer = ivr + wait
            end = answer + talk
            events += [
                event('AgentCalled', answer - 1, **member()),
                event('AgentConnect', answer, **member(
                        HoldTime=str(wait), RingTime='1')),
                event('BridgeEnter', answer, own=False,
                    BridgeUniqueid='bridge-' + uniqueid),
                event('AgentComplete', end, **member(
                        HoldTime=str(wait), TalkTime=str(talk),
                        Reason='agent')),
                event('Hangup', end, own=False, Cause='16',
                    Cause_txt='Normal Clearing'),
                ]
            if survey is not None:
                events.append(event('UserEvent', end + 8,
                        UserEvent='SEESurvey', Score=str(survey)))
                end += 10
    events.append(event('Hangup', end, Cause='16',
            Cause_txt='Normal Clearing'))
    return [ami_events.normalize(e) for e in events]


def ingest(config, server_id, events, now=None):
    "Store events as the connector's writer does; return ingest's counts"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(config.database_name, 0,
            context={'language': 'pt', 'see_connector': True}):
        Call = Pool(config.database_name).get('see.call')
        return Call.ingest(server_id, events, now=now)


def listen_bus(config):
    "A PostgreSQL connection listening to Tryton's bus"
    from trytond import backend
    database = backend.Database(config.database_name).connect()
    connection = database.get_connection(autocommit=True)
    connection.execute('LISTEN "bus"')
    return database, connection


def bus_messages(listener, timeout=2):
    "The (channel, title) of the bus messages received by listener"
    import json
    database, connection = listener
    messages = []
    for notify in connection.notifies(timeout=timeout):
        payload = json.loads(notify.payload)
        messages.append(
            (payload['channel'], payload['message'].get('title')))
    connection.execute('UNLISTEN "bus"')
    database.put_connection(connection)
    return messages


def at(day, hour, minute=0, second=0):
    "A naive UTC datetime of April 2024"
    return dt.datetime(2024, 4, day, hour, minute, second)
