import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { resolveConfig } from '../../../engine/config/resolveConfig';
import {
  SCHEMA_COPY,
  schemaReference,
  scaffoldConfigText,
  schemaText,
} from '../../../extension/config/configScaffold';

describe('configScaffold', () => {
  it('writes plain JSON (the CLI reads it with JSON.parse) that the engine accepts', () => {
    const text = scaffoldConfigText('./.sparsity/sparsity.schema.json');
    const parsed = JSON.parse(text) as Record<string, unknown>;
    assert.equal(parsed.$schema, './.sparsity/sparsity.schema.json');
    assert.doesNotMatch(text, /\/\//);
    const config = resolveConfig(parsed, 'sparsity.json');
    assert.equal(config.model, 'lenet-300-100');
    assert.deepEqual(config.data, { format: 'mnist-bundled', testSize: 2000 });
    assert.equal(config.rounds, 2);
    for (const key of ['model', 'data', 'rounds', 'epochsPerRound', 'ticketEpochs', 'maskInit', 'lambda']) {
      assert.ok(key in parsed, key);
    }
  });

  it('points "$schema" at the workspace copy, relative to the config file', () => {
    const folder = path.resolve('/w');
    assert.equal(schemaReference(folder, path.join(folder, 'sparsity.json')), `./${SCHEMA_COPY}`);
    assert.equal(
      schemaReference(folder, path.join(folder, 'configs', 'a.sparsity.json')),
      `../${SCHEMA_COPY}`,
    );
  });

  it('writes the schema with the descriptions the editor shows on hover', () => {
    const schema = JSON.parse(schemaText()) as {
      title: string;
      properties: Record<string, { description?: string }>;
    };
    assert.match(schema.title, /sparsity\.json/);
    assert.match(schema.properties.maskInit.description ?? '', /denser/);
    assert.ok(schema.properties.$schema, 'the schema allows the "$schema" key');
  });
});
