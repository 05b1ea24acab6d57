import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitOpenError, DatabaseBreaker } from '../../src/core/breaker';
import { createLogger } from '../../src/core/logging';
import { MemoryTransport } from '../support/app';

const outage = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const failing = () => Promise.reject(outage());
const answering = () => Promise.resolve('row');

function setup(threshold = 3) {
  const logs = new MemoryTransport();
  const breaker = new DatabaseBreaker(
    { threshold, halfOpenAfterMs: 100, maxHalfOpenAfterMs: 250 },
    (error) => (error as { code?: string }).code === 'ECONNREFUSED',
    createLogger('debug', [logs]),
  );
  const states: string[] = [];
  breaker.onStateChange((state) => states.push(state));
  return { breaker, logs, states };
}

async function failTimes(breaker: DatabaseBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await expect(breaker.execute(failing)).rejects.toThrow('ECONNREFUSED');
}

/** Resolves with the time until `call` is let through again, polling every 10 ms. */
async function msUntilLetThrough(breaker: DatabaseBreaker): Promise<number> {
  const start = Date.now();
  for (;;) {
    const error = await breaker.execute(failing).catch((e: unknown) => e);
    if (!(error instanceof CircuitOpenError)) return Date.now() - start;
    await sleep(10);
  }
}

describe('DatabaseBreaker', () => {
  it('opens after `threshold` unavailability errors in a row, then fails at once without calling', async () => {
    const { breaker, logs } = setup(3);
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');

    const call = jest.fn(answering);
    const error = await breaker.execute(call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toMatchObject({ code: 'ECIRCUITOPEN', retryAfterS: 1 });
    expect(call).not.toHaveBeenCalled();
    expect(logs.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/circuit opened/), probe_in_ms: 100 }),
    );
  });

  it('counts only unavailability: other errors pass through and do not open it', async () => {
    const { breaker } = setup(2);
    const unique = () => Promise.reject(Object.assign(new Error('duplicate key'), { code: '23505' }));
    for (let i = 0; i < 5; i++) await expect(breaker.execute(unique)).rejects.toThrow('duplicate key');
    expect(breaker.state).toBe('closed');
  });

  it('needs the failures in a row: a success in between starts the count again', async () => {
    const { breaker } = setup(2);
    await failTimes(breaker, 1);
    await breaker.execute(answering);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('closed');
  });

  it('lets one probe through once the wait is over; calls during the probe fail at once; success closes it', async () => {
    const { breaker, states, logs } = setup(1);
    await failTimes(breaker, 1);
    await sleep(110);

    let answer!: (value: string) => void;
    const probe = jest.fn(() => new Promise<string>((resolve) => (answer = resolve)));
    const probing = breaker.execute(probe);
    expect(breaker.state).toBe('half_open');
    const other = jest.fn(answering);
    await expect(breaker.execute(other)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(other).not.toHaveBeenCalled();

    answer('row');
    await expect(probing).resolves.toBe('row');
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(answering)).resolves.toBe('row');
    expect(states).toEqual(['open', 'half_open', 'closed']);
    expect(logs.entries).toContainEqual(
      expect.objectContaining({ level: 'info', message: expect.stringMatching(/circuit closed/) }),
    );
  });

  it('reopens when the probe fails, waiting longer each time up to the maximum', async () => {
    const { breaker } = setup(1);
    await failTimes(breaker, 1);
    const waits = [
      await msUntilLetThrough(breaker),
      await msUntilLetThrough(breaker),
      await msUntilLetThrough(breaker),
    ];
    expect(breaker.state).toBe('open');
    // 100 ms, then doubled to 200, then capped at 250 (each polled to within ~10 ms). A wait is
    // timed from a little after the probe failed (the promise chain back to this test), which a
    // busy machine stretches: so a little less than the nominal wait, never much less.
    expect(waits[0]).toBeGreaterThanOrEqual(75);
    expect(waits[0]).toBeLessThan(180);
    expect(waits[1]).toBeGreaterThanOrEqual(175);
    expect(waits[1]).toBeLessThan(245);
    expect(waits[2]).toBeGreaterThanOrEqual(225);
    expect(waits[2]).toBeLessThan(330);
    expect(waits[1]! - waits[0]!).toBeGreaterThan(50);
  });

  it('says in Retry-After how many whole seconds remain until the next probe (at least 1)', async () => {
    const logs = new MemoryTransport();
    const breaker = new DatabaseBreaker(
      { threshold: 1, halfOpenAfterMs: 2_500, maxHalfOpenAfterMs: 10_000 },
      () => true,
      createLogger('debug', [logs]),
    );
    await expect(breaker.execute(failing)).rejects.toThrow();
    expect(breaker.retryAfterS()).toBe(3);
    await expect(breaker.execute(answering)).rejects.toMatchObject({ retryAfterS: 3 });
  });
});
