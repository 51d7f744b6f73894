// A local stand-in for the npm registry, so the installer's tests run real npm without the network:
// an HTTP server that answers packuments (GET /<name>, a scoped name as @scope%2fname) and tarballs
// (a gzip tar of a package/ folder, made with the system's tar). Packages can be replaced between
// installs, and a tarball can be held back to cancel an install while npm waits for it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface StandInPackage {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  /** Files of the package (relative path to contents); a package.json is written from the fields above. */
  files?: Record<string, string>;
  /** Files to copy in: path inside the package to the absolute source path. */
  copies?: Record<string, string>;
  main?: string;
}

interface Published {
  manifest: StandInPackage;
  tarball: Buffer;
  integrity: string;
  shasum: string;
}

export class StandInRegistry {
  /** Every request path the server saw, in order. */
  readonly requests: string[] = [];
  private readonly packages = new Map<string, Published>();
  private readonly held = new Set<string>();
  private readonly heldWaiters: ((req: IncomingMessage) => void)[] = [];
  private readonly server: Server;
  private readonly workDir = mkdtempSync(path.join(os.tmpdir(), 'sparsity-registry-'));

  private constructor() {
    this.server = createServer((req, res) => this.answer(req, res));
  }

  static async start(): Promise<StandInRegistry> {
    const registry = new StandInRegistry();
    await new Promise<void>((resolve) => registry.server.listen(0, '127.0.0.1', resolve));
    return registry;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  /** Adds or replaces a package (one version per name is enough for these tests). */
  publish(pkg: StandInPackage): void {
    const root = mkdtempSync(path.join(this.workDir, 'pack-'));
    const dir = path.join(root, 'package');
    mkdirSync(dir, { recursive: true });
    const manifest = {
      name: pkg.name,
      version: pkg.version,
      main: pkg.main ?? 'index.js',
      ...(pkg.dependencies ? { dependencies: pkg.dependencies } : {}),
    };
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
    for (const [file, text] of Object.entries(pkg.files ?? {})) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    for (const [file, source] of Object.entries(pkg.copies ?? {})) {
      cpSync(source, path.join(dir, file), { recursive: true });
    }
    const tgz = path.join(root, 'package.tgz');
    execFileSync('tar', ['-czf', tgz, '-C', root, 'package']);
    const tarball = readFileSync(tgz);
    rmSync(root, { recursive: true, force: true });
    this.packages.set(pkg.name, {
      manifest: pkg,
      tarball,
      integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
      shasum: createHash('sha1').update(tarball).digest('hex'),
    });
  }

  /** Holds back the tarball of `name`: the request stays open until the client goes away. */
  hold(name: string): void {
    this.held.add(name);
  }

  /** Resolves with the held request once npm asks for a held tarball. */
  nextHeldRequest(): Promise<IncomingMessage> {
    return new Promise((resolve) => this.heldWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push(url.pathname);
    const tarball = /^\/-\/tarballs\/(.+)\.tgz$/.exec(url.pathname);
    if (tarball) {
      const name = decodeURIComponent(tarball[1]);
      const published = this.packages.get(name);
      if (!published) return notFound(res);
      if (this.held.has(name)) {
        this.heldWaiters.splice(0).forEach((resolve) => resolve(req));
        return; // never answered
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(published.tarball);
      return;
    }
    const name = decodeURIComponent(url.pathname.slice(1));
    const published = this.packages.get(name);
    if (!published) return notFound(res);
    const { manifest } = published;
    const packument = {
      name,
      'dist-tags': { latest: manifest.version },
      versions: {
        [manifest.version]: {
          name,
          version: manifest.version,
          ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}),
          dist: {
            tarball: `${this.url}-/tarballs/${encodeURIComponent(name)}.tgz`,
            integrity: published.integrity,
            shasum: published.shasum,
          },
        },
      },
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(packument));
  }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'Not found' }));
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
