"""Ask for the source's password when an action needs it and none is at hand.

A sync, a verify, listing the tables or the Connection screen's check would fail in
the source's connect ("no password for Oracle user ...") when neither the session, the
config file nor the password variable has one. Instead the app asks in a dialog and
then runs the action; the password stays in memory unless the user ticks "save"
(and confirms writing it in plain text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from ...config import DEFAULT_PASSWORD_ENV, SourceConfig
from ...errors import ConfigError
from ...i18n import _
from ..screens.dialogs import ConfirmScreen, PasswordScreen

if TYPE_CHECKING:
    from ..app import TuiSyncApp


class PasswordController:
    def __init__(self, app: TuiSyncApp) -> None:
        self.app = app
        self.session = app.session
        self.asking = False

    @staticmethod
    def missing(source: SourceConfig) -> bool:
        return source.needs_password and not source.resolve_password()

    def ensure(self, then: Callable[[], object], source: SourceConfig | None = None, *,
               why: str = "This", on_cancel: Callable[[], object] | None = None) -> bool:
        """True when the password is at hand (go on); else ask, and run `then` once answered
        (`on_cancel` when the user closes the dialog without one)."""
        source = source or self.session.config.source
        if not self.missing(source):
            return True
        if self.asking:
            return False  # one dialog at a time; its answer runs the first action asked for
        self.asking = True

        def answered(answer: tuple[str, bool] | None) -> None:
            self.asking = False
            if answer is None:
                if on_cancel is not None:
                    on_cancel()
                else:
                    self.app.notify(_("No password: nothing was started."), title=_("Password"),
                                    severity="warning")
                return
            password, save = answer
            self.use(password)
            if save:
                self._save(password, then)  # the warning first, then the action
            else:
                then()

        env = source.password_env or DEFAULT_PASSWORD_ENV
        self.app.push_screen(PasswordScreen(source.user, source.dsn, env, why), answered)
        return False

    def ready(self, tables: list[str], then: Callable[[], object], why: str) -> bool:
        """For a sync or verify of `tables`: False while the password dialog is asked instead.
        (Without a config or tables the action itself says what is wrong.)"""
        return not (self.session.config_ok and tables) or self.ensure(then, why=why)

    def use(self, password: str) -> None:
        """The password for this session; the Connection screen's field shows it too."""
        self.app.set_session_password(password)
        screen = self.app.mounted_screen("connection")
        setter = getattr(screen, "set_password_field", None)
        if setter is not None:
            setter(password)

    def _save(self, password: str, then: Callable[[], object]) -> None:
        """Write it into the config file, after the same warning the Connection screen gives.

        The config is not reloaded: the session already uses this password, and a reload
        would refill the Connection form over what the user is typing there.
        """
        path = self.session.config_path

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(password)
            then()

        self.app.push_screen(ConfirmScreen(
            _("Save the password in plain text?"),
            _("Anyone who can read {path} will see it. The safer way is the environment variable "
              "{env}, or typing it each session.").format(
                path=path, env=self.session.config.source.password_env or DEFAULT_PASSWORD_ENV),
            yes=_("Save it anyway"), no=_("Don't save it")), answered)

    def _write(self, password: str) -> None:
        from ...config.write import save_source

        session = self.session
        if not session.config_ok:
            self.app.show_error(_("Save password"), _("There is no config file to save it in yet: "
                                                      "save the Connection screen first."))
            return
        config = session.config
        target = config.target.catalog if config.target.kind == "ducklake" else config.target.path
        source = replace(config.source)
        source.password = password
        try:
            save_source(session.config_path, source, target, save_password=True)
        except ConfigError as exc:
            self.app.show_error(_("Save password"), str(exc))
            return
        session.saved_password(password)
        self.app.notify(_("Saved the password in {path}").format(path=session.config_path), title=_("Password"))


__all__ = ["PasswordController"]
