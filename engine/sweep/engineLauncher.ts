// The launcher the CLI's sweep uses: one engine process (dist/engine.js, through EngineSupervisor and
// its version-checked handshake) per member. When the search finishes it exports the ticket, reports
// it, and stops the engine, which then exits cleanly; any other end is the scheduler's to judge.
import { Value } from '@sinclair/typebox/value';
import { threadsFor } from '../backend/threadCount';
import { resolveConfig } from '../config/resolveConfig';
import { EngineSupervisor } from '../host/engineSupervisor';
import type { EngineMessage } from '../protocol/engineProtocol';
import { readMetricMessages } from '../runs/runStore';
import type { LaunchMember, MemberExit } from './sweepScheduler';
import { MemberResultSchema, type MemberResult } from './sweepStore';

export interface EngineLauncherOptions {
  /** Absolute path of dist/engine.js. */
  enginePath: string;
  /** Where every member runs (its .sparsity/runs and tickets/). */
  workDir: string;
  /** How long a stopped engine may take before it is killed. */
  stopGraceMs?: number;
  /** Export each finished member's ticket to <ticketsDir>/<run-id> (default true). */
  exportTickets?: boolean;
  /**
   * How many members run at once, read at each launch: a member whose config leaves `threads` at
   * 'auto' gets its share of the cores, so parallel engines do not fight over them.
   */
  parallel?: () => number;
}

/** The member's config with 'auto' threads made its share of the cores. */
export function withThreadShare(config: Record<string, unknown>, parallel: number): Record<string, unknown> {
  if (config.threads !== undefined && config.threads !== 'auto') return config;
  return { ...config, threads: threadsFor('auto', parallel) };
}

/** A member's result from an engine message that reports a ticket; null for any other message. */
export function ticketResultOf(message: EngineMessage): MemberResult | null {
  if (message.type !== 'ticket') return null;
  // Clean drops what the result does not hold: the type, a metrics line's time.
  return Value.Clean(MemberResultSchema, structuredClone(message)) as MemberResult;
}

/**
 * The ticket a run already reported, from its metrics.jsonl. A run that had finished before its engine
 * died is done when resumed, and its engine does not announce the ticket again.
 */
export function recordedTicket(runDir: string): MemberResult | null {
  let ticket: MemberResult | null = null;
  let dir: string | null = null;
  for (const m of readMetricMessages(runDir)) {
    ticket = ticketResultOf(m) ?? ticket;
    if (m.type === 'ticket') dir = m.ticketDir;
    if (m.type === 'exported') dir = m.dir;
  }
  return ticket ? { ...ticket, ticketDir: dir } : null;
}

export function engineLauncher(options: EngineLauncherOptions): LaunchMember {
  return ({ member, resumeRunId, events }) => {
    // Checked up front by the sweep; resolved again only to learn which backend to load.
    const config = resolveConfig(member.config, member.configSource);
    const supervisor = new EngineSupervisor({
      enginePath: options.enginePath,
      backend: config.backend,
      nativeBackendPath: config.nativeBackendPath,
      stopGraceMs: options.stopGraceMs,
      ownProcessGroup: true,
    });
    let runDir: string | null = null;
    let result: MemberResult | null = null;
    let finishing = false;
    let startError: string | undefined;

    const finish = async () => {
      result ??= runDir ? recordedTicket(runDir) : null;
      if (result && options.exportTickets !== false) {
        try {
          const exported = await supervisor.exportTicket(undefined, true);
          result = { ...result, ticketDir: exported.dir };
        } catch (e) {
          events.message({ type: 'log', level: 'warn', message: `export failed: ${(e as Error).message}` });
        }
      }
      if (result) events.ticket(result);
      await supervisor.stop();
    };

    supervisor.on('message', (m) => {
      events.message(m);
      if (m.type === 'started') {
        runDir = m.runDir;
        events.started({ runId: m.runId, runDir: m.runDir, resumed: m.resumed });
      }
      result = ticketResultOf(m) ?? result;
      if (m.type === 'state' && m.state === 'finished' && !finishing) {
        finishing = true;
        void finish();
      }
    });
    const exit = new Promise<MemberExit>((resolve) =>
      supervisor.once('exit', (e) =>
        resolve({
          code: e.code,
          signal: e.signal,
          expected: e.expected,
          ...(e.fatalError || startError ? { error: e.fatalError?.message ?? startError } : {}),
          lastLines: e.lastLines,
        }),
      ),
    );
    // A start that fails (version mismatch, timeout) must not leave a process; its exit says the rest.
    supervisor
      .start({
        config: withThreadShare(member.config, options.parallel?.() ?? 1),
        workDir: options.workDir,
        configFile: member.configSource,
        resumeRunId,
      })
      .catch((e: unknown) => {
        startError = (e as Error).message;
        supervisor.kill();
      });
    const pid = supervisor.pid;
    return {
      pid,
      exit,
      stop: async () => {
        await supervisor.stop();
      },
    };
  };
}
