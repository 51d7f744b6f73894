// The engine's version is the package's: one number for the extension, the engine and its tickets.
import packageJson from '../package.json';

export const ENGINE_VERSION: string = packageJson.version;
