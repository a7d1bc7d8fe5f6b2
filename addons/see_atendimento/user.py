# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
from secrets import compare_digest

from sql.aggregate import Count

from trytond import config
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import WrongPasswordError

# The value the preferences show in place of the password (res.user)
_PASSWORD_PLACEHOLDER = 'x' * 10


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    see_units = fields.Many2Many(
        'see.unit-res.user', 'user', 'unit', "SEE-PE Units",
        help="The second level units this user answers for.")
    password_current = fields.Function(fields.Char(
            "Current Password", strip=False,
            help="The password you log in with: "
            "required to change your password."),
        'get_password_current')
    failed_logins = fields.Function(fields.Integer(
            "Failed Logins",
            help="Wrong passwords typed recently for this login; past "
            "the limit the login is refused until they expire or an "
            "administrator unlocks it."),
        'get_failed_logins')

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        if module != 'see_atendimento':
            return
        # Tryton names its administrator in English, and a user's name is
        # no translatable string: in Portuguese, as the rest of the screens
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.name], ["Administrador"],
                where=(table.login == 'admin')
                & (table.name == "Administrator")))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'unlock_login': {
                    'readonly': ~Eval('failed_logins', 0),
                    'depends': ['failed_logins'],
                    },
                })

    def get_password_current(self, name):
        return None

    @classmethod
    def get_failed_logins(cls, users, name):
        pool = Pool()
        LoginAttempt = pool.get('res.user.login.attempt')
        table = LoginAttempt.__table__()
        cursor = Transaction().connection.cursor()
        size = LoginAttempt.login.size
        result = {u.id: 0 for u in users}
        logins = {u.login[:size]: u.id for u in users}
        cursor.execute(*table.select(table.login, Count(table.id),
                where=table.login.in_(list(logins) or [None])
                & (table.create_date >= LoginAttempt.delay()),
                group_by=[table.login]))
        for login, count in cursor:
            result[logins[login]] = count
        return result

    @classmethod
    @ModelView.button
    def unlock_login(cls, users):
        "Forget the wrong passwords typed for the users' logins"
        pool = Pool()
        LoginAttempt = pool.get('res.user.login.attempt')
        table = LoginAttempt.__table__()
        cursor = Transaction().connection.cursor()
        logins = [u.login[:LoginAttempt.login.size] for u in users]
        if logins:
            cursor.execute(*table.delete(where=table.login.in_(logins)))

    @classmethod
    def set_preferences(cls, values):
        values = dict(values)
        current = values.pop('password_current', None)
        password = values.get('password')
        if password and password != _PASSWORD_PLACEHOLDER:
            cls.check_current_password(current)
        super().set_preferences(values)

    @classmethod
    def check_current_password(cls, password):
        """Check that password is the current password of the user of the
        transaction; a wrong one counts as a failed login"""
        pool = Pool()
        LoginAttempt = pool.get('res.user.login.attempt')
        transaction = Transaction()
        if not password:
            raise WrongPasswordError(gettext(
                    'see_atendimento.msg_password_current_required'))
        login = cls(transaction.user).login
        if LoginAttempt.count(login) > config.getint(
                'session', 'max_attempt', default=5):
            raise WrongPasswordError(gettext(
                    'see_atendimento.msg_password_current_locked'))
        user_id, password_hash, password_reset = cls._get_login(login)
        valid = False
        if user_id and password_hash:
            valid, _ = cls.check_password(password, password_hash)
        if not valid and user_id and password_reset:
            valid = compare_digest(password_reset, password)
        if not valid:
            # This transaction is rolled back with the error
            with transaction.new_transaction():
                LoginAttempt.add(login)
            raise WrongPasswordError(gettext(
                    'see_atendimento.msg_password_current_wrong'))
