// What the in-host test run writes for the driver: shared by both sides so they agree on the format.

/** The environment variable (set on the server, inherited by its extension host) naming the results file. */
export const RESULTS_ENV = 'SPARSITY_E2E_RESULTS';

export interface HostTestResult {
  /** Mocha's full title: the suite names and the test's. */
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  /** The failure's stack, for a failed test or hook. */
  error?: string;
}

export interface HostResults {
  done: true;
  failures: number;
  tests: HostTestResult[];
}

export function parseHostResults(text: string): HostResults {
  const value: unknown = JSON.parse(text);
  if (
    typeof value !== 'object' ||
    value === null ||
    !('done' in value) ||
    !('tests' in value) ||
    !Array.isArray(value.tests) ||
    !('failures' in value) ||
    typeof value.failures !== 'number'
  ) {
    throw new Error(`not a results file of the in-host tests: ${text.slice(0, 200)}`);
  }
  return value as HostResults;
}
