import { strict as assert } from 'node:assert';
import { fieldPath, locateField } from '../../../extension/config/fieldLocation';

const TEXT = `{
  // the network
  "model": "lenet-300-100",
  "data": { "format": "mnist-idx", "trainImages": "a.gz" },
  "includeLayers": ["dense_1", "dense_2"],
}
`;

/** The text the location covers. */
const at = (field: string) => {
  const loc = locateField(TEXT, field);
  return { text: TEXT.slice(loc.offset, loc.offset + loc.length), exact: loc.exact };
};

describe('fieldLocation', () => {
  it('turns dotted field names into JSON paths, with array indices as numbers', () => {
    assert.deepEqual(fieldPath('data.format'), ['data', 'format']);
    assert.deepEqual(fieldPath('includeLayers.1'), ['includeLayers', 1]);
    assert.deepEqual(fieldPath(''), []);
  });

  it('finds a top-level field, key and value, in a file with comments and trailing commas', () => {
    assert.deepEqual(at('model'), { text: '"model": "lenet-300-100"', exact: true });
  });

  it('finds a nested field', () => {
    assert.deepEqual(at('data.format'), { text: '"format": "mnist-idx"', exact: true });
  });

  it('finds an array element', () => {
    assert.deepEqual(at('includeLayers.1'), { text: '"dense_2"', exact: true });
  });

  it('falls back to the nearest enclosing field when the field is missing', () => {
    const loc = at('data.testImages');
    assert.equal(loc.exact, false);
    assert.ok(loc.text.startsWith('"data": {'), loc.text);
  });

  it('falls back to the top of the file for an unknown top-level field or no field', () => {
    assert.deepEqual(locateField(TEXT, 'batchSize'), { offset: 0, length: 0, exact: false });
    assert.deepEqual(locateField(TEXT, undefined), { offset: 0, length: 0, exact: true });
    assert.deepEqual(locateField('', 'model'), { offset: 0, length: 0, exact: false });
  });

  it('gives the offset of the field in the original text, so an editor position can be made from it', () => {
    const loc = locateField(TEXT, 'data.format');
    assert.equal(loc.offset, TEXT.indexOf('"format"'));
  });
});
