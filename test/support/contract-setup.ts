import { flushExercised, violations } from './contract';

// A response that does not match the spec fails the test that provoked it.
afterEach(() => {
  if (violations.length === 0) return;
  const found = violations.splice(0);
  throw new Error(`Responses that do not match the spec:\n  ${found.join('\n  ')}`);
});

afterAll(() => flushExercised());
