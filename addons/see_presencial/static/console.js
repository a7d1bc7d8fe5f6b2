/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* The desk console of the in-person service.  Data comes from
   /<database>/see_presencial/console/... every few seconds with the Tryton
   session cookie of the web client (or of the login form); every action
   is a POST that the server runs through the tickets' buttons, so what it
   refuses is shown with its message. */
(function() {
    'use strict';

    var PATH = /^(.*)\/([^/]+)\/see_presencial\/console\/?$/;
    var DESK_KEY = 'see_console_desk_';
    var state = {
        database: null,
        desk: null,
        data: null,
        refresh: 3,
        timer: null,
        keys: {},
        busy: false,
    };

    var $ = SeeWeb.$;
    var show = SeeWeb.show;
    var request = SeeWeb.request;

    function consoleUrl(database) {
        return SeeWeb.databaseUrl(database, '/see_presencial/console');
    }

    function apiUrl(path) {
        return consoleUrl(state.database) + path;
    }

    function showMessage(text) {
        $('message').textContent = text || '';
        show('message', Boolean(text));
    }

    function notify(text) {
        $('notice').textContent = text || '';
    }

    function errorText(response, fallback) {
        var json = response.json;
        return (json && json.error && json.error.message) || fallback;
    }

    function duration(seconds) {
        if (seconds === null || seconds === undefined) {
            return '';
        }
        seconds = Math.max(0, seconds);
        var h = Math.floor(seconds / 3600);
        var m = Math.floor((seconds % 3600) / 60);
        var s = seconds % 60;
        var mm = (h && m < 10 ? '0' : '') + m;
        return (h ? h + ':' : '') + mm + ':' + (s < 10 ? '0' : '') + s;
    }

    // Login ----------------------------------------------------------------

    function hideConsole() {
        stop();
        show('console', false);
    }

    function showLogin() {
        SeeWeb.loginForm({path: PATH, hide: hideConsole});
    }

    // Desks ----------------------------------------------------------------

    function storedDesk() {
        try {
            return window.localStorage.getItem(DESK_KEY + state.database);
        } catch (e) {
            return null;
        }
    }

    function storeDesk(id) {
        try {
            window.localStorage.setItem(DESK_KEY + state.database, id);
        } catch (e) {
            // private browsing: the choice is just not remembered
        }
    }

    function option(select, value, text) {
        var element = document.createElement('option');
        element.value = value;
        element.textContent = text;
        select.appendChild(element);
        return element;
    }

    function loadDesks() {
        request('GET', apiUrl('/desks')).then(function(response) {
            if (response.status === 401) {
                showLogin();
                return;
            }
            if (response.status !== 200 || !response.json) {
                showMessage(errorText(response,
                        'Erro ao falar com o servidor (' +
                        response.status + ').'));
                return;
            }
            showMessage('');
            var data = response.json;
            SeeWeb.setUser(data.user, state.database);
            var select = $('desk-select');
            select.textContent = '';
            option(select, '', 'Escolha o seu guichê');
            data.desks.forEach(function(desk) {
                option(select, desk.id, desk.name + ' — ' + desk.site);
            });
            show('console', true);
            show('no-desk', !data.desks.length);
            select.disabled = !data.desks.length;
            var ids = data.desks.map(function(d) {
                return String(d.id);
            });
            var desk = storedDesk();
            if (ids.indexOf(desk) < 0) {
                desk = ids.length === 1 ? ids[0] : null;
            }
            if (desk) {
                select.value = desk;
                chooseDesk(desk);
            } else {
                show('workspace', false);
                select.focus();
            }
        }, function() {
            showMessage('Não foi possível falar com o servidor.');
        });
    }

    function chooseDesk(id) {
        stop();
        state.desk = id;
        state.keys = {};
        state.data = null;
        closeForms();
        if (!id) {
            show('workspace', false);
            return;
        }
        storeDesk(id);
        load();
    }

    // Rendering ------------------------------------------------------------

    function changed(name, value) {
        // Redraw a part only when its data changed: the current ticket is
        // a live region, and a redraw would lose the focus
        var key = JSON.stringify(value);
        if (state.keys[name] === key) {
            return false;
        }
        state.keys[name] = key;
        return true;
    }

    function priorityText(ticket) {
        return ticket.priority || 'Normal';
    }

    function renderCurrent(data) {
        var ticket = data.current;
        // The name given at the reception, else the one of the protocol
        var name = ticket ? ticket.requester_name ||
            (ticket.protocol && ticket.protocol.requester_name) : null;
        var live = ticket ? {
            id: ticket.id, number: ticket.number, service: ticket.service,
            priority: ticket.priority, state: ticket.state,
            calls: ticket.call_count, name: name,
        } : null;
        if (changed('current', live)) {
            show('no-current', !ticket);
            show('current-ticket', Boolean(ticket));
            if (ticket) {
                $('current-number').textContent = ticket.number;
                $('current-service').textContent = ticket.service;
                $('current-priority').textContent = priorityText(ticket);
                $('current-state').textContent = ticket.state_name;
                $('current-calls').textContent = ticket.call_count + ' de ' +
                    data.desk.no_show_calls + ' antes do não comparecimento';
                $('current-requester').textContent = name || 'Não informado';
            }
            closeForms();
        }
        show('current-waiting-line', Boolean(ticket));
        $('current-waiting').textContent = ticket ?
            duration(ticket.waiting) : '';
        var current = ticket ? ticket.state : null;
        show('call-next', !ticket);
        show('recall', current === 'called');
        show('start', current === 'called');
        show('no-show', current === 'called');
        show('suspend', current === 'attending');
        show('transfer-open', Boolean(ticket));
        show('cancel-open', Boolean(ticket));
        show('finish', current === 'attending');
        var early = current === 'called' &&
            ticket.call_count < data.desk.no_show_calls;
        // Still focusable and clickable: the server says why it refuses
        $('no-show').setAttribute('aria-disabled', early ? 'true' : 'false');
        show('no-show-hint', early);
        $('no-show-hint').textContent = early ? 'Disponível após ' +
            data.desk.no_show_calls + ' chamadas (esta senha foi chamada ' +
            ticket.call_count + ' vez(es)).' : '';
        var protocol = ticket && ticket.state === 'attending' ?
            ticket.protocol : null;
        if (changed('protocol', protocol ? [protocol,
                data.classifications] : null)) {
            renderProtocol(protocol, data.classifications);
        }
    }

    function renderProtocol(protocol, classifications) {
        show('protocol', Boolean(protocol));
        if (!protocol) {
            return;
        }
        $('protocol-link').href = protocol.url;
        $('protocol-number').textContent = protocol.number;
        $('protocol-state').textContent = protocol.state_name;
        var open = protocol.state === 'draft' ||
            protocol.state === 'attending';
        show('identify-form', open);
        $('identify-name').value = protocol.requester_name || '';
        $('identify-cpf').value = protocol.requester_cpf || '';
        $('identify-submit').textContent = protocol.state === 'draft' ?
            'Salvar solicitante e iniciar o protocolo' : 'Salvar solicitante';
        show('resolve-form', protocol.state === 'attending');
        var select = $('resolve-classification');
        select.textContent = '';
        option(select, '', 'Escolha a classificação');
        classifications.forEach(function(c) {
            option(select, c.id, c.name);
        });
        select.value = protocol.classification || '';
        $('resolve-answer').value = protocol.answer || '';
        show('protocol-ended', !open);
    }

    function focusedAction() {
        var element = document.activeElement;
        if (element && element.dataset && element.dataset.ticket) {
            return [element.dataset.ticket, element.dataset.action];
        }
        return null;
    }

    function restoreFocus(focused) {
        if (!focused) {
            return;
        }
        var button = document.querySelector('button[data-ticket="' +
            focused[0] + '"][data-action="' + focused[1] + '"]');
        if (button) {
            button.focus();
        }
    }

    function cell(row, text, className) {
        var td = document.createElement('td');
        td.textContent = text === null || text === undefined ? '' : text;
        if (className) {
            td.className = className;
        }
        row.appendChild(td);
        return td;
    }

    function ticketButton(td, ticket, action, label, title) {
        var button = document.createElement('button');
        button.type = 'button';
        button.dataset.ticket = ticket.id;
        button.dataset.action = action;
        button.textContent = label;
        button.setAttribute('aria-label', title + ' ' + ticket.number);
        td.appendChild(button);
        return button;
    }

    function renderQueue(data) {
        var focused = focusedAction();
        var body = $('queue').querySelector('tbody');
        body.textContent = '';
        data.queue.forEach(function(ticket) {
            var row = document.createElement('tr');
            row.dataset.ticket = ticket.number;
            row.className = 'class-' + ticket.class;
            cell(row, ticket.number, 'ticket-number');
            cell(row, ticket.service, 'service');
            cell(row, priorityText(ticket) +
                (ticket.class === 'scheduled' ? ' (agendada)' : '') +
                (ticket.target_desk ? ' — reservada' : ''), 'priority');
            cell(row, duration(ticket.waiting), 'number waiting');
            var td = cell(row, '', 'action');
            var button = ticketButton(td, ticket, 'call', 'Chamar',
                'Chamar a senha');
            button.disabled = Boolean(data.current);
            body.appendChild(row);
        });
        $('queue-count').textContent = '(' + data.queue.length + ')';
        show('no-queue', !data.queue.length);
        restoreFocus(focused);
    }

    function renderSuspended(data) {
        if (!changed('suspended', [data.suspended, Boolean(data.current)])) {
            return;
        }
        var focused = focusedAction();
        var body = $('suspended').querySelector('tbody');
        body.textContent = '';
        data.suspended.forEach(function(ticket) {
            var row = document.createElement('tr');
            row.dataset.ticket = ticket.number;
            cell(row, ticket.number, 'ticket-number');
            cell(row, ticket.service, 'service');
            cell(row, ticket.requester_name || '', 'requester');
            var td = cell(row, '', 'action');
            ticketButton(td, ticket, 'resume', 'Retomar', 'Retomar a senha');
            ticketButton(td, ticket, 'cancel-suspended', 'Cancelar…',
                'Cancelar a senha');
            body.appendChild(row);
        });
        show('no-suspended', !data.suspended.length);
        restoreFocus(focused);
    }

    function renderChoices(data) {
        if (!changed('choices', [data.services, data.desks])) {
            return;
        }
        var service = $('transfer-service');
        service.textContent = '';
        option(service, '', 'Manter o serviço');
        data.services.forEach(function(s) {
            option(service, s.id, s.name);
        });
        var desk = $('transfer-desk');
        desk.textContent = '';
        option(desk, '', 'Qualquer guichê do serviço');
        data.desks.forEach(function(d) {
            option(desk, d.id, d.name);
        });
    }

    function render(data) {
        state.data = data;
        SeeWeb.setUser(data.user, state.database);
        $('desk-site').textContent = data.desk.site;
        document.title = data.desk.name + ' — Console do guichê';
        renderCurrent(data);
        renderQueue(data);
        renderSuspended(data);
        renderChoices(data);
        SeeWeb.markUpdated(data.time);
        show('workspace', true);
    }

    // Refresh --------------------------------------------------------------

    function stop() {
        if (state.timer) {
            window.clearTimeout(state.timer);
            state.timer = null;
        }
    }

    function schedule() {
        stop();
        state.timer = window.setTimeout(load, state.refresh * 1000);
    }

    function load() {
        var desk = state.desk;
        if (!desk) {
            return;
        }
        stop();
        request('GET', apiUrl('/desk/' + desk)).then(function(response) {
            if (desk !== state.desk) {
                return;
            }
            if (response.status === 401) {
                showLogin();
                return;
            }
            if (response.status === 403 || response.status === 404) {
                show('workspace', false);
                showMessage(errorText(response, 'Acesso negado.'));
                return;
            }
            if (response.status !== 200 || !response.json) {
                $('updated').classList.add('stale');
                showMessage(errorText(response,
                        'Erro ao falar com o servidor (' + response.status +
                        '); nova tentativa em instantes.'));
                schedule();
                return;
            }
            if ($('message').dataset.kind === 'connection') {
                showMessage('');
            }
            state.refresh = response.json.refresh || state.refresh;
            render(response.json);
            schedule();
        }, function() {
            $('updated').classList.add('stale');
            showMessage('Sem conexão com o servidor; nova tentativa em ' +
                'instantes.');
            $('message').dataset.kind = 'connection';
            schedule();
        });
    }

    // Actions --------------------------------------------------------------

    var DONE = {
        call_next: 'Senha chamada.',
        call: 'Senha chamada.',
        recall: 'Senha chamada novamente.',
        start: 'Atendimento iniciado.',
        no_show: 'Senha marcada como não compareceu.',
        suspend: 'Atendimento suspenso.',
        resume: 'Senha retomada: aguarda este guichê.',
        finish: 'Atendimento encerrado.',
        transfer: 'Senha transferida.',
        cancel: 'Senha cancelada.',
        identify: 'Solicitante salvo no protocolo.',
        resolve: 'Protocolo resolvido.',
    };

    function act(action, body, done) {
        if (state.busy) {
            return;
        }
        state.busy = true;
        showMessage('');
        notify('');
        $('message').dataset.kind = '';
        request('POST', apiUrl('/desk/' + state.desk + '/' + action),
            body || {}).then(function(response) {
                state.busy = false;
                if (response.status === 401) {
                    showLogin();
                    return;
                }
                if (response.status !== 200) {
                    showMessage(errorText(response,
                            'Erro ao falar com o servidor (' +
                            response.status + ').'));
                    load();
                    return;
                }
                var current = response.json && response.json.current;
                notify(DONE[action] + (current && (action === 'call' ||
                        action === 'call_next' || action === 'recall') ?
                        ' ' + current.number : ''));
                if (done) {
                    done();
                }
                load();
            }, function() {
                state.busy = false;
                showMessage('Não foi possível falar com o servidor.');
            });
    }

    function currentId() {
        return state.data && state.data.current ? state.data.current.id :
            null;
    }

    function closeForms() {
        show('transfer-form', false);
        show('cancel-form', false);
    }

    function openForm(id, ticket, focus) {
        closeForms();
        var form = $(id);
        form.dataset.ticket = ticket.id;
        form.querySelector('.target-number').textContent = ticket.number;
        show(id, true);
        $(focus).focus();
    }

    function bind() {
        $('desk-select').addEventListener('change', function(event) {
            showMessage('');
            notify('');
            chooseDesk(event.target.value);
        });
        Array.prototype.forEach.call(
            document.querySelectorAll('#actions button[data-action]'),
            function(button) {
                button.addEventListener('click', function() {
                    var action = button.dataset.action;
                    act(action, action === 'call_next' ? {} :
                        {ticket: currentId()});
                });
            });
        $('transfer-open').addEventListener('click', function() {
            openForm('transfer-form', state.data.current, 'transfer-service');
        });
        $('cancel-open').addEventListener('click', function() {
            $('cancel-reason').value = '';
            openForm('cancel-form', state.data.current, 'cancel-reason');
        });
        Array.prototype.forEach.call(
            document.querySelectorAll('.close-form'), function(button) {
                button.addEventListener('click', function() {
                    closeForms();
                    $('call-next').focus();
                });
            });
        document.addEventListener('keydown', function(event) {
            if (event.key === 'Escape' && (!$('transfer-form').hidden ||
                    !$('cancel-form').hidden)) {
                closeForms();
            }
        });
        $('transfer-form').addEventListener('submit', function(event) {
            event.preventDefault();
            act('transfer', {
                ticket: Number($('transfer-form').dataset.ticket),
                service: $('transfer-service').value || null,
                desk: $('transfer-desk').value || null,
            }, closeForms);
        });
        $('cancel-form').addEventListener('submit', function(event) {
            event.preventDefault();
            act('cancel', {
                ticket: Number($('cancel-form').dataset.ticket),
                reason: $('cancel-reason').value,
            }, closeForms);
        });
        $('identify-form').addEventListener('submit', function(event) {
            event.preventDefault();
            act('identify', {
                ticket: currentId(),
                requester_name: $('identify-name').value,
                requester_cpf: $('identify-cpf').value,
            });
        });
        $('resolve-form').addEventListener('submit', function(event) {
            event.preventDefault();
            act('resolve', {
                ticket: currentId(),
                classification: $('resolve-classification').value || null,
                answer: $('resolve-answer').value,
            });
        });
        // The buttons of the queue's and suspended tickets' rows
        ['queue', 'suspended'].forEach(function(table) {
            $(table).addEventListener('click', function(event) {
                var button = event.target.closest('button[data-ticket]');
                if (!button) {
                    return;
                }
                var id = Number(button.dataset.ticket);
                if (button.dataset.action === 'cancel-suspended') {
                    var ticket = state.data.suspended.filter(function(t) {
                        return t.id === id;
                    })[0];
                    $('cancel-reason').value = '';
                    openForm('cancel-form', ticket, 'cancel-reason');
                    return;
                }
                act(button.dataset.action, {ticket: id});
            });
        });
    }

    function start() {
        bind();
        state.database = SeeWeb.page({
            path: PATH,
            pageUrl: consoleUrl,
            message: showMessage,
            load: loadDesks,
            hide: hideConsole,
        });
        if (state.database) {
            loadDesks();
        }
    }

    start();
}());
