"""``ecocity users``: accounts from the command line (the first administrator, a reset password,
failed sign-ins forgotten), acting as an audited system administrator (see docs/design-notes.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ecocity.core.access import ROLES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="accounts: add, list, set-password, unlock, unlock-address, disable")
    p.add_argument("--database-url", metavar="URL",
                   help="SQLAlchemy URL (default: ECOCITY_DATABASE_URL, else var/ecocity.sqlite3)")
    usub = p.add_subparsers(dest="users_command", required=True, parser_class=type(p))

    add = usub.add_parser("add", help="create an account")
    add.add_argument("name", help="user name (lower-case letters, digits, . _ @ -)")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--estate", action="append", default=[], metavar="CODE",
                     help="an estate the officer is responsible for (repeat for several)")
    add.add_argument("--area", action="append", default=[], metavar="CODE",
                     help="an area the reviewer reviews (repeat for several; * for every area)")
    add.add_argument("--email", help="e-mail, for signing in with the organisation account (OIDC)")
    add.add_argument("--display-name", default="", metavar="NAME", help="the name shown in the app")
    pw = add.add_mutually_exclusive_group()
    pw.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    pw.add_argument("--no-password", action="store_true",
                    help="no password: the account signs in with the organisation account only")
    add.set_defaults(func=cmd_add)

    ls = usub.add_parser("list", help="list the accounts")
    ls.set_defaults(func=cmd_list)

    sp = usub.add_parser("set-password", help="set a new password (also forgets the failed sign-ins)")
    sp.add_argument("name")
    sp.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    sp.set_defaults(func=cmd_set_password)

    for name, helptext in (("unlock", "forget the failed sign-ins under a name: its owner may sign in at once"),
                           ("disable", "stop an account from signing in (kept for the audit log)"),
                           ("enable", "let a disabled account sign in again")):
        c = usub.add_parser(name, help=helptext)
        c.add_argument("name")
        c.set_defaults(func=cmd_account_state, state_change=name)

    ua = usub.add_parser("unlock-address", help="forget the failed sign-ins from a client address")
    ua.add_argument("address", help="the address as the audit log shows it (an IPv6 address counts as its /64)")
    ua.set_defaults(func=cmd_unlock_address)


# ----------------------------------------------------------------------------- helpers


def _operator() -> Any:
    """``access.system(<login name>)``: audited as 'cli:<login name>'."""
    import getpass

    from ecocity.core.access import system

    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        who = ""
    return system(who)


def _read_password(args: argparse.Namespace, name: str) -> str:
    """The new password from stdin or typed twice; the policy is checked here so that a
    weak one is refused before anything else happens."""
    from ecocity.cli.common import UsageError
    from ecocity.store.users import UserError, check_password

    if args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password.removesuffix("\r")
    else:
        import getpass

        try:
            password = getpass.getpass(f"password for {name}: ")
            again = getpass.getpass("again: ")
        except (EOFError, KeyboardInterrupt):
            raise UsageError("no password given; nothing was changed") from None
        if password != again:
            raise UsageError("the two passwords differ; nothing was changed")
    if not password:
        raise UsageError("no password given; nothing was changed")
    try:
        check_password(password, name)
    except UserError as e:
        raise UsageError(f"{e.message('en')} Nothing was changed.") from None
    return password


def _run(args: argparse.Namespace, fn: Any) -> int:
    """``fn(engine)`` on the migrated database; account, access and database problems
    become one line on stderr (exit status 2)."""
    from ecocity.cli.common import with_engine

    return with_engine(args.database_url, fn, migrate=True)


def _when(at: Any) -> str:
    from ecocity.store.users import thai_minute

    return thai_minute(at, "-")


# ----------------------------------------------------------------------------- commands


def cmd_add(args: argparse.Namespace) -> int:
    from ecocity.cli.common import UsageError
    from ecocity.store.users import UserError, check_username, create_user

    try:
        name = check_username(args.name)
    except UserError as e:
        raise UsageError(e.message("en")) from None
    password = None if args.no_password else _read_password(args, name)

    def run(engine: Any) -> int:
        info = create_user(engine, _operator(), name, role=args.role, display_name=args.display_name,
                           email=args.email, estates=args.estate, password=password, areas=args.area)
        how = "password" if info.has_password else "organisation account only"
        estates = f", estates {', '.join(info.estates)}" if info.estates else ""
        print(f"added {info.username} ({info.role}{estates}; signs in with: {how})")
        return 0

    return _run(args, run)


def cmd_list(args: argparse.Namespace) -> int:
    from ecocity.store.db import session_scope
    from ecocity.store.users import list_users

    def run(engine: Any) -> int:
        with session_scope(engine) as s:
            rows = list_users(s)
        if not rows:
            print("no accounts yet (add one with `ecocity users add NAME --role admin`)")
            return 0
        # failed: failed sign-ins under the name in the last hour; wait: seconds before the
        # next one is checked
        print(f"{'user':<20} {'role':<8} {'active':<6} {'failed':<6} {'wait':<6} {'last sign-in':<16} estates")
        for u in rows:
            wait = u.wait_seconds()
            print(f"{u.username:<20} {u.role:<8} {'yes' if u.is_active else 'no':<6} {u.failures or '-':<6} "
                  f"{f'{wait}s' if wait else '-':<6} {_when(u.last_sign_in_at):<16} {', '.join(u.estates) or '-'}")
        return 0

    return _run(args, run)


def cmd_set_password(args: argparse.Namespace) -> int:
    from ecocity.store.db import session_scope
    from ecocity.store.users import UserError, normalise_username, set_password, user_id_of

    name = normalise_username(args.name)

    def run(engine: Any) -> int:
        with session_scope(engine) as s:  # refuse an unknown account before asking for a password
            if user_id_of(s, name) is None:
                raise UserError("auth.user.unknown", name=name)
        set_password(engine, _operator(), name, _read_password(args, name))
        print(f"password of {name} changed")
        return 0

    return _run(args, run)


def cmd_account_state(args: argparse.Namespace) -> int:
    """``unlock``, ``disable`` or ``enable`` (``args.state_change``) one account."""
    from ecocity.store.users import unlock_user, update_user

    change = {"unlock": (lambda e, by, n: unlock_user(e, by, n), "unlocked"),
              "disable": (lambda e, by, n: update_user(e, by, n, active=False), "disabled"),
              "enable": (lambda e, by, n: update_user(e, by, n, active=True), "enabled")}
    call, done = change[args.state_change]

    def run(engine: Any) -> int:
        info = call(engine, _operator(), args.name)
        print(f"{info.username} {done}")
        return 0

    return _run(args, run)


def cmd_unlock_address(args: argparse.Namespace) -> int:
    from ecocity.store.users import clear_throttle, client_key

    def run(engine: Any) -> int:
        failures = clear_throttle(engine, _operator(), client=args.address)
        key = client_key(args.address) or ""
        print(f"{key.split(':', 1)[-1]}: {failures} failed sign-in{'' if failures == 1 else 's'} forgotten")
        return 0

    return _run(args, run)
