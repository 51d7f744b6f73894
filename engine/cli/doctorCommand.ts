// `sparsity-lab doctor`: which backend a search would train on, on what device, with which package
// versions, and why each faster backend is not used, so a user can tell "no GPU driver" from "package
// not installed" before starting a long search. --json prints the same as one JSON object.
import { backendVersions, type PackageVersion } from '../backend/backendVersions';
import { selectBackend, type BackendChoice } from '../backend/selectBackend';
import { threadsFor } from '../backend/threadCount';
import { backendsNotUsed } from '../protocol/engineProtocol';
import { BACKENDS } from '../config/configSchema';
import { ConfigError } from '../config/resolveConfig';

export interface DoctorOptions {
  backend?: string;
  nativeBackendPath?: string;
  json?: boolean;
}

export interface DoctorReport {
  ok: boolean;
  choice: BackendChoice;
  /** tf.getBackend() of the backend in use; absent when none could start. */
  backend?: string;
  device?: string;
  threads?: number;
  threadsReason?: string;
  /** The candidates tried before the one in use (all of them when none started), with why each failed. */
  notUsed: { candidate: string; reason: string }[];
  /** Why no backend could start; absent when one did. */
  error?: string;
  versions: PackageVersion[];
}

function parseChoice(text: string | undefined): BackendChoice {
  const choice = text ?? 'auto';
  if (!(BACKENDS as readonly string[]).includes(choice)) {
    throw new ConfigError(
      'command line',
      'backend',
      `expected one of ${BACKENDS.join(', ')} (got "${choice}")`,
    );
  }
  return choice as BackendChoice;
}

export async function diagnose(options: DoctorOptions): Promise<DoctorReport> {
  const choice = parseChoice(options.backend);
  const nativeBackendPath = options.nativeBackendPath;
  const versions = () => backendVersions(nativeBackendPath);
  try {
    // With the threads a search would get by default, so threads and device read as a search's will.
    const report = await selectBackend(choice, nativeBackendPath, { wasmThreads: threadsFor('auto') });
    return {
      ok: true,
      choice,
      backend: report.name,
      ...(report.device === undefined ? {} : { device: report.device }),
      ...(report.threads === undefined ? {} : { threads: report.threads }),
      ...(report.threadsReason === undefined ? {} : { threadsReason: report.threadsReason }),
      notUsed: backendsNotUsed(report),
      versions: versions(),
    };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { ok: false, choice, notUsed: [], error, versions: versions() };
  }
}

/** The report as a user reads it in a terminal. */
export function formatDoctorReport(r: DoctorReport): string {
  const lines: string[] = [];
  const field = (label: string, value: string) => lines.push(`${`${label}:`.padEnd(10)}${value}`);
  if (r.ok) {
    field('backend', `${r.backend ?? '?'}${r.choice === 'auto' ? ' (chosen by auto)' : ''}`);
    if (r.device !== undefined) field('device', r.device);
    if (r.threads !== undefined) {
      field('threads', `${r.threads}${r.threadsReason === undefined ? '' : ` (${r.threadsReason})`}`);
    }
  } else {
    field('backend', `none could start (asked for ${r.choice})`);
    field('error', r.error ?? 'unknown');
  }
  const width = Math.max(...r.versions.map((v) => v.package.length));
  r.versions.forEach((v, i) => {
    const version =
      v.version === undefined ? v.source : `${v.version}${v.source === 'found' ? '' : ` (${v.source})`}`;
    lines.push(`${i === 0 ? 'versions: ' : ' '.repeat(10)}${v.package.padEnd(width)}  ${version}`);
  });
  if (r.notUsed.length > 0) {
    lines.push(r.ok ? 'faster backends not used:' : 'backends tried:');
    const nameWidth = Math.max(...r.notUsed.map((n) => n.candidate.length));
    for (const n of r.notUsed) lines.push(`  ${n.candidate.padEnd(nameWidth)}  ${n.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function doctor(options: DoctorOptions): Promise<number> {
  const report = await diagnose(options);
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report));
  return report.ok ? 0 : 1;
}
