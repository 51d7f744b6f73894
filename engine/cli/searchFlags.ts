// Command-line flags of `sparsity-lab search`, each mapped onto one config key, so a flag overrides
// exactly the setting of the same name in the config file.
import { InvalidArgumentError, type Command } from 'commander';

interface FlagSpec {
  flag: string;
  /** The config key; "imp.scope" names a key of the `imp` object. */
  key: string;
  help: string;
  parse?: (value: string) => unknown;
}

const int = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${flag} expects an integer, got "${value}"`);
  return n;
};
const num = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${flag} expects a number, got "${value}"`);
  return n;
};
const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
/** `--data mnist-bundled` or `--data '{"format":"cifar10","dir":"data/cifar"}'`. */
const dataSpec = (value: string): unknown => {
  if (value.trim().startsWith('{')) {
    try {
      return JSON.parse(value);
    } catch (e) {
      throw new InvalidArgumentError(`--data: not valid JSON (${(e as Error).message})`);
    }
  }
  return { format: value };
};

const FLAGS: FlagSpec[] = [
  { flag: '--model <name|model.json>', key: 'model', help: 'zoo model or path of a TF.js Layers model.json' },
  { flag: '--data <format|json>', key: 'data', help: 'mnist-bundled, or a JSON data spec', parse: dataSpec },
  {
    flag: '--include-layers <names>',
    key: 'includeLayers',
    help: 'only mask these layers (comma-separated)',
    parse: list,
  },
  {
    flag: '--exclude-layers <names>',
    key: 'excludeLayers',
    help: 'never mask these layers (comma-separated)',
    parse: list,
  },
  {
    flag: '--method <cs|imp>',
    key: 'method',
    help: 'cs (Continuous Sparsification) or imp (magnitude pruning)',
  },
  {
    flag: '--prune-fraction <x>',
    key: 'imp.pruneFraction',
    help: 'IMP: fraction of the remaining weights pruned each round',
    parse: num('--prune-fraction'),
  },
  { flag: '--prune-scope <layer|global>', key: 'imp.scope', help: 'IMP: prune each layer, or all at once' },
  { flag: '--rounds <n>', key: 'rounds', help: 'search rounds', parse: int('--rounds') },
  { flag: '--epochs <n>', key: 'epochsPerRound', help: 'epochs per round', parse: int('--epochs') },
  {
    flag: '--ticket-epochs <n>',
    key: 'ticketEpochs',
    help: 'epochs to retrain the ticket',
    parse: int('--ticket-epochs'),
  },
  { flag: '--batch-size <n>', key: 'batchSize', help: 'batch size', parse: int('--batch-size') },
  { flag: '--lr <x>', key: 'learningRate', help: 'learning rate of the weights', parse: num('--lr') },
  {
    flag: '--mask-lr <x>',
    key: 'maskLearningRate',
    help: 'learning rate of the mask logits',
    parse: num('--mask-lr'),
  },
  {
    flag: '--weight-decay <x>',
    key: 'weightDecay',
    help: 'weight decay (weights only)',
    parse: num('--weight-decay'),
  },
  { flag: '--lambda <x>', key: 'lambda', help: 'mask penalty weight', parse: num('--lambda') },
  { flag: '--mask-init <x>', key: 'maskInit', help: 's0: higher = denser ticket', parse: num('--mask-init') },
  {
    flag: '--final-temperature <x>',
    key: 'finalTemperature',
    help: 'temperature in the last epoch',
    parse: num('--final-temperature'),
  },
  {
    flag: '--rewind-epoch <n>',
    key: 'rewindEpoch',
    help: 'checkpoint at the start of this epoch (from 0)',
    parse: int('--rewind-epoch'),
  },
  {
    flag: '--rewind-iteration <n>',
    key: 'rewindIteration',
    help: 'checkpoint at this step instead',
    parse: int('--rewind-iteration'),
  },
  {
    flag: '--validation-size <n>',
    key: 'validationSize',
    help: 'training examples held out',
    parse: int('--validation-size'),
  },
  { flag: '--seed <n>', key: 'seed', help: 'random seed', parse: int('--seed') },
  { flag: '--backend <name>', key: 'backend', help: 'auto, tfjs-node-gpu, tfjs-node, webgpu, wasm or cpu' },
  {
    flag: '--native-backend-path <dir>',
    key: 'nativeBackendPath',
    help: 'folder whose node_modules has tfjs-node (or webgpu/node_modules, the WebGPU packages)',
  },
  {
    flag: '--stats-interval <ms>',
    key: 'statsIntervalMs',
    help: 'statistics interval',
    parse: int('--stats-interval'),
  },
  { flag: '--tickets-dir <dir>', key: 'ticketsDir', help: 'where tickets are exported' },
];

export function addSearchFlags(command: Command): Command {
  for (const f of FLAGS) {
    if (f.parse) command.option(f.flag, f.help, f.parse);
    else command.option(f.flag, f.help);
  }
  command.option('--dense-baseline', 'also train the dense network for comparison');
  command.option('--no-shuffle', 'keep the data order');
  return command;
}

/** Options commander parsed -> config keys. Only flags the user gave appear. */
export function flagsToConfig(options: Record<string, unknown>, command: Command): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const f of FLAGS) {
    const name = f.flag
      .split(' ')[0]
      .replace(/^--/, '')
      .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (command.getOptionValueSource(name) !== 'cli') continue;
    const [key, sub] = f.key.split('.');
    if (sub === undefined) config[key] = options[name];
    else config[key] = { ...(config[key] as Record<string, unknown> | undefined), [sub]: options[name] };
  }
  if (command.getOptionValueSource('denseBaseline') === 'cli') config.denseBaseline = true;
  if (command.getOptionValueSource('shuffle') === 'cli') config.shuffle = options.shuffle;
  return config;
}

/**
 * Flags over a config file: flags win key by key, and inside `imp` too, so `--prune-fraction` keeps the
 * file's `imp.scope`.
 */
export function mergeFlags(
  config: Record<string, unknown>,
  flags: Record<string, unknown>,
): Record<string, unknown> {
  const merged = { ...config, ...flags };
  const [fileImp, flagImp] = [config.imp, flags.imp];
  if (isPlainObject(fileImp) && isPlainObject(flagImp)) merged.imp = { ...fileImp, ...flagImp };
  return merged;
}

/** Whether a config error's field (e.g. "imp.scope") is a value the flags gave. */
export function flagsSetField(flags: Record<string, unknown>, field: string): boolean {
  const [key, sub] = field.split('.');
  if (!(key in flags)) return false;
  const value = flags[key];
  return key !== 'imp' || sub === undefined || !isPlainObject(value) || sub in value;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
