// One horizontal bar per masked layer, in model order: the bar's filled part is the layer's kept
// fraction. Rows are built once per run's layer list and only their widths and numbers change after.
// The list is one tab stop (arrow keys move between layers, Enter opens the dashboard on one).
import type { LayerMeta } from '../protocol/viewProtocol';
import { count, percent } from '../shared/format';

export class LayerBars {
  readonly element: HTMLElement;
  private rows: { row: HTMLElement; fill: HTMLElement; value: HTMLElement }[] = [];
  private layers: LayerMeta[] = [];
  private active = 0;
  private kept: number[] | undefined;

  constructor(private readonly onOpen: (layer: string) => void) {
    this.element = document.createElement('div');
    this.element.className = 'layer-bars';
    this.element.setAttribute('role', 'listbox');
    this.element.setAttribute(
      'aria-label',
      'Kept fraction per layer; Enter opens the layer in the dashboard',
    );
    this.element.addEventListener('keydown', (e) => this.onKey(e));
  }

  setLayers(layers: LayerMeta[]): void {
    this.layers = layers;
    this.active = Math.min(this.active, Math.max(0, layers.length - 1));
    this.rows = layers.map((layer, i) => {
      const row = document.createElement('div');
      row.className = 'layer-row';
      row.id = `layer-${i}`;
      row.setAttribute('role', 'option');
      row.tabIndex = i === this.active ? 0 : -1;
      row.dataset.layer = layer.name;
      const name = document.createElement('span');
      name.className = 'layer-name';
      name.textContent = layer.name;
      const track = document.createElement('span');
      track.className = 'bar-track';
      const fill = document.createElement('span');
      fill.className = 'bar-fill';
      track.append(fill);
      const value = document.createElement('span');
      value.className = 'layer-value';
      row.append(name, track, value);
      const describe = () => (row.title = this.describe(i));
      row.addEventListener('pointerenter', describe);
      row.addEventListener('focus', describe);
      row.addEventListener('click', () => {
        this.focusRow(i);
        this.onOpen(layer.name);
      });
      return { row, fill, value };
    });
    this.element.replaceChildren(...this.rows.map((r) => r.row));
  }

  /** `kept` per layer in the order of setLayers; undefined before the first statistics. */
  update(kept: number[] | undefined): void {
    this.kept = kept;
    this.rows.forEach(({ row, fill, value }, i) => {
      const layer = this.layers[i];
      const k = kept?.[i];
      const fraction = k !== undefined && layer.total > 0 ? k / layer.total : undefined;
      // A transform, not a width: it changes no layout, so 500 bars redraw without reflowing the list.
      // It goes through the CSSOM, which the page's CSP allows (style attributes it would not).
      fill.style.transform = `scaleX(${fraction ?? 0})`;
      fill.dataset.fraction = fraction === undefined ? '' : String(fraction);
      // Text is written only when it reads differently: most messages move a layer by less than 0.1%.
      const text = fraction === undefined ? '–' : percent(fraction);
      if (value.textContent !== text) {
        value.textContent = text;
        row.setAttribute(
          'aria-label',
          `${layer.name}: ${fraction === undefined ? 'no statistics yet' : `${text} kept`}`,
        );
      }
    });
  }

  /** The hover text (kept / total) is made when asked for, not on every message. */
  private describe(i: number): string {
    const layer = this.layers[i];
    const k = this.kept?.[i];
    const detail = k === undefined ? 'no statistics yet' : `${count(k)} / ${count(layer.total)} weights kept`;
    return `${layer.name} (${layer.kind} ${layer.shape.join('×')}): ${detail}`;
  }

  private focusRow(i: number): void {
    const previous = this.rows[this.active];
    if (previous) previous.row.tabIndex = -1;
    this.active = i;
    const current = this.rows[i];
    if (!current) return;
    current.row.tabIndex = 0;
    current.row.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const last = this.rows.length - 1;
    const moves: Record<string, number> = {
      ArrowDown: this.active + 1,
      ArrowUp: this.active - 1,
      Home: 0,
      End: last,
      PageDown: this.active + 10,
      PageUp: this.active - 10,
    };
    if (e.key in moves) {
      e.preventDefault();
      this.focusRow(Math.max(0, Math.min(last, moves[e.key])));
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      const layer = this.layers[this.active];
      if (layer) this.onOpen(layer.name);
    }
  }
}
