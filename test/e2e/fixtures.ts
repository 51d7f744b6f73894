// What the end-to-end workspaces hold; shared by the driver side and the in-host tests.

export { TINY_CONFIG } from '../support/tinySearch';

export const configText = (config: object) => `${JSON.stringify(config, null, 2)}\n`;

/** The extension's id in VS Code: publisher.name from package.json. */
export const EXTENSION_ID = 'sparsity-lab.sparsity-lab';
