// The in-host integration tests (test/e2e/host/) run in a real VS Code: code-server loads the
// repository as an extension under development, runs the bundled tests in its extension host, and
// they write their results to a file this suite waits for. Each in-host test is reported here as a
// test of its own.
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { Test } from 'mocha';
import { ARTIFACTS_DIR, CodeServerSession, REPO_ROOT } from './codeServer';
import { buildHostTests, ensureExtensionBuilt } from './builds';
import { configText, TINY_CONFIG } from './fixtures';
import { parseHostResults, RESULTS_ENV, type HostResults } from './host/hostResults';

describe('e2e: the extension in a real VS Code extension host (code-server)', function () {
  // The first run sets code-server up (about a minute, more on a cold npm cache).
  this.timeout(15 * 60_000);
  let session: CodeServerSession | undefined;
  let results: HostResults | undefined;

  before(async function () {
    ensureExtensionBuilt();
    const bundle = buildHostTests();
    const resultsFile = path.join(ARTIFACTS_DIR, 'extension-host-results.json');
    rmSync(resultsFile, { force: true });
    session = await CodeServerSession.start({
      name: 'extension-host',
      workspaceFiles: { 'sparsity.json': configText(TINY_CONFIG) },
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: bundle,
      // Inherited by the extension host, where test/e2e/host/index.ts reads it.
      env: { [RESULTS_ENV]: resultsFile },
    });
    const page = await session.openWorkbench();
    try {
      results = parseHostResults(await session.waitForFile(resultsFile, 4 * 60_000));
    } finally {
      await session.screenshot(page, 'after-tests').catch(() => undefined);
    }
    // One test here per test there, so a failure is reported under its own name.
    for (const hostTest of results.tests) {
      this.test?.parent?.addTest(
        new Test(`in host: ${hostTest.title}`, () => {
          if (hostTest.state !== 'failed') return;
          // The host's own stack, as it was: it points into the in-host suites.
          const error = new Error(hostTest.error ?? 'failed (no error recorded)');
          error.stack = hostTest.error;
          throw error;
        }),
      );
    }
  });

  after(async () => {
    await session?.stop();
  });

  it('ran the in-host tests, and none of them failed', () => {
    assert.ok(results, 'no results');
    assert.ok(results.tests.length >= 6, `only ${results.tests.length} in-host tests ran`);
    assert.equal(
      results.failures,
      0,
      results.tests
        .filter((t) => t.state === 'failed')
        .map((t) => t.title)
        .join('\n'),
    );
  });
});
