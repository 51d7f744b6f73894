// The real supervisor factory: every engine is dist/engine.js of this extension's install.
import * as path from 'node:path';
import { EngineSupervisor } from '../engine/engineSupervisor';
import type { SupervisorFactory } from './runManager';

export function engineSupervisorFactory(extensionPath: string): SupervisorFactory {
  const enginePath = path.join(extensionPath, 'dist', 'engine.js');
  return (options) => new EngineSupervisor({ ...options, enginePath });
}
