/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* The agent's webchat console.  Data comes from
   /<database>/see_webchat/agent/state by long polling and actions go to
   /<database>/see_webchat/agent/<action>; both use the Tryton session
   cookie of the web client (or of the login form below), so the agent's
   groups and record rules apply.  Texts are shown with textContent only. */
(function() {
    'use strict';

    var PATH = /^(.*)\/([^/]+)\/see_webchat\/console\/?$/;
    var WAIT = 20;
    var state = {
        database: null,
        after: {},
        version: '',
        loaded: {},     // session id -> true once its history is loaded
        messages: {},   // session id -> [message]
        sessions: [],
        queue: [],
        current: null,
        full: true,
        static: null,
        serverOffset: 0,
        polling: false,
        failures: 0,
    };

    var $ = SeeWeb.$;
    var request = SeeWeb.request;

    function showAlert(text) {
        $('alert-text').textContent = text || '';
        $('alert').hidden = !text;
    }

    function consoleUrl(database) {
        return SeeWeb.databaseUrl(database, '/see_webchat/console');
    }

    function apiUrl(name) {
        return SeeWeb.databaseUrl(state.database, '/see_webchat/agent/' +
            name);
    }

    function errorText(result) {
        if (result.json && result.json.error) {
            return result.json.error.message;
        }
        if (result.status === 403) {
            return 'Você não tem permissão para esta ação.';
        }
        if (result.status === 404) {
            return 'Conversa não encontrada.';
        }
        return 'Erro ' + result.status + '. Tente novamente.';
    }

    // Login ------------------------------------------------------------

    function hideWorkspace() {
        $('workspace').hidden = true;
    }

    function showLogin() {
        SeeWeb.loginForm({path: PATH, hide: hideWorkspace});
    }

    // State ------------------------------------------------------------

    function poll() {
        if (state.polling) {
            return;
        }
        state.polling = true;
        var loaded = Object.keys(state.loaded).join(',');
        var after = Object.keys(state.after).map(function(id) {
            return id + ':' + state.after[id];
        }).join(',');
        var url = apiUrl('state') + '?after=' + after +
            '&wait=' + (state.version ? WAIT : 0) +
            '&v=' + encodeURIComponent(state.version) +
            '&loaded=' + loaded + '&full=' + (state.full ? 1 : 0);
        request('GET', url).then(function(result) {
            state.polling = false;
            if (result.status === 401 || result.status === 403) {
                showLogin();
                return;
            }
            if (result.status !== 200) {
                retry();
                return;
            }
            if (state.failures) {
                showAlert('');
            }
            state.failures = 0;
            apply(result.json);
            poll();
        }, function() {
            state.polling = false;
            retry();
        });
    }

    function retry() {
        state.failures += 1;
        if (state.failures > 1) {
            showAlert('Sem conexão com o servidor. Tentando novamente…');
        }
        setTimeout(poll, Math.min(1000 * state.failures, 10000));
    }

    function apply(data) {
        state.version = data.version;
        state.serverOffset = Date.parse(data.server_time) - Date.now();
        if (data.replies) {
            state.static = data;
            state.full = false;
            fillStatic(data);
        }
        SeeWeb.setUser(data.user, state.database);
        state.queue = data.queue;
        // The list shows the oldest ones; the count is of all
        state.queueSize = data.queue_size !== undefined ?
            data.queue_size : data.queue.length;
        state.sessions = data.sessions;
        var ids = {};
        data.sessions.forEach(function(s) {
            ids[s.id] = true;
            state.loaded[s.id] = true;
        });
        Object.keys(state.loaded).forEach(function(id) {
            if (!ids[id]) {
                delete state.loaded[id];
                delete state.messages[id];
                delete state.after[id];
            }
        });
        data.messages.forEach(function(m) {
            state.after[m.session] = Math.max(
                state.after[m.session] || 0, m.id);
        });
        addMessages(data.messages);
        var active = data.sessions.filter(function(s) {
            return s.state === 'active';
        }).length;
        $('limit').textContent = 'Em atendimento: ' + active + ' de ' +
            data.limit;
        if (state.current && !ids[state.current]) {
            state.current = null;
        }
        if (!state.current && data.sessions.length) {
            state.current = data.sessions[0].id;
        }
        renderQueue();
        renderMine();
        renderSession();
    }

    function addMessages(messages) {
        messages.forEach(function(m) {
            var list = state.messages[m.session] ||
                (state.messages[m.session] = []);
            if (!list.some(function(o) {
                return o.id === m.id;
            })) {
                list.push(m);
                list.sort(function(a, b) {
                    return a.id - b.id;
                });
            }
        });
    }

    // The answer to a sending carries the agent's own messages: the
    // server does not wake this console for them
    function sent(json) {
        if (json && json.messages) {
            addMessages(json.messages);
            renderSession();
        }
        return json;
    }

    function fillStatic(data) {
        var standard = $('standard');
        standard.length = 1;
        data.replies.forEach(function(r) {
            var option = document.createElement('option');
            option.value = String(r.id);
            option.textContent = r.name;
            standard.appendChild(option);
        });
        Array.prototype.forEach.call(
            document.querySelectorAll('select.classifications'),
            function(select) {
                select.textContent = '';
                var empty = document.createElement('option');
                empty.value = '';
                empty.textContent = '—';
                select.appendChild(empty);
                data.classifications.forEach(function(c) {
                    var option = document.createElement('option');
                    option.value = String(c.id);
                    option.textContent = c.name;
                    select.appendChild(option);
                });
            });
        var agents = $('transfer-agent');
        agents.textContent = '';
        data.agents.forEach(function(a) {
            var option = document.createElement('option');
            option.value = String(a.id);
            option.textContent = a.name + (a.online ? ' (conectado)' : '');
            agents.appendChild(option);
        });
    }

    function waitText(startIso) {
        var seconds = Math.max(0, Math.round(
            (Date.now() + state.serverOffset - Date.parse(startIso)) / 1000));
        var minutes = Math.floor(seconds / 60);
        return minutes + ' min ' + ('0' + (seconds % 60)).slice(-2) + ' s';
    }

    var CHANNELS = {widget: 'Web', whatsapp: 'WhatsApp', telegram: 'Telegram'};

    function channelBadge(s) {
        // Where the citizen writes from: the conversations of every
        // channel are attended the same way, side by side
        var badge = document.createElement('span');
        var channel = CHANNELS[s.channel] ? s.channel : 'widget';
        badge.className = 'channel channel-' + channel;
        badge.textContent = CHANNELS[channel];
        return badge;
    }

    function renderQueue() {
        var list = $('queue');
        list.textContent = '';
        $('queue-count').textContent = String(state.queueSize);
        state.queue.forEach(function(s) {
            var item = document.createElement('li');
            var name = document.createElement('strong');
            name.textContent = s.requester_name;
            item.appendChild(name);
            item.appendChild(channelBadge(s));
            var meta = document.createElement('span');
            meta.className = 'meta';
            meta.textContent = s.service + ' · espera ';
            var wait = document.createElement('span');
            wait.className = 'wait';
            wait.dataset.start = s.start_date;
            wait.textContent = waitText(s.start_date);
            meta.appendChild(wait);
            item.appendChild(meta);
            var button = document.createElement('button');
            button.type = 'button';
            button.className = 'accept';
            button.textContent = 'Aceitar';
            button.setAttribute('aria-label', 'Aceitar conversa de ' +
                s.requester_name);
            button.addEventListener('click', function() {
                action('accept', {session: s.id}).then(function(json) {
                    if (json) {
                        state.current = json.session;
                        poll();
                    }
                });
            });
            item.appendChild(button);
            list.appendChild(item);
        });
    }

    function renderMine() {
        var list = $('mine');
        list.textContent = '';
        state.sessions.forEach(function(s) {
            var item = document.createElement('li');
            if (s.id === state.current) {
                item.className = 'current';
            }
            var button = document.createElement('button');
            button.type = 'button';
            button.className = 'secondary open-session';
            button.textContent = s.requester_name + ' — ' + (s.number || '');
            button.addEventListener('click', function() {
                state.current = s.id;
                renderMine();
                renderSession();
            });
            item.appendChild(button);
            item.appendChild(channelBadge(s));
            var meta = document.createElement('span');
            meta.className = 'meta';
            meta.textContent = s.service + (s.state === 'survey' ?
                ' · aguardando avaliação' : '') +
                (s.survey_score !== null ? ' · nota ' + s.survey_score : '');
            item.appendChild(meta);
            list.appendChild(item);
        });
    }

    function currentSession() {
        for (var i = 0; i < state.sessions.length; i++) {
            if (state.sessions[i].id === state.current) {
                return state.sessions[i];
            }
        }
        return null;
    }

    var WHO = {citizen: null, system: 'Central'};

    function renderSession() {
        var session = currentSession();
        $('session').hidden = !session;
        $('empty').hidden = !!session;
        if (!session) {
            return;
        }
        $('session-title').textContent = 'Protocolo ' + (session.number || '') +
            ' — ' + session.requester_name;
        $('session-info').textContent = (CHANNELS[session.channel] ||
            'Web') + ' · ' + session.service + ' · ' +
            session.requester_phone + (session.state === 'survey' ?
            ' · atendimento concluído, aguardando a avaliação' : '');
        var list = $('messages');
        var shown = list.dataset.session === String(session.id) ?
            list.querySelectorAll('li').length : 0;
        if (!shown) {
            list.textContent = '';
            list.dataset.session = String(session.id);
        }
        var messages = state.messages[session.id] || [];
        messages.slice(shown).forEach(function(m) {
            var item = document.createElement('li');
            item.className = 'msg msg-' + m.author_type;
            var who = document.createElement('span');
            who.className = 'who';
            who.textContent = m.author_type === 'citizen' ?
                session.requester_name :
                (m.author_type === 'agent' ? m.author_name : WHO.system);
            item.appendChild(who);
            var text = document.createElement('span');
            text.className = 'text';
            text.textContent = m.text;
            item.appendChild(text);
            if (m.attachment) {
                var link = document.createElement('a');
                link.href = apiUrl('attachments/' + m.id);
                link.textContent = 'Anexo: ' + m.attachment.name;
                link.setAttribute('download', m.attachment.name);
                item.appendChild(document.createElement('br'));
                item.appendChild(link);
            }
            var time = document.createElement('time');
            time.textContent = new Date(m.date).toLocaleTimeString('pt-BR');
            item.appendChild(time);
            list.appendChild(item);
        });
        list.scrollTop = list.scrollHeight;
        var open = session.state === 'active';
        ['send', 'transfer', 'escalate', 'close', 'standard-insert'].forEach(
            function(id) {
                $(id).disabled = !open;
            });
        $('composer').hidden = !open;
    }

    function action(name, body) {
        showAlert('');
        return request('POST', apiUrl(name), body).then(function(result) {
            if (result.status !== 200) {
                showAlert(errorText(result));
                return null;
            }
            return result.json;
        }, function() {
            showAlert('Sem conexão com o servidor. Tente novamente.');
            return null;
        });
    }

    // Actions ----------------------------------------------------------

    function newId() {
        if (window.crypto && window.crypto.randomUUID) {
            return window.crypto.randomUUID();
        }
        var bytes = new Uint8Array(16);
        window.crypto.getRandomValues(bytes);
        return Array.prototype.map.call(bytes, function(b) {
            return ('0' + b.toString(16)).slice(-2);
        }).join('');
    }

    function send(event) {
        event.preventDefault();
        var text = $('reply').value;
        if (!text.trim()) {
            showAlert('Digite a resposta antes de enviar.');
            return;
        }
        // The same id when the same answer is sent again after a failure:
        // the server then returns the message stored the first time
        var pending = state.pendingSend;
        if (!pending || pending.session !== state.current
                || pending.text !== text) {
            pending = state.pendingSend = {
                session: state.current, text: text, client_id: newId()};
        }
        action('send', {session: state.current, text: text,
                client_id: pending.client_id}).then(sent)
            .then(function(json) {
                if (json) {
                    state.pendingSend = null;
                    $('reply').value = '';
                    $('reply').focus();
                }
            });
    }

    function insertStandard() {
        var id = parseInt($('standard').value, 10);
        var reply = (state.static.replies || []).filter(function(r) {
            return r.id === id;
        })[0];
        if (reply) {
            var box = $('reply');
            box.value = box.value ? box.value + '\n' + reply.text : reply.text;
            box.focus();
        }
    }

    function searchKb(event) {
        event.preventDefault();
        var session = currentSession();
        var url = apiUrl('kb') + '?q=' +
            encodeURIComponent($('kb-query').value) +
            (session ? '&service=' + session.service_id : '');
        request('GET', url).then(function(result) {
            var list = $('kb-results');
            list.textContent = '';
            if (result.status !== 200) {
                showAlert(errorText(result));
                return;
            }
            if (!result.json.articles.length) {
                var none = document.createElement('li');
                none.textContent = 'Nenhum artigo encontrado.';
                list.appendChild(none);
            }
            result.json.articles.forEach(function(a) {
                var item = document.createElement('li');
                var title = document.createElement('strong');
                title.textContent = a.title;
                item.appendChild(title);
                var body = document.createElement('span');
                body.className = 'kb-body';
                body.textContent = a.body;
                item.appendChild(body);
                var button = document.createElement('button');
                button.type = 'button';
                button.className = 'send-article';
                button.textContent = 'Enviar artigo';
                button.addEventListener('click', function() {
                    action('send', {session: state.current, article: a.id})
                        .then(sent);
                });
                item.appendChild(button);
                list.appendChild(item);
            });
        });
    }

    function transfer(event) {
        event.preventDefault();
        action('transfer', {session: state.current,
            agent: parseInt($('transfer-agent').value, 10)});
    }

    function escalate(event) {
        event.preventDefault();
        action('escalate', {session: state.current,
            question: $('escalate-question').value,
            classification: parseInt(
                $('escalate-classification').value, 10) || null,
        }).then(function(json) {
            if (json) {
                $('escalate-question').value = '';
            }
        });
    }

    function close(event) {
        event.preventDefault();
        action('close', {session: state.current,
            classification: parseInt(
                $('close-classification').value, 10) || null});
    }

    function tick() {
        Array.prototype.forEach.call(document.querySelectorAll('.wait'),
            function(span) {
                span.textContent = waitText(span.dataset.start);
            });
    }

    function start() {
        $('workspace').hidden = false;
        poll();
    }

    function init() {
        $('alert-close').addEventListener('click', function() {
            showAlert('');
        });
        $('composer').addEventListener('submit', send);
        $('reply').addEventListener('keydown', function(event) {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                send(event);
            }
        });
        $('standard-insert').addEventListener('click', insertStandard);
        $('kb-form').addEventListener('submit', searchKb);
        $('transfer-form').addEventListener('submit', transfer);
        $('escalate-form').addEventListener('submit', escalate);
        $('close-form').addEventListener('submit', close);
        setInterval(tick, 1000);

        state.database = SeeWeb.page({
            path: PATH,
            pageUrl: consoleUrl,
            message: showAlert,
            load: start,
            hide: hideWorkspace,
        });
        if (state.database) {
            start();
        }
    }

    init();
}());
