// Everything between "here is a config" and "a session ready to run": validation, data, model, masks,
// the run folder, and for a resume, the run's own config and last snapshot.
import * as path from 'node:path';
import type { SearchConfig } from '../config/configSchema';
import { checkConfigAgainstData, resolveConfig } from '../config/resolveConfig';
import type { BackendReport, EngineMessage } from '../protocol/engineProtocol';
import { RunStore } from '../runs/runStore';
import { ENGINE_VERSION } from '../version';
import { prepareData, prepareModel } from './prepareRun';
import { SearchSession } from './searchSession';

export interface OpenRequest {
  /** Raw settings (config file merged with flags); ignored when resuming, which uses the run's own. */
  config: Record<string, unknown>;
  /** Named in config errors: the config file, or "flags". */
  configSource: string;
  workDir: string;
  resumeRunId?: string;
  /** Picks (or confirms) the backend once the config is known. */
  chooseBackend: (config: SearchConfig) => Promise<BackendReport>;
  emit: (message: EngineMessage) => void;
  log: (message: string) => void;
}

export interface OpenedSession {
  session: SearchSession;
  config: SearchConfig;
  resumed: boolean;
  dataDescription: string;
  modelDescription: string;
  backend: BackendReport;
}

export function runsRoot(config: SearchConfig, workDir: string): string {
  return path.resolve(workDir, config.runsDir);
}

export async function openSession(req: OpenRequest): Promise<OpenedSession> {
  let config = resolveConfig(req.config, req.configSource);
  let configSource = req.configSource;
  let store: RunStore | null = null;
  if (req.resumeRunId) {
    store = RunStore.open(runsRoot(config, req.workDir), req.resumeRunId);
    configSource = path.join(store.dir, 'config.json');
    config = resolveConfig(store.readConfig(), configSource);
  }
  const backend = await req.chooseBackend(config);
  req.log('loading data...');
  const data = await prepareData(config, req.workDir);
  req.log(
    `data: ${data.description}; ${data.train.count} train / ${data.validation.count} validation / ${data.test.count} test`,
  );
  checkConfigAgainstData(config, data.train.count, configSource);
  const model = await prepareModel(config, req.workDir, data);
  const maskedCount = model.masked.masked.reduce((a, k) => a + k.size, 0);
  req.log(
    `model: ${model.built.description}; ${model.masked.masked.length} masked layers, ${maskedCount.toLocaleString('en-US')} masked weights`,
  );
  store ??= await RunStore.create(runsRoot(config, req.workDir), config);
  const session = new SearchSession({
    config,
    workDir: req.workDir,
    backend,
    data,
    model,
    store,
    engineVersion: ENGINE_VERSION,
    emit: req.emit,
  });
  if (req.resumeRunId) await session.restoreLatest();
  else await session.begin();
  return {
    session,
    config,
    resumed: Boolean(req.resumeRunId),
    dataDescription: data.description,
    modelDescription: model.built.description,
    backend,
  };
}
