/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* Supervisor's live panel of the queues and agents (Annex D 2.10).
   Data comes from /<database>/see_telefonia/panel/data every few seconds
   with the Tryton session cookie of the web client (or of the login form
   below); the page never needs to be reloaded. */
(function() {
    'use strict';

    var PATH = /^(.*)\/([^/]+)\/see_telefonia\/panel\/?$/;
    var SERVICE_TARGET = 85;
    var state = {
        database: null,
        lastOk: null,
    };

    var $ = SeeWeb.$;
    var show = SeeWeb.show;

    function panelUrl(database) {
        return SeeWeb.databaseUrl(database, '/see_telefonia/panel');
    }

    function showMessage(text) {
        $('message').textContent = text;
        show('message', Boolean(text));
    }

    // Login ----------------------------------------------------------------

    function hidePanel() {
        stop();
        show('panel', false);
    }

    function showLogin() {
        SeeWeb.loginForm({path: PATH, hide: hidePanel});
    }

    // Rendering ------------------------------------------------------------

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

    function cell(row, text, className) {
        var td = document.createElement('td');
        td.textContent = text === null || text === undefined ? '' : text;
        if (className) {
            td.className = className;
        }
        row.appendChild(td);
        return td;
    }

    function renderQueues(queues) {
        var body = $('queues').querySelector('tbody');
        body.textContent = '';
        queues.forEach(function(queue) {
            var row = document.createElement('tr');
            row.dataset.queue = queue.name;
            cell(row, queue.name, 'name');
            cell(row, queue.waiting, 'number waiting' +
                (queue.waiting ? ' waiting-alert' : ''));
            cell(row, queue.waiting ? duration(queue.longest_wait) : '',
                'number longest-wait');
            cell(row, queue.received, 'number received');
            cell(row, queue.answered, 'number answered');
            cell(row, queue.abandoned, 'number abandoned');
            var level = queue.service_level;
            cell(row, level === null ? '—' :
                level.toLocaleString('pt-BR') + '%', 'number service-level' +
                (level === null ? '' : level >= SERVICE_TARGET ?
                    ' level-good' : ' level-bad'));
            body.appendChild(row);
        });
        show('no-queues', !queues.length);
    }

    function renderAgents(agents, totals) {
        var body = $('agents').querySelector('tbody');
        body.textContent = '';
        agents.forEach(function(agent) {
            var row = document.createElement('tr');
            row.dataset.interface = agent.interface;
            row.className = 'status-' + agent.status;
            cell(row, agent.name, 'name');
            cell(row, agent.interface, 'interface');
            cell(row, agent.status_name + (agent.paused_reason ?
                ' (' + agent.paused_reason + ')' : ''), 'status');
            cell(row, duration(agent.seconds), 'number since');
            cell(row, agent.queue, 'queue');
            body.appendChild(row);
        });
        show('no-agents', !agents.length);
        Array.prototype.forEach.call(
            document.querySelectorAll('#agent-totals strong'),
            function(strong) {
                strong.textContent = totals[strong.dataset.status] || 0;
            });
    }

    function render(data) {
        SeeWeb.setUser(data.user, state.database);
        renderQueues(data.queues);
        renderAgents(data.agents, data.agent_totals);
        SeeWeb.markUpdated(data.time);
        show('panel', true);
    }

    // Refresh --------------------------------------------------------------

    var live = SeeWeb.refresher({
        url: function() {
            return panelUrl(state.database) + '/data';
        },
        render: render,
        login: showLogin,
        message: showMessage,
    });

    function stop() {
        live.stop();
    }

    function load() {
        live.load();
    }

    function start() {
        state.database = SeeWeb.page({
            path: PATH,
            pageUrl: panelUrl,
            message: showMessage,
            load: load,
            hide: hidePanel,
        });
        if (state.database) {
            load();
        }
    }

    start();
}());
