import jwt from 'jsonwebtoken';
import request, { type Response } from 'supertest';
import { UNIT_OF_WORK } from '../../src/container.tokens';
import type { UnitOfWork } from '../../src/core/unit-of-work';
import { startTestApp, type TestApp } from '../support/app';
import { handledSecrets, login, newAdmin, newUser, refresh, type LoggedIn } from '../support/auth';

let t: TestApp;
let admin: LoggedIn;
beforeAll(async () => {
  // No grace window, so presenting a rotated refresh token again is reuse at once.
  t = await startTestApp({ env: { REFRESH_GRACE_S: '0' } });
  admin = await newAdmin(t);
});
afterAll(() => t.close());

/** The one audit line of this event that the response's request wrote. */
function auditOf(res: Response, event: string): Record<string, unknown> {
  const requestId = res.headers['x-request-id'];
  const found = t.logs.entries.filter((e) => e.audit === event && e.request_id === requestId);
  expect(found).toHaveLength(1);
  const entry = found[0]!;
  const line = JSON.stringify(entry);
  expect([...handledSecrets].filter((secret) => line.includes(secret))).toEqual([]);
  expect(line).not.toMatch(/password"|token"/i);
  return entry;
}

const LOCAL_IP = expect.stringMatching(/127\.0\.0\.1|::1/);

describe('audit events', () => {
  it('login.succeeded and login.failed, for a known and an unknown user', async () => {
    const user = await newUser(t.app);
    const ok = await request(t.app)
      .post('/v1/auth/token')
      .send({ username: user.input.username, password: user.input.password });
    handledSecrets.add(ok.body.access_token).add(ok.body.refresh_token);
    expect(auditOf(ok, 'login.succeeded')).toMatchObject({
      level: 'info',
      message: 'audit login.succeeded',
      actor_id: user.user.id,
      subject_id: user.user.id,
      ip: LOCAL_IP,
      session_id: (jwt.decode(ok.body.access_token) as { sid: string }).sid,
    });

    const wrong = 'not-the-password-1';
    handledSecrets.add(wrong);
    const failed = await request(t.app).post('/v1/auth/token').send({ username: user.input.email, password: wrong });
    expect(auditOf(failed, 'login.failed')).toEqual(
      expect.objectContaining({ actor_id: null, subject_id: user.user.id, ip: LOCAL_IP }),
    );

    const typedName = 'secret-typed-in-the-wrong-field';
    const unknown = await request(t.app).post('/v1/auth/token').send({ username: typedName, password: wrong });
    const entry = auditOf(unknown, 'login.failed');
    expect(entry).toMatchObject({ actor_id: null, subject_id: null, ip: LOCAL_IP });
    expect(JSON.stringify(entry)).not.toContain(typedName);
  });

  it('refresh.reuse_detected, as a warning', async () => {
    const user = await newUser(t.app);
    await refresh(t.app, user.tokens.refresh_token).then((r) => expect(r.status).toBe(200));
    const reused = await refresh(t.app, user.tokens.refresh_token);
    expect(reused.status).toBe(401);
    expect(auditOf(reused, 'refresh.reuse_detected')).toMatchObject({
      level: 'warn',
      actor_id: null,
      subject_id: user.user.id,
      ip: LOCAL_IP,
      session_id: (jwt.decode(user.tokens.access_token) as { sid: string }).sid,
    });
  });

  it('session.revoked, by logout and by ending one session', async () => {
    const user = await newUser(t.app);
    const other = await login(t.app, user.input.username, user.input.password);
    const otherSid = (jwt.decode(other.access_token) as { sid: string }).sid;
    const ended = await request(t.app)
      .delete(`/v1/users/me/sessions/${otherSid}`)
      .set('authorization', user.bearer)
      .expect(204);
    expect(auditOf(ended, 'session.revoked')).toMatchObject({
      actor_id: user.user.id,
      subject_id: user.user.id,
      ip: LOCAL_IP,
      session_id: otherSid,
      reason: 'revoked_by_user',
    });

    const out = await request(t.app).post('/v1/auth/logout').set('authorization', user.bearer).expect(204);
    expect(auditOf(out, 'session.revoked')).toMatchObject({
      actor_id: user.user.id,
      subject_id: user.user.id,
      session_id: (jwt.decode(user.tokens.access_token) as { sid: string }).sid,
      reason: 'logout',
    });
  });

  it('password.changed', async () => {
    const user = await newUser(t.app);
    await login(t.app, user.input.username, user.input.password);
    const next = 'a brand new password 1';
    handledSecrets.add(next);
    const res = await request(t.app)
      .put('/v1/users/me/password')
      .set('authorization', user.bearer)
      .send({ current_password: user.input.password, new_password: next })
      .expect(204);
    expect(auditOf(res, 'password.changed')).toMatchObject({
      actor_id: user.user.id,
      subject_id: user.user.id,
      ip: LOCAL_IP,
      sessions_ended: 1,
    });
  });

  it('user.access_changed for roles or is_active, and not for other fields', async () => {
    const user = await newUser(t.app);
    const promoted = await request(t.app)
      .patch(`/v1/users/${user.user.id}`)
      .set('authorization', admin.bearer)
      .send({ roles: ['user', 'admin'] })
      .expect(200);
    expect(auditOf(promoted, 'user.access_changed')).toMatchObject({
      actor_id: admin.user.id,
      subject_id: user.user.id,
      ip: LOCAL_IP,
      fields: ['roles'],
      roles: ['user', 'admin'],
      is_active: true,
    });

    const deactivated = await request(t.app)
      .patch(`/v1/users/${user.user.id}`)
      .set('authorization', admin.bearer)
      .send({ is_active: false })
      .expect(200);
    expect(auditOf(deactivated, 'user.access_changed')).toMatchObject({ fields: ['is_active'], is_active: false });

    const renamed = await request(t.app)
      .patch(`/v1/users/${user.user.id}`)
      .set('authorization', admin.bearer)
      .send({ full_name: 'Renamed' })
      .expect(200);
    const id = renamed.headers['x-request-id'];
    expect(t.logs.entries.filter((e) => e.request_id === id && e.audit !== undefined)).toEqual([]);
  });

  it('no login.succeeded when the login does not stick (the final commit fails)', async () => {
    const user = await newUser(t.app);
    // The database drops the connection just as the request's work is written.
    const failing = await startTestApp({
      override: (container) => {
        const real = container.resolve<UnitOfWork>(UNIT_OF_WORK);
        const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' });
        container.register(UNIT_OF_WORK, { useValue: { ...bound(real), commit: () => Promise.reject(lost) } });
      },
    });
    try {
      const res = await request(failing.app)
        .post('/v1/auth/token')
        .send({ username: user.input.username, password: user.input.password })
        .expect(503);
      const id = res.headers['x-request-id'];
      // it failed at the commit, after the login itself succeeded
      expect(failing.logs.entries).toContainEqual(
        expect.objectContaining({ request_id: id, reason: 'Connection terminated unexpectedly' }),
      );
      expect(failing.logs.entries.filter((e) => e.request_id === id && e.audit !== undefined)).toEqual([]);
    } finally {
      await failing.close();
    }
  });

  it('user.deleted', async () => {
    const user = await newUser(t.app);
    const res = await request(t.app).delete(`/v1/users/${user.user.id}`).set('authorization', admin.bearer).expect(204);
    expect(auditOf(res, 'user.deleted')).toMatchObject({
      actor_id: admin.user.id,
      subject_id: user.user.id,
      ip: LOCAL_IP,
    });
  });
});

/** The unit of work's methods, bound, to build a variant from. */
function bound(uow: UnitOfWork): UnitOfWork {
  return {
    commit: () => uow.commit(),
    afterCommit: (then) => uow.afterCommit(then),
    run: (work) => uow.run(work),
    transaction: (work) => uow.transaction(work),
  };
}
