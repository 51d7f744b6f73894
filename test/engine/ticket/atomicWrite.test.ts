import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  removeStaleTempFolders,
  writeFileAtomic,
  writeFolderAtomic,
} from '../../../engine/fsutil/atomicWrite';

async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(
    () => true,
    () => false,
  );
}

describe('atomic writes', () => {
  let root: string;

  beforeEach(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'sparsity-atomic-'));
  });
  afterEach(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  describe('writeFileAtomic', () => {
    it('writes and replaces a file, leaving no temp file', async () => {
      const file = path.join(root, 'a.json');
      await writeFileAtomic(file, 'one');
      await writeFileAtomic(file, Uint8Array.from([116, 119, 111]));
      assert.equal(await fsp.readFile(file, 'utf8'), 'two');
      assert.deepEqual(await fsp.readdir(root), ['a.json']);
    });

    it('cleans its temp file when the rename fails', async () => {
      const dirInTheWay = path.join(root, 'taken');
      await fsp.mkdir(path.join(dirInTheWay, 'child'), { recursive: true });
      await assert.rejects(writeFileAtomic(dirInTheWay, 'x'));
      assert.deepEqual(await fsp.readdir(root), ['taken']);
    });
  });

  describe('writeFolderAtomic', () => {
    it('builds the folder and leaves nothing else behind', async () => {
      const target = path.join(root, 'nested', 'ticket');
      await writeFolderAtomic(
        target,
        async (tmp) => {
          assert.match(path.basename(tmp), /^\.ticket\.tmp-\d+-[0-9a-f]+$/);
          assert.equal(path.dirname(tmp), path.dirname(target));
          assert.equal(await exists(target), false, 'final folder must not exist while filling');
          await fsp.mkdir(path.join(tmp, 'model'));
          await fsp.writeFile(path.join(tmp, 'model', 'model.json'), '{}');
          await fsp.writeFile(path.join(tmp, 'a.txt'), 'A');
        },
        { overwrite: false },
      );
      assert.equal(await fsp.readFile(path.join(target, 'a.txt'), 'utf8'), 'A');
      assert.equal(await fsp.readFile(path.join(target, 'model', 'model.json'), 'utf8'), '{}');
      assert.deepEqual(await fsp.readdir(path.dirname(target)), ['ticket']);
    });

    it('refuses an existing folder without overwrite, naming it, and never runs fill', async () => {
      const target = path.join(root, 'ticket');
      await fsp.mkdir(target);
      await fsp.writeFile(path.join(target, 'old.txt'), 'old');
      let filled = false;
      await assert.rejects(
        writeFolderAtomic(
          target,
          async () => {
            filled = true;
          },
          { overwrite: false },
        ),
        (err: Error) => err.message.includes(target),
      );
      assert.equal(filled, false);
      assert.deepEqual(await fsp.readdir(target), ['old.txt']);
      assert.deepEqual(await fsp.readdir(root), ['ticket']);
    });

    it('refuses a target that appears while filling (even an empty one)', async () => {
      const target = path.join(root, 'ticket');
      await assert.rejects(
        writeFolderAtomic(target, async () => fsp.mkdir(target), { overwrite: false }),
        /already exists; refusing to overwrite/,
      );
      assert.deepEqual(await fsp.readdir(root), ['ticket']);
      assert.deepEqual(await fsp.readdir(target), []);
    });

    it('replaces an existing folder with overwrite and removes the old one', async () => {
      const target = path.join(root, 'ticket');
      await fsp.mkdir(target);
      await fsp.writeFile(path.join(target, 'old.txt'), 'old');
      await writeFolderAtomic(target, async (tmp) => fsp.writeFile(path.join(tmp, 'new.txt'), 'new'), {
        overwrite: true,
      });
      assert.deepEqual(await fsp.readdir(target), ['new.txt']);
      assert.deepEqual(await fsp.readdir(root), ['ticket']);
    });

    it('a failing fill leaves neither a final nor a temp folder', async () => {
      const target = path.join(root, 'ticket');
      await assert.rejects(
        writeFolderAtomic(
          target,
          async (tmp) => {
            await fsp.writeFile(path.join(tmp, 'half.bin'), 'x');
            throw new Error('boom');
          },
          { overwrite: false },
        ),
        /boom/,
      );
      assert.deepEqual(await fsp.readdir(root), []);
    });

    it('a failing fill with overwrite keeps the old folder intact', async () => {
      const target = path.join(root, 'ticket');
      await fsp.mkdir(target);
      await fsp.writeFile(path.join(target, 'old.txt'), 'old');
      await assert.rejects(
        writeFolderAtomic(
          target,
          async () => {
            throw new Error('boom');
          },
          { overwrite: true },
        ),
        /boom/,
      );
      assert.deepEqual(await fsp.readdir(root), ['ticket']);
      assert.equal(await fsp.readFile(path.join(target, 'old.txt'), 'utf8'), 'old');
    });

    it('a writer killed during fill leaves only a dot-prefixed temp folder, which the cleaner removes', async function () {
      this.timeout(60_000);
      const target = path.join(root, 'ticket');
      const fixture = path.join(__dirname, 'fixtures', 'killedWriter.ts');
      const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), fixture, target], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, sig) => resolve(sig)),
      );
      const tmpDir = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /filling (.+)\n/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
      });
      assert.ok(await exists(path.join(tmpDir, 'partial.bin')), 'child was mid-write');
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');

      const left = await fsp.readdir(root);
      assert.equal(await exists(target), false, 'no final folder after the kill');
      assert.equal(left.length, 1);
      assert.match(left[0], /^\.ticket\.tmp-\d+-[0-9a-f]+$/);

      // Fresh leftovers survive the default one-hour threshold; old ones of a dead pid go.
      assert.deepEqual((await removeStaleTempFolders(root)).removed, []);
      const cleaned = await removeStaleTempFolders(root, { maxAgeMs: 0 });
      assert.deepEqual(cleaned.removed, [path.join(root, left[0])]);
      assert.deepEqual(await fsp.readdir(root), []);
    });
  });

  describe('removeStaleTempFolders', () => {
    it('never touches leftovers of a live process (this one)', async () => {
      const mine = path.join(root, `.ticket.tmp-${process.pid}-abcd1234`);
      await fsp.mkdir(mine);
      const result = await removeStaleTempFolders(root, { maxAgeMs: 0 });
      assert.deepEqual(result, { removed: [], restored: [] });
      assert.ok(await exists(mine));
    });

    it('restores an aside folder whose replacement never arrived, removes one whose did', async () => {
      const deadPid = await new Promise<number>((resolve) => {
        const c = spawn(process.execPath, ['-e', '0']);
        c.on('exit', () => resolve(c.pid ?? 999_999_999));
      });
      await fsp.mkdir(path.join(root, `.lost.old-${deadPid}-00ff`));
      await fsp.writeFile(path.join(root, `.lost.old-${deadPid}-00ff`, 'data.txt'), 'keep me');
      await fsp.mkdir(path.join(root, 'done'));
      await fsp.mkdir(path.join(root, `.done.old-${deadPid}-00ff`));
      await fsp.writeFile(path.join(root, 'unrelated.tmp-1-ab'), 'not ours');
      const result = await removeStaleTempFolders(root, { maxAgeMs: 0 });
      assert.deepEqual(result.restored, [path.join(root, 'lost')]);
      assert.deepEqual(result.removed, [path.join(root, `.done.old-${deadPid}-00ff`)]);
      assert.equal(await fsp.readFile(path.join(root, 'lost', 'data.txt'), 'utf8'), 'keep me');
      assert.deepEqual((await fsp.readdir(root)).sort(), ['done', 'lost', 'unrelated.tmp-1-ab']);
    });

    it('returns nothing for a missing folder', async () => {
      assert.deepEqual(await removeStaleTempFolders(path.join(root, 'nope')), { removed: [], restored: [] });
    });
  });
});
