/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* The unit supervisor's live dashboard.  Data comes from
   /<database>/see_presencial/unit/data every few seconds with the Tryton
   session cookie of the web client (or of the login form): the rows of
   the dashboard's models as the server gives them, only formatted here.
   Cells are updated in place so a focused link keeps its focus. */
(function() {
    'use strict';

    var PATH = /^(.*)\/([^/]+)\/see_presencial\/unit\/?$/;
    var state = {
        database: null,
        summary: null,
    };

    var $ = SeeWeb.$;
    var show = SeeWeb.show;

    function unitUrl(database) {
        return SeeWeb.databaseUrl(database, '/see_presencial/unit');
    }

    function showMessage(text) {
        $('message').textContent = text || '';
        show('message', Boolean(text));
    }

    function hideDashboard() {
        stop();
        show('dashboard', false);
    }

    function showLogin() {
        SeeWeb.loginForm({path: PATH, hide: hideDashboard});
    }

    // Formatting -----------------------------------------------------------

    function duration(seconds) {
        // mm:ss, or h:mm:ss from an hour on; a dash when there is none
        if (seconds === null || seconds === undefined) {
            return '—';
        }
        seconds = Math.max(0, seconds);
        var h = Math.floor(seconds / 3600);
        var m = Math.floor((seconds % 3600) / 60);
        var s = seconds % 60;
        return (h ? h + ':' : '') + (m < 10 ? '0' : '') + m + ':' +
            (s < 10 ? '0' : '') + s;
    }

    function count(value) {
        return String(value || 0);
    }

    var SERVICE_COLUMNS = [
        {name: 'service', link: false},
        {name: 'waiting', format: count},
        {name: 'longest_wait', format: function(value, row) {
            return row.waiting ? duration(value) : '—';
        }},
        {name: 'called', format: count},
        {name: 'attending', format: count},
        {name: 'suspended', format: count},
        {name: 'finished', format: count},
        {name: 'cancelled', format: count},
        {name: 'no_show', format: count},
        {name: 'total', format: count},
        {name: 'tme', format: duration},
        {name: 'tma', format: duration},
    ];
    var DESK_COLUMNS = [
        {name: 'desk', link: false},
        {name: 'status_name', link: false},
        {name: 'agents', format: count},
        {name: 'ticket', text: true, format: function(value) {
            return value || '—';
        }},
        {name: 'finished', format: count},
        {name: 'tma', format: duration},
    ];

    // Rendering ------------------------------------------------------------

    function fillRow(tr, row, columns, href) {
        columns.forEach(function(column, index) {
            var td = tr.children[index];
            if (!td) {
                td = document.createElement(index ? 'td' : 'th');
                if (!index) {
                    td.scope = 'row';
                }
                td.dataset.field = column.name;
                if (column.link !== false) {
                    td.className = column.text ? '' : 'number';
                    var a = document.createElement('a');
                    a.href = href;
                    a.target = '_blank';
                    a.rel = 'noopener';
                    td.appendChild(a);
                }
                tr.appendChild(td);
            }
            var text = column.format ? column.format(row[column.name], row) :
                row[column.name];
            var target = td.firstElementChild || td;
            if (target.textContent !== text) {
                target.textContent = text;
            }
        });
    }

    function fillTable(tbody, rows, columns, href, classOf) {
        var seen = {};
        rows.forEach(function(row) {
            var key = String(row.id);
            seen[key] = true;
            var tr = tbody.querySelector('tr[data-id="' + key + '"]');
            if (!tr) {
                tr = document.createElement('tr');
                tr.dataset.id = key;
                tbody.appendChild(tr);
            }
            if (classOf) {
                tr.className = classOf(row);
            }
            fillRow(tr, row, columns, href);
        });
        Array.prototype.slice.call(tbody.children).forEach(function(tr) {
            if (!seen[tr.dataset.id]) {
                tbody.removeChild(tr);
            }
        });
    }

    function siteSection(site) {
        var section = $('sites').querySelector(
            'section[data-site="' + site.id + '"]');
        if (!section) {
            var template = $('site-template');
            section = template.content.firstElementChild.cloneNode(true);
            section.dataset.site = String(site.id);
            var title = section.querySelector('.site-name');
            title.id = 'site-' + site.id;
            section.setAttribute('aria-labelledby', title.id);
            $('sites').appendChild(section);
        }
        section.querySelector('.site-name').textContent = site.name;
        return section;
    }

    function render(data) {
        SeeWeb.setUser(data.user, state.database);
        var seen = {};
        var summary = [];
        data.sites.forEach(function(site) {
            seen[String(site.id)] = true;
            var section = siteSection(site);
            fillTable(section.querySelector('.services tbody'),
                site.services, SERVICE_COLUMNS, data.links.services, null);
            fillTable(section.querySelector('.desks tbody'), site.desks,
                DESK_COLUMNS, data.links.desks, function(row) {
                    return 'status-' + row.status;
                });
            var waiting = 0;
            site.services.forEach(function(row) {
                waiting += row.waiting || 0;
            });
            var busy = site.desks.filter(function(row) {
                return row.status === 'busy';
            }).length;
            var free = site.desks.filter(function(row) {
                return row.status === 'free';
            }).length;
            summary.push(site.name + ': ' + waiting + ' aguardando, ' +
                busy + ' guichê(s) ocupado(s), ' + free + ' livre(s).');
        });
        Array.prototype.slice.call($('sites').children).forEach(
            function(section) {
                if (!seen[section.dataset.site]) {
                    $('sites').removeChild(section);
                }
            });
        // Announced only when it changes, not at every refresh
        var text = summary.join(' ');
        if (text !== state.summary) {
            state.summary = text;
            $('summary').textContent = text;
        }
        show('no-sites', !data.sites.length);
        SeeWeb.markUpdated(data.time, 'Dados de');
        show('dashboard', true);
    }

    // Refresh --------------------------------------------------------------

    var live = SeeWeb.refresher({
        url: function() {
            return unitUrl(state.database) + '/data';
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
            pageUrl: unitUrl,
            message: showMessage,
            load: load,
            hide: hideDashboard,
        });
        if (state.database) {
            load();
        }
    }

    start();
}());
