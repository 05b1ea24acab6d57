import { createLogger } from '../../src/core/logging';
import { ReadinessService, type DatabaseHealth } from '../../src/services/readiness.service';
import { MemoryTransport } from '../support/app';

function setup(db: Partial<jest.Mocked<DatabaseHealth>>) {
  const logs = new MemoryTransport();
  const health: jest.Mocked<DatabaseHealth> = { ping: jest.fn(), pendingMigrations: jest.fn(), ...db };
  return { service: new ReadinessService(health, createLogger('debug', [logs])), health, logs };
}

describe('ReadinessService', () => {
  it('is ready when the database answers and nothing is pending', async () => {
    const { service } = setup({
      ping: jest.fn(async (_timeoutMs: number) => {}),
      pendingMigrations: jest.fn(async () => []),
    });
    expect(await service.check()).toEqual({
      ready: true,
      checks: { database: { status: 'ok' }, migrations: { status: 'ok' } },
    });
  });

  it('is not ready while migrations are pending', async () => {
    const { service } = setup({
      ping: jest.fn(async (_timeoutMs: number) => {}),
      pendingMigrations: jest.fn(async () => ['Migration2']),
    });
    const result = await service.check();
    expect(result.ready).toBe(false);
    expect(result.checks.migrations.status).toBe('failing');
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
