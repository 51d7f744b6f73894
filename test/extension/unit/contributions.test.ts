// package.json's contributions against the code: every contributed command is registered and every
// registered one contributed, menus name real commands, when clauses use context keys the extension
// sets, and the settings are the ones the code reads.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BACKENDS } from '../../../engine/config/configSchema';

const root = path.resolve(__dirname, '../../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Command {
  command: string;
  title: string;
  category?: string;
  enablement?: string;
}
interface MenuItem {
  command: string;
  when?: string;
}
interface Manifest {
  main: string;
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: string; description: string } };
  contributes: {
    commands: Command[];
    menus: Record<string, MenuItem[]>;
    viewsContainers: { activitybar: { id: string; icon: string }[] };
    views: Record<string, { id: string; name: string }[]>;
    configuration: { properties: Record<string, { enum?: string[] }> };
    jsonValidation: { fileMatch: string[]; url: string }[];
  };
}

const manifest = JSON.parse(read('package.json')) as Manifest;
const { contributes } = manifest;
const contributed = contributes.commands.map((c) => c.command);
const registered = [...read('extension/extension.ts').matchAll(/command\('(sparsityLab\.\w+)'/g)].map(
  (m) => m[1],
);
const contextKeys = [...read('extension/status/contextKeys.ts').matchAll(/'(sparsityLab\.\w+)'/g)].map(
  (m) => m[1],
);
/** Commands that make sense at any time: no clause needed. */
const ALWAYS = [
  'sparsityLab.openDashboard',
  'sparsityLab.showLog',
  // Needs no folder; in an untrusted workspace it stays listed and says why it refuses.
  'sparsityLab.installNativeBackend',
];

describe('package.json contributions', () => {
  it('registers exactly the contributed commands, all under the "Sparsity Lab" category', () => {
    assert.deepEqual([...registered].sort(), [...contributed].sort());
    for (const c of contributes.commands) assert.equal(c.category, 'Sparsity Lab', c.command);
  });

  it('gives every command that can be unavailable an enablement or a palette when clause', () => {
    const palette = new Map(contributes.menus.commandPalette.map((m) => [m.command, m.when]));
    for (const c of contributes.commands) {
      if (ALWAYS.includes(c.command)) continue;
      assert.ok(c.enablement || palette.get(c.command), `${c.command} has no clause`);
    }
  });

  it('names only contributed commands in menus, and only context keys the extension sets', () => {
    const clauses: string[] = contributes.commands.map((c) => c.enablement ?? '');
    for (const [menu, items] of Object.entries(contributes.menus)) {
      for (const item of items) {
        assert.ok(contributed.includes(item.command), `${menu}: ${item.command}`);
        clauses.push(item.when ?? '');
      }
    }
    const viewIds = Object.values(contributes.views)
      .flat()
      .map((v) => v.id);
    for (const clause of clauses) {
      for (const [key] of clause.matchAll(/sparsityLab\.\w+/g)) {
        assert.ok(
          contextKeys.includes(key) || viewIds.includes(key),
          `unknown context key ${key} in "${clause}"`,
        );
      }
    }
    assert.deepEqual([...contextKeys].sort(), [
      'sparsityLab.canExport',
      'sparsityLab.canRewind',
      'sparsityLab.state',
    ]);
  });

  it('offers "Open in Dashboard" on every run item, and not in the palette (it needs a run)', () => {
    const id = 'sparsityLab.openRunInDashboard';
    const c = contributes.commands.find((x) => x.command === id);
    assert.equal(c?.title, 'Open in Dashboard');
    assert.equal(c?.category, 'Sparsity Lab');
    assert.deepEqual(
      contributes.menus.commandPalette.filter((m) => m.command === id).map((m) => m.when),
      ['false'],
    );
    const items = contributes.menus['view/item/context'].filter((m) => m.command === id);
    assert.ok(items.some((m) => (m as { group?: string }).group === 'inline'));
    for (const m of items) {
      const match = /viewItem =~ \/(.+)\/$/.exec(m.when ?? '');
      assert.ok(match, m.when);
      const re = new RegExp(match[1]);
      for (const value of ['run', 'run.live', 'run.resumable']) assert.ok(re.test(value), value);
      for (const value of ['snapshot', 'ticket', 'runs']) assert.ok(!re.test(value), value);
    }
    assert.match(read('extension/runs/runsTreeProvider.ts'), /command: 'sparsityLab\.openRunInDashboard'/);
  });

  it('has a view container with an icon that exists, holding the Runs and Layer Sparsity views', () => {
    const [container] = contributes.viewsContainers.activitybar;
    assert.ok(existsSync(path.join(root, container.icon)), container.icon);
    assert.deepEqual(
      contributes.views[container.id].map((v) => [v.id, v.name]),
      [
        ['sparsityLab.runs', 'Runs'],
        ['sparsityLab.layerSparsity', 'Layer Sparsity'],
      ],
    );
  });

  it('activates on config files and the view, starts from dist/extension.js', () => {
    assert.equal(manifest.main, './dist/extension.js');
    assert.ok(manifest.activationEvents.includes('workspaceContains:**/sparsity.json'));
    assert.ok(manifest.activationEvents.includes('onView:sparsityLab.runs'));
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  it('validates sparsity.json and *.sparsity.json against the built schema', () => {
    assert.deepEqual(contributes.jsonValidation, [
      { fileMatch: ['sparsity.json', '*.sparsity.json'], url: './dist/sparsity.schema.json' },
    ]);
  });

  it("contributes the five settings the code reads, with the engine's backends", () => {
    const settings = Object.keys(contributes.configuration.properties).sort();
    assert.deepEqual(settings, [
      'sparsityLab.backend',
      'sparsityLab.nativeBackendPath',
      'sparsityLab.statsIntervalMs',
      'sparsityLab.threads',
      'sparsityLab.ticketsFolder',
    ]);
    assert.deepEqual(contributes.configuration.properties['sparsityLab.backend'].enum, [...BACKENDS]);
    const readKeys = [...read('extension/config/settings.ts').matchAll(/get<unknown>\('(\w+)'\)/g)].map(
      (m) => `sparsityLab.${m[1]}`,
    );
    assert.deepEqual(readKeys.sort(), settings);
  });
});
