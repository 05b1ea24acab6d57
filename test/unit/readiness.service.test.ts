import type { CircuitStateName } from '../../src/core/breaker';
import { createLogger } from '../../src/core/logging';
import { Lifecycle } from '../../src/core/lifecycle';
import {
  ReadinessService,
  type DatabaseHealth,
  type KeyHealth,
  type OptionalHealth,
} from '../../src/services/readiness.service';
import { KEY_MISMATCH } from '../../src/services/signing-key.service';
import { MemoryTransport } from '../support/app';

function setup(db: Partial<jest.Mocked<DatabaseHealth>>, redis?: OptionalHealth) {
  const logs = new MemoryTransport();
  const health: jest.Mocked<DatabaseHealth> = { ping: jest.fn(), pendingMigrations: jest.fn(), ...db };
  const lifecycle = new Lifecycle();
  const circuit: { state: CircuitStateName } = { state: 'closed' };
  const keys: jest.Mocked<KeyHealth> = { keyProblem: jest.fn(async () => null) };
  const service = new ReadinessService(health, createLogger('debug', [logs]), lifecycle, circuit, keys, redis);
  return { service, health, logs, lifecycle, circuit, keys };
}

describe('ReadinessService', () => {
  it('is ready when the database answers and nothing is pending', async () => {
    const { service } = setup({
      ping: jest.fn(async (_timeoutMs: number) => {}),
      pendingMigrations: jest.fn(async () => []),
    });
    expect(await service.check()).toEqual({
      ready: true,
      checks: {
        database: { status: 'ok' },
        migrations: { status: 'ok' },
        signing_keys: { status: 'ok' },
        circuit: { status: 'ok' },
        shutdown: { status: 'ok' },
      },
    });
  });

  it.each(['open', 'half_open'] as const)('is not ready while the database circuit is %s', async (state) => {
    const { service, circuit } = setup({
      ping: jest.fn(async (_timeoutMs: number) => {}),
      pendingMigrations: jest.fn(async () => []),
    });
    circuit.state = state;
    const result = await service.check();
    expect(result.ready).toBe(false);
    expect(result.checks.circuit).toEqual({
      status: 'failing',
      detail: 'database calls are paused after repeated failures until a probe succeeds',
    });
  });

  it('checks Redis only when it is configured, and is not ready while it does not answer', async () => {
    const db = { ping: jest.fn(async (_timeoutMs: number) => {}), pendingMigrations: jest.fn(async () => []) };
    const down: OptionalHealth = {
      configured: true,
      ping: async () => Promise.reject(new Error('ECONNREFUSED 10.0.0.5')),
    };
    const { service, logs } = setup(db, down);
    const result = await service.check();
    expect(result.ready).toBe(false);
    expect(result.checks.database).toEqual({ status: 'ok' });
    expect(result.checks.redis).toEqual({ status: 'failing', detail: expect.stringMatching(/^redis did not answer/) });
    expect(JSON.stringify(result)).not.toContain('10.0.0.5');
    expect(logs.lines.join('\n')).toContain('10.0.0.5');

    const up = setup(db, { configured: true, ping: async () => undefined });
    expect(await up.service.check()).toMatchObject({ ready: true, checks: { redis: { status: 'ok' } } });
  });

  it('is not ready once the process is shutting down, though everything else is fine', async () => {
    const { service, lifecycle } = setup({
      ping: jest.fn(async (_timeoutMs: number) => {}),
      pendingMigrations: jest.fn(async () => []),
    });
    lifecycle.beginShutdown();
    const result = await service.check();
    expect(result.ready).toBe(false);
    expect(result.checks.shutdown).toEqual({ status: 'failing', detail: 'the process is shutting down' });
  });

  it('is not ready while migrations are pending, and then does not read the keys', async () => {
    const { service, keys } = setup({
      ping: jest.fn(async (_timeoutMs: number) => {}),
      pendingMigrations: jest.fn(async () => ['Migration2']),
    });
    const result = await service.check();
    expect(result.ready).toBe(false);
    expect(result.checks.migrations.status).toBe('failing');
    expect(result.checks.signing_keys.status).toBe('failing');
    expect(keys.keyProblem).not.toHaveBeenCalled();
  });

  it('is not ready when MASTER_KEY cannot open the signing keys, and says so', async () => {
    const { service, keys, logs } = setup({
      ping: jest.fn(async (_timeoutMs: number) => {}),
      pendingMigrations: jest.fn(async () => []),
    });
    keys.keyProblem.mockResolvedValue(KEY_MISMATCH);
    const result = await service.check();
    expect(result.ready).toBe(false);
    expect(result.checks.signing_keys).toEqual({ status: 'failing', detail: KEY_MISMATCH });

    keys.keyProblem.mockRejectedValue(new Error('relation "signing_keys" does not exist'));
    const unread = await service.check();
    expect(unread.checks.signing_keys).toEqual({ status: 'failing', detail: 'the signing keys could not be read' });
    expect(logs.lines.join()).toContain('relation');
  });

  it('does not ask about migrations when the database is down, and logs why it failed', async () => {
    const { service, health, logs } = setup({
      ping: jest.fn(async (_timeoutMs: number) => {
        throw new Error('connect ECONNREFUSED 10.0.0.5:5432');
      }),
    });
    const result = await service.check();
    expect(result.ready).toBe(false);
    expect(result.checks.database).toEqual({ status: 'failing', detail: 'the database did not answer' });
    expect(health.pendingMigrations).not.toHaveBeenCalled();
    expect(JSON.stringify(result)).not.toContain('10.0.0.5');
    expect(logs.lines.join()).toContain('ECONNREFUSED');
  });
});
