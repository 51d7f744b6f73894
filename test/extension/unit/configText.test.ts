import { strict as assert } from 'node:assert';
import { parseConfigText } from '../../../extension/config/configText';

describe('configText', () => {
  it('reads a config with comments and trailing commas into a plain object', () => {
    const parsed = parseConfigText(
      '{\n  // quick\n  "rounds": 2, /* two */\n  "data": {"format": "cifar10", "dir": "d",},\n}',
    );
    assert.deepEqual(parsed, { ok: true, config: { rounds: 2, data: { format: 'cifar10', dir: 'd' } } });
  });

  it('reports a syntax error with its line and offset', () => {
    const text = '{\n  "rounds": 2\n  "epochsPerRound": 3\n}';
    const parsed = parseConfigText(text);
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.match(parsed.message, /comma expected at line 3/);
    assert.equal(parsed.offset, text.indexOf('"epochsPerRound"'));
  });

  it('refuses anything but an object at the top level', () => {
    for (const text of ['[1, 2]', '3', 'null']) {
      const parsed = parseConfigText(text);
      assert.equal(parsed.ok, false, text);
      if (!parsed.ok) assert.match(parsed.message, /JSON object/);
    }
  });
});
