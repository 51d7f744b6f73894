import * as assert from 'node:assert/strict';
import { loadData } from '../../../engine/data/loadData';
import { rejectsWithDataError, TempDir } from './fixtures';

describe('data: CSV', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = new TempDir();
  });
  afterEach(() => tmp.remove());

  const spec = { format: 'csv', train: 'train.csv', test: 'test.csv' } as const;
  const header = 'sepal,petal,species,width\n';

  it('detects a header, takes the label column by name and keeps the other columns in order', async () => {
    tmp.write('train.csv', header + '5.1,1.4,0,0.2\n4.9,"1.5",2,-0.1\n\n6.3,6e-1,1,1.8\n');
    tmp.write('test.csv', '\uFEFF' + header + '5.0,1.3,1,0.25\r\n');
    const data = await loadData({ ...spec, labelColumn: 'species' }, tmp.dir, 0);
    assert.deepEqual(data.inputShape, [3]);
    assert.equal(data.train.count, 3);
    assert.deepEqual(Array.from(data.train.y), [0, 2, 1]);
    assert.deepEqual(Array.from(data.test.y), [1]);
    const expected = [5.1, 1.4, 0.2, 4.9, 1.5, -0.1, 6.3, 0.6, 1.8];
    Array.from(data.train.x).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `x[${i}] = ${v}`));
    assert.equal(data.numClasses, 3);
  });

  it('defaults to the last column without a header, and takes a label column by index', async () => {
    tmp.write('train.csv', '1,2,3\n4,5,1\n');
    tmp.write('test.csv', '7,8,0\n');
    const last = await loadData(spec, tmp.dir, 0);
    assert.deepEqual(Array.from(last.train.y), [3, 1]);
    assert.deepEqual(Array.from(last.train.x), [1, 2, 4, 5]);
    const first = await loadData({ ...spec, labelColumn: 0 }, tmp.dir, 0);
    assert.deepEqual(Array.from(first.train.y), [1, 4]);
    assert.deepEqual(Array.from(first.test.x), [8, 0]);
  });

  it('treats a numeric first row as a header when told to', async () => {
    tmp.write('train.csv', '0,1,2\n4,5,1\n');
    tmp.write('test.csv', '0,1,2\n7,8,0\n');
    const data = await loadData({ ...spec, header: true }, tmp.dir, 0);
    assert.equal(data.train.count, 1);
    assert.deepEqual(Array.from(data.train.x), [4, 5]);
  });

  it('rejects a non-numeric cell, naming row and column', async () => {
    tmp.write('train.csv', header + '5.1,1.4,0,0.2\n4.9,n/a,1,0.2\n');
    tmp.write('test.csv', header + '5.0,1.3,1,0.25\n');
    await rejectsWithDataError(
      loadData({ ...spec, labelColumn: 'species' }, tmp.dir, 0),
      'train.csv',
      'row 3, column "petal"',
      /"n\/a", expected a number/,
    );
  });

  it('rejects empty cells, NaN and Inf (which Number() would accept or pass through)', async () => {
    tmp.write('test.csv', '5,1,0\n');
    tmp.write('train.csv', '5,1,0\n4,,1\n');
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'train.csv', 'row 2, column 2 (index 1)');
    tmp.write('train.csv', '5,1,0\nNaN,2,1\n');
    await rejectsWithDataError(
      loadData(spec, tmp.dir, 0),
      'train.csv',
      'row 2, column 1 (index 0)',
      /finite/,
    );
    tmp.write('train.csv', '5,-inf,0\n');
    await rejectsWithDataError(
      loadData(spec, tmp.dir, 0),
      'train.csv',
      'row 1, column 2 (index 1)',
      /finite/,
    );
  });

  it('rejects bad labels: text, fractions, negatives', async () => {
    tmp.write('test.csv', '5,1,0\n');
    tmp.write('train.csv', '5,1,0\n4,2,setosa\n');
    await rejectsWithDataError(
      loadData(spec, tmp.dir, 0),
      'train.csv',
      'row 2, column 3 (index 2)',
      /integers/,
    );
    tmp.write('train.csv', '5,1,0\n4,2,1.5\n');
    await rejectsWithDataError(
      loadData(spec, tmp.dir, 0),
      'train.csv',
      'row 2, column 3 (index 2)',
      /integer/,
    );
    tmp.write('train.csv', '5,1,-2\n');
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'train.csv', 'row 1, column 3 (index 2)', /-2/);
  });

  it('rejects ragged rows, unknown label columns and mismatched test columns', async () => {
    tmp.write('train.csv', header + '5.1,1.4,0,0.2\n4.9,1.4,0\n');
    tmp.write('test.csv', header + '5.0,1.3,1,0.25\n');
    await rejectsWithDataError(loadData(spec, tmp.dir, 0), 'train.csv', 'row 3', /3 columns, expected 4/);
    tmp.write('train.csv', header + '5.1,1.4,0,0.2\n');
    await rejectsWithDataError(
      loadData({ ...spec, labelColumn: 'label' }, tmp.dir, 0),
      'train.csv',
      'labelColumn',
      /sepal, petal/,
    );
    await rejectsWithDataError(loadData({ ...spec, labelColumn: 4 }, tmp.dir, 0), 'train.csv', 'labelColumn');
    tmp.write('test.csv', 'petal,sepal,species,width\n5.0,1.3,1,0.25\n');
    await rejectsWithDataError(loadData({ ...spec, labelColumn: 2 }, tmp.dir, 0), 'test.csv', 'header');
    tmp.write('test.csv', '5.0,1.3,1\n');
    await rejectsWithDataError(
      loadData({ ...spec, labelColumn: 2 }, tmp.dir, 0),
      'test.csv',
      'columns',
      /\[2\].*\[3\]/,
    );
  });

  it('rejects a label name when the file has no header, and a missing file', async () => {
    tmp.write('train.csv', '1,2,0\n');
    tmp.write('test.csv', '1,2,0\n');
    await rejectsWithDataError(
      loadData({ ...spec, labelColumn: 'species' }, tmp.dir, 0),
      'train.csv',
      'labelColumn',
      /no header/,
    );
    await rejectsWithDataError(
      loadData({ ...spec, test: 'missing.csv' }, tmp.dir, 0),
      'missing.csv',
      'file',
      /not found/,
    );
  });
});
