// The IMP settings: defaults, errors that name the field, and the CLI flags that set them.
import { strict as assert } from 'node:assert';
import { Command } from 'commander';
import { addSearchFlags, flagsSetField, flagsToConfig, mergeFlags } from '../../../engine/cli/searchFlags';
import { ConfigError, resolveConfig } from '../../../engine/config/resolveConfig';

function rejects(raw: Record<string, unknown>, field: string, message: RegExp): void {
  assert.throws(
    () => resolveConfig(raw, '/w/sparsity.json'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.field, field);
      assert.ok(e.message.startsWith(`/w/sparsity.json: ${field}: `), e.message);
      assert.match(e.message, message);
      return true;
    },
  );
}

function parseFlags(argv: string[]): Record<string, unknown> {
  const command = addSearchFlags(
    new Command('search').exitOverride().configureOutput({ writeErr: () => undefined }),
  );
  command.parse(argv, { from: 'user' });
  return flagsToConfig(command.opts(), command);
}

describe('IMP: config', () => {
  it('defaults to CS, and IMP to 20% per round, layer-wise', () => {
    const c = resolveConfig({}, 'x');
    assert.equal(c.method, 'cs');
    assert.deepEqual(c.imp, { pruneFraction: 0.2, scope: 'layer' });
    const imp = resolveConfig({ method: 'imp', imp: { scope: 'global' } }, 'x');
    assert.equal(imp.method, 'imp');
    assert.deepEqual(imp.imp, { pruneFraction: 0.2, scope: 'global' });
  });

  it('names the field of a bad IMP value', () => {
    rejects({ method: 'imp', imp: { pruneFraction: 1 } }, 'imp.pruneFraction', /less than 1 \(got 1\)/);
    rejects({ method: 'imp', imp: { pruneFraction: 0 } }, 'imp.pruneFraction', /greater than 0 \(got 0\)/);
    rejects({ imp: { pruneFraction: 'a fifth' } }, 'imp.pruneFraction', /Expected number \(got "a fifth"\)/);
    rejects({ imp: { scope: 'network' } }, 'imp.scope', /got "network"/);
    rejects({ imp: { fraction: 0.2 } }, 'imp.fraction', /nexpected property/);
    rejects({ imp: 0.2 }, 'imp', /Expected object \(got 0.2\)/);
    rejects({ method: 'snip' }, 'method', /got "snip"/);
  });

  it('keeps the CS-only settings valid (and ignored) for IMP, so a CS config switches with one key', () => {
    const c = resolveConfig({ method: 'imp', lambda: 1e-6, maskInit: 0.5, finalTemperature: 100 }, 'x');
    assert.equal(c.method, 'imp');
    assert.equal(c.lambda, 1e-6);
  });

  it('--method, --prune-fraction and --prune-scope set method and imp.*, over the file key by key', () => {
    const flags = parseFlags(['--method', 'imp', '--prune-fraction', '0.3']);
    assert.deepEqual(flags, { method: 'imp', imp: { pruneFraction: 0.3 } });
    const merged = mergeFlags({ rounds: 5, imp: { scope: 'global', pruneFraction: 0.1 } }, flags);
    assert.deepEqual(merged, { rounds: 5, method: 'imp', imp: { scope: 'global', pruneFraction: 0.3 } });
    assert.deepEqual(resolveConfig(merged, 'x').imp, { scope: 'global', pruneFraction: 0.3 });
    assert.deepEqual(parseFlags(['--prune-scope', 'global']), { imp: { scope: 'global' } });
    assert.throws(() => parseFlags(['--prune-fraction', 'lots']), /--prune-fraction expects a number/);
  });

  it('blames a bad imp value on the flags only when a flag gave it', () => {
    const flags = { imp: { pruneFraction: 2 } };
    assert.equal(flagsSetField(flags, 'imp.pruneFraction'), true);
    assert.equal(flagsSetField(flags, 'imp.scope'), false);
    assert.equal(flagsSetField(flags, 'rounds'), false);
    assert.equal(flagsSetField({ rounds: 0 }, 'rounds'), true);
  });
});
