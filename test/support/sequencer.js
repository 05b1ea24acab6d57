const Sequencer = require('@jest/test-sequencer').default;

/**
 * The tests that bound latencies (database faults, the circuit breaker, the
 * server's connection timeouts) run first, while the other worker runs
 * ordinary tests; the end-to-end tests, which start several server processes
 * at once and load both cores, run last.
 * Run at the same time, a fault test's calls waited on the CPU, not the database.
 */
const FIRST = /\/test\/integration\/(faults|unavailable|connections)\.test\.ts$/;
const LAST = /\/test\/e2e\//;
const rank = (test) => (FIRST.test(test.path) ? 0 : LAST.test(test.path) ? 2 : 1);

class TimingBoundFirst extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = TimingBoundFirst;
