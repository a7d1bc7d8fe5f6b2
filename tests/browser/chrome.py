# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Headless Chromium from Debian driven by Selenium, for browser tests.

- `new_driver()`: a Chromium WebDriver on a fresh profile, with
  /usr/bin/chromium and /usr/bin/chromedriver (never a downloaded browser);
  set `CHROMIUM` or `CHROMEDRIVER` to use other paths.
- `BrowserTestCase`: a TestCase whose `self.driver` is one browser shared by
  the class; when a test fails it saves a screenshot and the page source to
  a temporary folder and prints their paths.
- `sao_login(driver, server, role)`: log in to the web client served by a
  `tests.server.TrytonServer` as the user of role.
"""
import os
import shutil
import sys
import tempfile
import unittest

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver')
TIMEOUT = 30


def available():
    "Why the browser cannot run, or None"
    for path in [CHROMIUM, CHROMEDRIVER]:
        if not os.access(path, os.X_OK):
            return f"{path} is missing: run scripts/install_browser_deps.sh"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -e '.[test]'"


def new_driver(profile, arguments=()):
    """A headless Chromium on profile; arguments are added to the usual
    ones (the video room's fake camera and microphone, say)"""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ['--headless=new', '--no-sandbox', '--disable-gpu',
            '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update',
            '--disable-sync', '--disable-dev-shm-usage',
            '--window-size=1400,900', '--lang=pt-BR',
            f'--user-data-dir={profile}', *arguments]:
        options.add_argument(argument)
    options.add_experimental_option('prefs', {
            'intl.accept_languages': 'pt-BR,pt',
            })
    driver = webdriver.Chrome(
        service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(TIMEOUT)
    return driver


class BrowserTestCase(unittest.TestCase):
    "One headless Chromium per class, as `self.driver`"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reason = available()
        if reason:
            raise RuntimeError(reason)
        cls._profile = tempfile.mkdtemp(prefix='see-chromium-')
        cls.driver = new_driver(cls._profile)
        cls.addClassCleanup(cls._quit)

    @classmethod
    def _quit(cls):
        cls.driver.quit()
        shutil.rmtree(cls._profile, ignore_errors=True)

    def _outcome_failed(self):
        outcome = getattr(self, '_outcome', None)
        if outcome is None:
            return False
        # outcome.success is reset while cleanups run: look at the result
        result = getattr(outcome, 'result', None)
        return any(test is self for test, _ in
            getattr(result, 'failures', []) + getattr(result, 'errors', []))

    def setUp(self):
        super().setUp()
        self.addCleanup(self._capture_on_failure)

    def _capture_on_failure(self):
        if not self._outcome_failed():
            return
        self.capture(self.id().rsplit('.', 1)[-1])

    def capture(self, name):
        "Save a screenshot and the page source; return their paths"
        folder = tempfile.mkdtemp(prefix='see-browser-')
        png = os.path.join(folder, f'{name}.png')
        html = os.path.join(folder, f'{name}.html')
        try:
            self.driver.save_screenshot(png)
            with open(html, 'w') as file:
                file.write(self.driver.page_source)
        except Exception as e:  # the browser may be gone
            print(f"could not capture {name}: {e}", file=sys.stderr)
            return None
        print(f"\nscreenshot of {name}: {png}\npage source: {html}",
            file=sys.stderr)
        return png, html



AXE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
    'node_modules', 'axe-core', 'axe.min.js')


class CitizenPageTestCase(BrowserTestCase):
    """A BrowserTestCase for the citizens' pages: waits on conditions and
    the accessibility check (axe-core) every such page passes"""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(AXE) as file:
            cls.axe = file.read()

    def wait(self, condition, timeout=TIMEOUT):
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(self.driver, timeout).until(condition)

    def visible(self, css):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        return self.wait(
            EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def text_in(self, css, text):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        return self.wait(EC.text_to_be_present_in_element(
                (By.CSS_SELECTOR, css), text))

    def assertAccessible(self):
        "No serious or critical violation found by axe-core"
        self.driver.execute_script(self.axe)
        violations = self.driver.execute_async_script(
            'const done = arguments[arguments.length - 1];'
            'axe.run(document).then(r => done(r.violations.map(v => ({'
            'id: v.id, impact: v.impact, help: v.help,'
            'nodes: v.nodes.map(n => n.target.join(" "))}))))'
            '.catch(e => done([{id: "axe", impact: "critical",'
            'help: String(e), nodes: []}]));')
        serious = [v for v in violations
            if v['impact'] in {'serious', 'critical'}]
        self.assertEqual(serious, [])

def sao_login(driver, server, role):
    "Log in to the web client as the user of role and wait for its menu"
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    user = server.users[role]
    wait = WebDriverWait(driver, TIMEOUT)
    driver.get(f'{server.url}#{server.database}')
    # sao keeps the session of an earlier test of the class in the
    # browser's storage and would open it instead of the login form
    driver.execute_script(
        'window.localStorage.clear(); window.sessionStorage.clear();')
    driver.refresh()
    login = wait.until(EC.visibility_of_element_located((By.ID, 'login')))
    # With [database] list = False the database is typed
    for database in driver.find_elements(By.CSS_SELECTOR, 'input#database'):
        if database.is_displayed():
            database.clear()
            database.send_keys(server.database)
    login.clear()
    login.send_keys(user.login, Keys.ENTER)
    password = wait.until(EC.visibility_of_element_located(
            (By.CSS_SELECTOR, '.modal input[type="password"]')))
    password.send_keys(user.password, Keys.ENTER)
    # The menu is filled once the session is open
    wait.until(EC.visibility_of_element_located(
            (By.CSS_SELECTOR, '#menu .column-char')))
