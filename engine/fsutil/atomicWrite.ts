// Crash-safe writes. A ticket folder or a single file either appears complete under its final name
// or not at all: everything is first written under a dot-prefixed temporary name in the same
// folder (so the final rename never crosses a file system) and then renamed into place. A killed
// process therefore leaves only a dot-prefixed leftover, which removeStaleTempFolders cleans up.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

const TMP_MARK = '.tmp-';
const OLD_MARK = '.old-';

/** `.<name>.tmp-<pid>-<random>`: the pid lets the cleaner skip folders of live processes. */
function siblingName(finalPath: string, mark: string): string {
  const name = path.basename(finalPath);
  return path.join(
    path.dirname(finalPath),
    `.${name}${mark}${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/**
 * fsync a directory so that the renames inside it survive a power loss. Windows cannot open a
 * directory for syncing and some file systems refuse it; the rename is still atomic there, only
 * less durable, so those refusals are ignored.
 */
async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync every file and folder below `dir`, so the folder rename publishes data that is on disk. */
async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(p);
    else if (entry.isFile()) await fsyncFile(p);
  }
  await fsyncDir(dir);
}

/** Write a file atomically: temp file in the same folder, fsync, rename over the target. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = siblingName(file, TMP_MARK);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, file);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(path.dirname(file));
}

export interface WriteFolderOptions {
  /** Replace an existing folder. Without it an existing target is an error and is left untouched. */
  overwrite: boolean;
}

/** The destination exists and overwriting was not allowed; callers may ask the user and retry. */
export class TargetExistsError extends Error {
  constructor(readonly target: string) {
    super(`${target} already exists; refusing to overwrite it (allow overwrite to replace it)`);
    this.name = 'TargetExistsError';
  }
}

/**
 * Build a folder atomically. `fill` writes into an empty temporary sibling folder, which is then
 * renamed to `finalDir`. With `overwrite`, an existing `finalDir` is first renamed aside and only
 * deleted once the new folder is in place, so a failure at any point keeps the old content.
 */
export async function writeFolderAtomic(
  finalDir: string,
  fill: (tmpDir: string) => Promise<void>,
  opts: WriteFolderOptions,
): Promise<void> {
  const target = path.resolve(finalDir);
  const parent = path.dirname(target);
  await fsp.mkdir(parent, { recursive: true });
  // Checked up front so a refused export costs nothing; checked again before the rename because
  // POSIX rename silently replaces an *empty* directory and the target may appear meanwhile.
  if (!opts.overwrite && (await exists(target))) {
    throw new TargetExistsError(target);
  }

  const tmp = siblingName(target, TMP_MARK);
  await fsp.mkdir(tmp);
  try {
    await fill(tmp);
    await fsyncTree(tmp);
    await publish(tmp, target, opts.overwrite);
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await fsyncDir(parent);
}

async function publish(tmp: string, target: string, overwrite: boolean): Promise<void> {
  const hadOld = await exists(target);
  if (!hadOld) {
    await fsp.rename(tmp, target);
    return;
  }
  if (!overwrite) throw new TargetExistsError(target);
  const aside = siblingName(target, OLD_MARK);
  await fsp.rename(target, aside);
  try {
    await fsp.rename(tmp, target);
  } catch (err) {
    // Put the old folder back; the caller removes tmp.
    await fsp.rename(aside, target);
    throw err;
  }
  await fsp.rm(aside, { recursive: true, force: true });
}

function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return errnoCode(err) === 'EPERM';
  }
}

const LEFTOVER = /^\.(.+)\.(tmp|old)-(\d+)-[0-9a-f]+$/;

export interface StaleCleanupOptions {
  /** Only leftovers whose last change is at least this old are touched. Default: one hour. */
  maxAgeMs?: number;
}

export interface StaleCleanupResult {
  removed: string[];
  /** `.old-` folders put back because their replacement never arrived (killed between renames). */
  restored: string[];
}

/**
 * Clean leftovers of killed writers in `parentDir`: `.tmp-` folders/files are deleted; an `.old-`
 * folder is deleted if its final folder exists and renamed back otherwise. Leftovers of a process
 * that is still alive (including this one) are never touched, whatever their age.
 */
export async function removeStaleTempFolders(
  parentDir: string,
  opts: StaleCleanupOptions = {},
): Promise<StaleCleanupResult> {
  const maxAgeMs = opts.maxAgeMs ?? 60 * 60 * 1000;
  const result: StaleCleanupResult = { removed: [], restored: [] };
  let entries: string[];
  try {
    entries = await fsp.readdir(parentDir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return result;
    throw err;
  }
  const now = Date.now();
  for (const entry of entries) {
    const m = LEFTOVER.exec(entry);
    if (!m) continue;
    const [, finalName, kind, pidText] = m;
    const p = path.join(parentDir, entry);
    let stat;
    try {
      stat = await fsp.lstat(p);
    } catch {
      continue; // removed concurrently
    }
    // ctime moves on rename, mtime on writes: the later one says when the writer last touched it.
    const age = now - Math.max(stat.mtimeMs, stat.ctimeMs);
    if (age < maxAgeMs || isProcessAlive(Number(pidText))) continue;
    const finalPath = path.join(parentDir, finalName);
    if (kind === 'old' && !(await exists(finalPath))) {
      await fsp.rename(p, finalPath);
      result.restored.push(finalPath);
    } else {
      await fsp.rm(p, { recursive: true, force: true });
      result.removed.push(p);
    }
  }
  return result;
}
