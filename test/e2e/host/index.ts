// The test entry VS Code loads in its extension host (the workbench URL's extensionTestsPath, see
// /work/shared/E2E-NOTES.md). It runs the in-host suites with mocha's programmatic API and writes the
// outcome of every test to the JSON file named by SPARSITY_E2E_RESULTS, which the driver on the
// other side (test/e2e/extensionHost.test.ts) waits for: the page gives no other sign that the run
// ended. Bundled by scripts/e2e/buildHostTests.mjs.
import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';
import { defineInstallSuite } from './installCommand';
import { defineSearchSuites } from './searchCommands';
import { RESULTS_ENV, type HostResults, type HostTestResult } from './hostResults';

export function run(): Promise<void> {
  const resultsFile = process.env[RESULTS_ENV];
  if (!resultsFile)
    return Promise.reject(new Error(`${RESULTS_ENV} is not set: nowhere to write the results`));
  const write = (results: HostResults) => writeFileSync(resultsFile, JSON.stringify(results, null, 2));

  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // The bdd functions (describe, it, ...) are globals only after pre-require; the suites are defined
  // by a function for that reason rather than at module load.
  mocha.suite.emit('pre-require', globalThis, 'host', mocha);
  defineSearchSuites();
  defineInstallSuite();

  const tests: HostTestResult[] = [];
  const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;
  return new Promise((resolve) => {
    try {
      const runner = mocha.run((failures) => {
        write({ done: true, failures, tests });
        resolve();
      });
      runner.on(EVENT_TEST_PASS, (test) =>
        tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0 }),
      );
      runner.on(EVENT_TEST_PENDING, (test) =>
        tests.push({ title: test.fullTitle(), state: 'pending', durationMs: 0 }),
      );
      // A failing hook arrives here too (its title says which hook).
      runner.on(EVENT_TEST_FAIL, (test, error: Error) =>
        tests.push({
          title: test.fullTitle(),
          state: 'failed',
          durationMs: test.duration ?? 0,
          error: error.stack ?? String(error),
        }),
      );
    } catch (e) {
      // Mocha itself failed: say so in the results rather than leaving the driver to time out.
      const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
      write({ done: true, failures: 1, tests: [{ title: 'mocha', state: 'failed', durationMs: 0, error }] });
      resolve();
    }
  });
}
