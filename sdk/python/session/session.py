"""A scripted client session through the generated Python SDK (gatehouse_client).

Run by run.sh with Debian's /usr/bin/python3 and the client from `make sdk LANG=python`
on PYTHONPATH. Prints one line per step; exits 1 on the first unexpected result.
Settings: GATEHOUSE_URL, GATEHOUSE_ADMIN_USERNAME, GATEHOUSE_ADMIN_PASSWORD.
"""

import base64
import hashlib
import hmac
import json
import os
import platform
import secrets
import struct
import sys
import time
from urllib.parse import parse_qs, unquote, urlsplit

import dateutil
import gatehouse_client
import pydantic
import urllib3
from gatehouse_client import (
    ApiClient,
    ApiException,
    AuthApi,
    Configuration,
    MfaLoginRequest,
    MfaLoginWithCode,
    MfaRequiredProblem,
    PasswordChange,
    Problem,
    RefreshRequest,
    SystemApi,
    TokenRequest,
    TotpConfirm,
    User,
    UserAdminUpdate,
    UserCreate,
    UsersApi,
    UserSelfUpdate,
)

NAME = "Zoë Ångström"


class Unexpected(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Unexpected(message)


def say(step, detail):
    print(f"{step:<16} {detail}", flush=True)


def role_names(user):
    # Roles are the Role enum today; the spec is moving them to plain strings in
    # responses, so read either.
    return [getattr(role, "value", role) for role in user.roles]


def expect_error(status, call):
    """Calls `call`, which must fail with `status`; returns the ApiException."""
    try:
        call()
    except ApiException as error:
        check(error.status == status, f"expected {status}, got {error.status}: {error.body}")
        return error
    raise Unexpected(f"expected {status}, the call succeeded")


def totp(secret, at):
    """The RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret at Unix time `at`, as an app shows it."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def claims(access_token):
    """The claims of a JWT, read without checking it (the server did)."""
    payload = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def problem_of(error):
    """The typed Problem of a failed call: the SDK keeps the body as text on the exception."""
    content_type = error.headers.get("Content-Type", "")
    check(content_type.startswith("application/problem+json"), f"content type {content_type!r}")
    return Problem.from_json(error.body)


def main():
    url = os.environ["GATEHOUSE_URL"]
    admin_username = os.environ["GATEHOUSE_ADMIN_USERNAME"]
    admin_password = os.environ["GATEHOUSE_ADMIN_PASSWORD"]

    client = ApiClient(Configuration(host=url))
    client.user_agent = f"gatehouse-session/{gatehouse_client.__version__} (python)"
    users, auth = UsersApi(client), AuthApi(client)

    def bearer(token):
        client.configuration.access_token = token

    runtime = (
        f"python {platform.python_version()}, pydantic {pydantic.VERSION}, "
        f"urllib3 {urllib3.__version__}, dateutil {dateutil.__version__}"
    )
    say("client", f"gatehouse_client {gatehouse_client.__version__} -> {url} ({runtime})")

    # Operations that answer YAML and HTML come back as text, not parsed as JSON.
    system = SystemApi(client)
    yaml, docs = system.get_open_api_yaml(), system.get_docs()
    check(yaml.startswith("openapi: "), f"openapi.yaml {yaml[:40]!r}")
    check(docs.lstrip().lower().startswith("<!doctype html"), f"docs {docs[:40]!r}")
    say("spec and docs", f"200 /openapi.yaml {len(yaml)} chars of YAML, /docs {len(docs)} of HTML")

    # Sign-up.
    username = f"py_{secrets.token_hex(5)}"
    email = f"{username}@example.com"
    password = secrets.token_urlsafe(18)
    created = users.create_user(UserCreate(username=username, email=email, password=password))
    check(isinstance(created, User) and created.username == username, f"created {created}")
    check(role_names(created) == ["user"], f"roles {created.roles}")
    say("sign-up", f"201 id={created.id} username={created.username} roles={role_names(created)}")

    # The same sign-up again: a 409, read as a typed Problem.
    error = expect_error(
        409,
        lambda: users.create_user(UserCreate(username=username, email=email, password=password)),
    )
    problem = problem_of(error)
    check(
        problem.status == 409 and problem.request_id == error.headers.get("X-Request-Id"),
        f"problem {problem}",
    )
    say(
        "problem",
        f"{problem.status} type={problem.type} title={problem.title!r} "
        f"request_id={problem.request_id}",
    )

    # Login.
    tokens = auth.create_token(TokenRequest(username=username, password=password))
    check(
        tokens.token_type == "Bearer" and tokens.expires_in > 0,
        f"tokens {tokens.token_type} {tokens.expires_in}",
    )
    bearer(tokens.access_token)
    say("login", f"200 token_type={tokens.token_type} expires_in={tokens.expires_in}")

    # Me, with its ETag.
    answer = users.get_me_with_http_info()
    me, etag = answer.data, answer.headers.get("ETag")
    check(me.id == created.id and me.full_name is None and etag, f"me {me} etag {etag}")
    say("me", f"{answer.status_code} username={me.username} full_name={me.full_name} etag={etag}")

    # A field the server may add later is no reason to fail.
    later = User.from_dict({**json.loads(answer.raw_data), "added_later": {"x": 1}})
    check(later.id == me.id, f"user {later}")
    say("unknown field", "a User with a field the spec does not name still reads")

    # A role added after this client was generated reads as a value of its own, kept as sent.
    grown = User.from_dict({**json.loads(answer.raw_data), "roles": ["user", "auditor"]})
    check([role.value for role in grown.roles] == ["user", "auditor"], f"roles {grown.roles}")
    check(grown.to_dict()["roles"] == ["user", "auditor"], f"roles out {grown.to_dict()['roles']}")
    say("unknown role", f"a User with roles {[role.value for role in grown.roles]} reads, and writes them back")

    # Conditional GET: the SDK raises ApiException for every status outside 2xx, 304
    # included, so "not modified" is an exception with status 304 and an empty body.
    error = expect_error(304, lambda: users.get_me(if_none_match=etag))
    check(not error.body and error.headers.get("ETag") == etag, f"304 body {error.body!r}")
    say(
        "me if-none-match",
        f"304 not modified (ApiException.status=304, empty body, ETag={error.headers.get('ETag')})",
    )

    # Patch me: a non-ASCII name, then clear it with an explicit null.
    me = users.update_me(UserSelfUpdate(full_name=NAME))
    check(me.full_name == NAME, f"full_name {me.full_name!r}")
    say("patch me", f"200 full_name={me.full_name}")
    # The generated to_dict() drops None, except for a nullable field that was set
    # explicitly (it is in the model's __fields_set__): that one goes out as null.
    clear = UserSelfUpdate(full_name=None)
    check(clear.to_json() == '{"full_name": null}', f"body {clear.to_json()}")
    me = users.update_me(clear)
    check(me.full_name is None, f"full_name {me.full_name!r}")
    say("patch me", f"200 sent {clear.to_json()} -> full_name={me.full_name}")
    check(
        users.get_me_with_http_info().headers.get("ETag") != etag, "ETag unchanged after a change"
    )

    # Change password (needs the current one); the new one logs in.
    new_password = secrets.token_urlsafe(18)
    users.change_password(PasswordChange(current_password=password, new_password=new_password))
    say("password", "204 changed")
    tokens = auth.create_token(TokenRequest(username=username, password=new_password))
    bearer(tokens.access_token)
    expect_error(401, lambda: auth.create_token(TokenRequest(username=username, password=password)))
    say("login", "200 with the new password; 401 with the old one")

    # My sessions.
    sessions = users.list_my_sessions().items
    current = [session for session in sessions if session.current]
    check(len(current) == 1, f"sessions {sessions}")
    say("sessions", f"200 {len(sessions)} live, current={current[0].id}")

    # Refresh: a new pair.
    refreshed = auth.refresh_token(RefreshRequest(refresh_token=tokens.refresh_token))
    check(refreshed.refresh_token != tokens.refresh_token, "refresh token not rotated")
    bearer(refreshed.access_token)
    say("refresh", f"200 rotated, expires_in={refreshed.expires_in}")

    # Logout; the session's refresh token then fails.
    auth.logout()
    say("logout", "204")
    bearer(None)
    error = expect_error(
        401, lambda: auth.refresh_token(RefreshRequest(refresh_token=refreshed.refresh_token))
    )
    say("refresh", f"401 after logout: {problem_of(error).title}")

    # A second user, so that the users span at least two pages of two.
    other_password = secrets.token_urlsafe(18)
    other = users.create_user(
        UserCreate(username=f"{username}_2", email=f"{username}_2@example.com", password=other_password)
    )
    say("sign-up", f"201 id={other.id} username={other.username}")

    # An admin pages through the users, two at a time, to the end.
    admin = auth.create_token(TokenRequest(username=admin_username, password=admin_password))
    bearer(admin.access_token)
    say("admin login", "200")
    seen, pages, cursor = [], 0, None
    while True:
        page = users.list_users(limit=2, cursor=cursor)
        pages += 1
        check(len(page.items) <= 2, f"page of {len(page.items)}")
        seen.extend(user.id for user in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
        check(pages < 10000, "next_cursor never ends")
    check(
        len(seen) == len(set(seen)) and {created.id, other.id} <= set(seen),
        f"{len(seen)} users, {len(set(seen))} distinct",
    )
    check(pages >= 2, f"{len(seen)} users in one page of 2")
    say("admin list", f"200 {len(seen)} users in {pages} pages of 2, next_cursor followed to null")

    # updateUser without roles: the body leaves roles out rather than sending [].
    update = UserAdminUpdate(full_name=NAME)
    check("roles" not in update.to_dict(), f"body {update.to_json()}")
    updated = users.update_user(created.id, update)
    check(updated.full_name == NAME and role_names(updated) == ["user"], f"updated {updated}")
    say("admin update", f"200 sent {update.to_json()} -> roles={role_names(updated)}")

    # MFA: the second user enrols an authenticator with the otpauth URI, then logs in through the MFA step.
    login = TokenRequest(username=other.username, password=other_password)
    bearer(auth.create_token(login).access_token)
    enrolment = users.start_totp_enrolment()
    uri = urlsplit(enrolment.otpauth_uri)
    query = {key: values[0] for key, values in parse_qs(uri.query).items()}
    check(uri.scheme == "otpauth" and uri.netloc == "totp", f"uri {enrolment.otpauth_uri}")
    check(unquote(uri.path) == f"/Gatehouse:{other.username}" and query["issuer"] == "Gatehouse", f"label {uri.path}")
    say("mfa enrol", f"201 {uri.scheme}://{uri.netloc}{unquote(uri.path)} digits={query['digits']} period={query['period']}")
    recovery = users.confirm_totp_enrolment(TotpConfirm(code=totp(query["secret"], time.time())))
    check(len(recovery.recovery_codes) == 10, f"recovery codes {recovery.recovery_codes}")
    say("mfa confirm", f"200 TOTP on, {len(recovery.recovery_codes)} recovery codes")

    bearer(None)
    error = expect_error(403, lambda: auth.create_token(login))
    challenge = MfaRequiredProblem.from_json(error.body)
    methods = [getattr(method, "value", method) for method in challenge.mfa_methods]
    check(challenge.type.endswith("/mfa-required") and "totp" in methods, f"challenge {challenge}")
    say("login", f"403 {challenge.type} mfa_methods={methods}")
    # The next step's code: the one just used to confirm is spent, and one step ahead is accepted.
    step = MfaLoginWithCode(mfa_token=challenge.mfa_token, code=totp(query["secret"], time.time() + 30))
    tokens = auth.complete_mfa_login(MfaLoginRequest(step))
    amr = claims(tokens.access_token)["amr"]
    check(amr == ["pwd", "otp"], f"amr {amr}")
    say("mfa login", f"200 token_type={tokens.token_type}, access token amr={amr}")

    say("done", "every step answered as expected")


if __name__ == "__main__":
    try:
        main()
    except Unexpected as failure:
        say("FAIL", str(failure))
        sys.exit(1)
    except ApiException as error:
        say("FAIL", f"unexpected {error.status} {error.reason}: {error.body}")
        sys.exit(1)
