// The Layer Sparsity view's page: overall kept % and temperature at the top, a bar per layer below,
// or an empty state with a Start button when nothing runs. It draws what the host sends and posts
// commands; it holds no training logic.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import { isToViewMessage } from '../protocol/viewProtocol';
import { percent, temperature } from '../shared/format';
import { FrameScheduler } from '../shared/frameScheduler';
import { adoptStyles } from '../shared/styles';
import { vscodeApi } from '../shared/vscodeApi';
import { ViewStore } from '../shared/viewStore';
import baseCss from '../styles/base.css';
import sidebarCss from '../styles/sidebar.css';
import { LayerBars } from './layerBars';

adoptStyles(baseCss, sidebarCss);

const vscode = vscodeApi((_value: unknown): _value is never => false);
const store = new ViewStore();
const root = document.getElementById('root') ?? document.body;

const header = document.createElement('header');
header.className = 'summary';
const state = document.createElement('vscode-badge');
state.className = 'state';
const kept = document.createElement('span');
kept.className = 'overall-kept';
const temp = document.createElement('span');
temp.className = 'temperature';
header.append(state, kept, temp);

const empty = document.createElement('section');
empty.className = 'empty';
// Until the host's snapshot says nothing runs, there is nothing to say: no half-filled empty state.
empty.hidden = true;
const emptyText = document.createElement('p');
const startButton = document.createElement('vscode-button');
startButton.textContent = 'Start Ticket Search';
startButton.addEventListener('click', () => vscode.postMessage({ type: 'command', command: 'start' }));
empty.append(emptyText, startButton);

const bars = new LayerBars((layer) => vscode.postMessage({ type: 'selectLayer', layer }));
root.append(header, empty, bars.element);

function render(): void {
  const dirty = store.takeDirty();
  root.setAttribute('aria-busy', String(!store.loaded));
  const { status, history } = store;
  const hasLayers = history.layers.length > 0;
  const running = status !== null && status.state !== 'idle' && status.state !== 'failed';
  const showEmpty = store.loaded && !hasLayers;
  empty.hidden = !showEmpty;
  bars.element.hidden = !hasLayers;
  header.hidden = status === null;
  if (showEmpty) {
    emptyText.textContent = running
      ? 'The search is starting; its layers appear with the first statistics.'
      : store.canStart
        ? 'No ticket search is running. A search trains the network with Continuous Sparsification and shows here how much of each layer it keeps.'
        : 'Open a folder to search for lottery tickets.';
    startButton.hidden = running || !store.canStart;
  }
  if (status) {
    state.textContent = status.state;
    state.title = status.summary;
    const fraction = history.latest?.keptFraction ?? status.keptFraction;
    kept.textContent = fraction === null || fraction === undefined ? '' : `${percent(fraction)} kept`;
    const t = history.latest?.temperature ?? status.temperature;
    temp.textContent = t === null || t === undefined ? '' : `T = ${temperature(t)}`;
    temp.title = 'Temperature of the soft mask sigmoid(T·s); it rises through each round';
  }
  if (dirty.has('layers')) bars.setLayers(history.layers);
  if (dirty.has('layers') || dirty.has('stats')) bars.update(history.latest?.kept);
}

const scheduler = new FrameScheduler(render);
window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isToViewMessage(event.data)) return;
  store.apply(event.data);
  scheduler.request();
});
vscode.postMessage({ type: 'ready' });
