/**
 * The ceiling for login: how many argon2id verifies per second this machine
 * does with the service's own parameters, as many in flight as the libuv
 * thread pool (where argon2 runs, here and in the service) has threads.
 */
import argon2 from 'argon2';
import { ARGON2_OPTIONS } from '../../src/core/security';

export interface VerifyRate {
  verifiesPerS: number;
  /** CPU time of this process per verify: what login's CPU per request compares with. */
  cpuMicrosPerVerify: number;
}

const THREAD_POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE ?? 4);

export async function measureVerifyRate(seconds: number): Promise<VerifyRate> {
  const password = 'correct horse battery staple';
  const hash = await argon2.hash(password, ARGON2_OPTIONS);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let verifies = 0;
  const lane = async () => {
    while (performance.now() < deadline) {
      if (!(await argon2.verify(hash, password))) throw new Error('argon2 verify failed');
      verifies++;
    }
  };
  await Promise.all(Array.from({ length: THREAD_POOL_SIZE }, lane));
  const elapsedS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { verifiesPerS: verifies / elapsedS, cpuMicrosPerVerify: (cpu.user + cpu.system) / verifies };
}
