/* This file is part of the Central de Atendimento SEE project.
   The COPYRIGHT file at the top level of this repository contains
   the full copyright notices and license terms. */
/* What the staff pages (escalation board, telephony panel, webchat
   console, desk console) share: finding the database, the Tryton login,
   the start of the page (SeeWeb.page), the header with the user and the
   logout (SeeWeb.setUser) and the JSON requests with the session cookie.
   Served from the same origin as the pages
   (/see_atendimento/static/web.js, its style web.css), so their security
   policies allow it; the page's own script comes after it and uses
   window.SeeWeb. */
(function() {
    'use strict';

    var SESSION = 'sao_session_';

    function $(id) {
        return document.getElementById(id);
    }

    function show(id, visible) {
        $(id).hidden = !visible;
    }

    function databaseUrl(database, path) {
        return '/' + encodeURIComponent(database) + path;
    }

    function databaseFromPath(pattern) {
        // pattern matches the page's path, the database in its 2nd group
        var match = pattern.exec(window.location.pathname);
        return match ? decodeURIComponent(match[2]) : null;
    }

    function saoDatabases() {
        // Databases where the web client of this browser has a session
        var result = [];
        for (var i = 0; i < window.localStorage.length; i++) {
            var key = window.localStorage.key(i);
            if (key.indexOf(SESSION) !== 0) {
                continue;
            }
            try {
                var session = JSON.parse(window.localStorage.getItem(key));
                if (session && session.user_id) {
                    result.push(key.substring(SESSION.length));
                }
            } catch (e) {
                // ignore a foreign value
            }
        }
        return result;
    }

    function chooseDatabase(pageUrl) {
        // Open the page of the only database with a session and return
        // null, else return those databases (maybe none)
        var databases = saoDatabases();
        if (databases.length === 1) {
            window.location.replace(pageUrl(databases[0]));
            return null;
        }
        return databases;
    }

    function readJSON(response) {
        // {status, json}; json is null when the body is not JSON
        return response.text().then(function(text) {
            var json = null;
            try {
                json = text ? JSON.parse(text) : null;
            } catch (e) {
                json = null;
            }
            return {status: response.status, json: json};
        });
    }

    function request(method, url, body) {
        var options = {
            method: method,
            credentials: 'same-origin',
            cache: 'no-store',
            headers: {
                'X-Requested-With': 'XMLHttpRequest',
                'Accept': 'application/json',
            },
        };
        if (body !== undefined) {
            options.headers['Content-Type'] = 'application/json';
            options.body = JSON.stringify(body);
        }
        return window.fetch(url, options).then(readJSON);
    }

    // Login ----------------------------------------------------------------

    function field(label, name, type, autocomplete, required) {
        var element = document.createElement('label');
        element.appendChild(document.createTextNode(label + ' '));
        var input = document.createElement('input');
        input.id = 'login-' + name;
        input.name = name;
        if (type) {
            input.type = type;
        }
        input.setAttribute('autocomplete', autocomplete);
        input.required = required;
        element.appendChild(input);
        return element;
    }

    function buildLogin(section) {
        // The same form on every page, as sao's own login
        var title = document.createElement('h2');
        title.textContent = 'Entrar';
        var help = document.createElement('p');
        help.textContent = 'Use o mesmo usuário e senha do Tryton.';
        var form = document.createElement('form');
        form.id = 'login-form';
        var database = field('Base de dados', 'database', null, 'off', false);
        database.id = 'login-database-label';
        form.appendChild(database);
        form.appendChild(field('Usuário', 'user', null, 'username', true));
        form.appendChild(field('Senha', 'password', 'password',
            'current-password', true));
        var submit = document.createElement('button');
        submit.type = 'submit';
        submit.id = 'login-submit';
        submit.textContent = 'Entrar';
        form.appendChild(submit);
        section.textContent = '';
        section.appendChild(title);
        section.appendChild(help);
        section.appendChild(form);
    }

    function showLogin(database) {
        // Ask for the database only when the page's address has none
        show('login', true);
        show('login-database-label', !database);
        $('login-database').required = !database;
        if (database) {
            $('login-database').value = database;
        }
        (database ? $('login-user') : $('login-database')).focus();
    }

    function loginError(status) {
        if (status === 429) {
            return 'Muitas tentativas. Tente novamente mais tarde.';
        }
        if (status === 404) {
            return 'Base de dados não encontrada.';
        }
        return 'Usuário ou senha incorretos.';
    }

    function login(options) {
        /* Fill the page's <section id="login"> with the form and log in
           through /<database>/session/login as sao does, which sets the
           session cookie.  options: database, the page's (or null),
           pageUrl(database) the page of another one, message(text) shows
           an error, done() once logged in on the page's database. */
        buildLogin($('login'));
        $('login-form').addEventListener('submit', function(event) {
            event.preventDefault();
            var current = options.database;
            var database = current || $('login-database').value.trim();
            var user = $('login-user').value.trim();
            $('login-submit').disabled = true;
            request('POST', databaseUrl(database, '/session/login'), {
                id: 0,
                method: 'common.db.login',
                params: [user, {password: $('login-password').value}, 'pt'],
            }).then(function(response) {
                $('login-submit').disabled = false;
                $('login-password').value = '';
                var json = response.json;
                var answer = json && (Array.isArray(json) ?
                    json : json.result);
                if (response.status !== 200 || !answer) {
                    options.message(loginError(response.status));
                    return;
                }
                // Share the session with the web client, as sao does
                window.localStorage.setItem(SESSION + database,
                    JSON.stringify({
                        login: user,
                        user_id: answer[0],
                        bus_url_host: answer[1],
                    }));
                if (current !== database) {
                    window.location.assign(options.pageUrl(database));
                    return;
                }
                show('login', false);
                options.done();
            }, function() {
                $('login-submit').disabled = false;
                options.message('Não foi possível falar com o servidor.');
            });
        });
    }

    // Header ---------------------------------------------------------------

    function logout(database) {
        // Close the Tryton session of the cookie, and the web client's
        // copy of it in this browser, then show the login again
        var done = function() {
            window.localStorage.removeItem(SESSION + database);
            window.location.reload();
        };
        request('POST', databaseUrl(database, '/session/logout'), {})
            .then(done, done);
    }

    function setUser(name, database) {
        /* Show the user's name in the header's <span id="user"> and, after
           it, the button that logs out of database */
        var user = $('user');
        user.textContent = name || '';
        var button = $('logout');
        if (!button) {
            button = document.createElement('button');
            button.type = 'button';
            button.id = 'logout';
            button.className = 'logout';
            button.textContent = 'Sair';
            button.addEventListener('click', function() {
                logout(button.dataset.database);
            });
            user.parentNode.insertBefore(button, user.nextSibling);
        }
        button.dataset.database = database;
        button.hidden = !name;
    }

    // Start ----------------------------------------------------------------

    function page(options) {
        /* Start a staff page; return its database, whose data the page
           then loads, or null when the page waits for a login or a choice
           of database. options:
           - path: the regular expression of the page's path, the database
             in its 2nd group; pageUrl(database): the page of a database;
           - message(text): shows an error ('' hides it);
           - load(): shows the page's data once the login form logged in;
           - hide(): hides the page's own sections before the login form;
           - databases(list): optional, offers several databases where the
             web client has a session (else the login form asks for one). */
        var database = databaseFromPath(options.path);
        login({
            database: database,
            pageUrl: options.pageUrl,
            message: options.message,
            done: function() {
                options.message('');
                options.load();
            },
        });
        if (!database) {
            var databases = chooseDatabase(options.pageUrl);
            if (!databases) {
                return null;
            }
            if (databases.length > 1 && options.databases) {
                options.databases(databases.sort());
            } else {
                loginForm(options);
            }
            return null;
        }
        document.title = database + ' — ' + document.title;
        return database;
    }

    function loginForm(options) {
        // The page's sections give way to the login form
        if (options.hide) {
            options.hide();
        }
        if ($('logout')) {
            $('logout').hidden = true;
        }
        showLogin(databaseFromPath(options.path));
    }

    // Live data ------------------------------------------------------------

    function markUpdated(time, label) {
        /* #updated says when the data shown was read: time is the
           server's UTC time (ISO 8601 without zone), shown in local time */
        var updated = $('updated');
        updated.textContent = (label || 'Atualizado às') + ' ' +
            new Date(time + 'Z').toLocaleTimeString('pt-BR');
        updated.dataset.time = time;
        updated.classList.remove('stale');
    }

    function refresher(options) {
        /* Load the JSON of options.url() now and every few seconds (the
           answer's refresh, else options.seconds, else 3): render(json) on
           success; login() on 401; the server's message and no more
           loads on 403; a retry, with #updated marked stale and a message,
           on any other failure. Returns {load: ..., stop: ...}. */
        var timer = null;
        var seconds = options.seconds || 3;

        function stop() {
            if (timer) {
                window.clearTimeout(timer);
                timer = null;
            }
        }

        function retry(text) {
            if ($('updated')) {
                $('updated').classList.add('stale');
            }
            options.message(text);
            schedule();
        }

        function schedule() {
            stop();
            timer = window.setTimeout(load, seconds * 1000);
        }

        function load() {
            request('GET', options.url()).then(function(response) {
                if (response.status === 401) {
                    stop();
                    options.login();
                    return;
                }
                if (response.status === 403) {
                    stop();
                    options.message((response.json && response.json.error &&
                            response.json.error.message) ||
                        'Acesso negado.');
                    return;
                }
                if (response.status !== 200 || !response.json) {
                    retry('Erro ao falar com o servidor (' +
                        response.status + '); nova tentativa em instantes.');
                    return;
                }
                options.message('');
                seconds = response.json.refresh || seconds;
                options.render(response.json);
                schedule();
            }, function() {
                retry('Sem conexão com o servidor; nova tentativa em ' +
                    'instantes.');
            });
        }

        return {load: load, stop: stop};
    }

    window.SeeWeb = {
        page: page,
        refresher: refresher,
        markUpdated: markUpdated,
        loginForm: loginForm,
        setUser: setUser,
        logout: logout,
        $: $,
        show: show,
        databaseUrl: databaseUrl,
        databaseFromPath: databaseFromPath,
        chooseDatabase: chooseDatabase,
        readJSON: readJSON,
        request: request,
        login: login,
        showLogin: showLogin,
    };
}());
