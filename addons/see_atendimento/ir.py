# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt

from trytond import config
from trytond.cache import Cache
from trytond.pool import PoolMeta
from trytond.transaction import Transaction


def _is_see_model(model_name):
    "Tell whether the record rules of model_name may depend on the user"
    return model_name.startswith('see.') or model_name == 'res.user'


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        # Record rules of the attendance models and of the users depend on
        # who asks
        if _is_see_model(model_name):
            context['user_id'] = Transaction().user
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if any(_is_see_model(m) for m in model_names):
            key = (*key, Transaction().user)
        return key


class Session(metaclass=PoolMeta):
    __name__ = 'ir.session'
    # Every request of a client checks its session: a search and a read of
    # ir.session, a tenth of the server's time in an attendance. A valid
    # session is remembered until its max age or until any session is
    # deleted (logout, expiry, a user's password or active changed), which
    # clears the cache of every process as Tryton clears the access rights.
    _valid_cache = Cache(
        'ir_session.valid', context=False, duration=dt.timedelta(minutes=5))

    @classmethod
    def check(cls, user, key, domain=None):
        if domain:
            return super().check(user, key, domain=domain)
        ip_address, _ = Transaction().remote_address()
        cache_key = (user, key, str(ip_address) if ip_address else None)
        created = cls._valid_cache.get(cache_key)
        now = dt.datetime.now()
        max_age = dt.timedelta(seconds=config.getint('session', 'max_age'))
        if created is not None and abs(created - now) < max_age:
            return True
        find = super().check(user, key)
        if find:
            # Unless a logout deleted it meanwhile
            for session in cls.search([
                        ('create_uid', '=', user),
                        ('key', '=', key),
                        ], limit=1):
                cls._valid_cache.set(cache_key, session.create_date)
        return find

    @classmethod
    def on_modification(cls, mode, sessions, field_names=None):
        super().on_modification(mode, sessions, field_names=field_names)
        # check deletes the expired sessions, often none
        if mode == 'delete' and sessions:
            cls._valid_cache.clear()


class ModuleConfigWizardItem(metaclass=PoolMeta):
    __name__ = 'ir.module.config_wizard.item'

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        if module != 'see_atendimento':
            return
        # The product is configured through its own menus: the first login
        # of the administrator opens the menu, not Tryton's wizard of
        # module configuration (users and languages), left open by the
        # modules activated before this one
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.state], ['done'], where=table.state == 'open'))
