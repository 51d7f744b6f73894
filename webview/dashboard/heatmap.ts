// Layers x time: one canvas pixel per layer (row, in model order) and stored time column, scaled up by
// CSS with sharp edges. Colour runs from the editor background (nothing kept) to the charts' blue (all
// kept). A pointer or the arrow keys pick a cell, whose values are read out below; a click or Enter
// selects that layer for the histogram and mask.
import type { LayerColumn, LayerMeta, Mark } from '../protocol/viewProtocol';
import { percent } from '../shared/format';
import { mix, parseColor, themeColor, type Rgb } from '../shared/theme';

export class Heatmap {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly marksLayer: HTMLElement;
  private readonly readout: HTMLElement;
  private readonly axis: HTMLElement;
  private layers: LayerMeta[] = [];
  private columns: LayerColumn[] = [];
  private marks: Mark[] = [];
  private cell: { row: number; col: number } | null = null;

  constructor(private readonly onSelect: (layer: string) => void) {
    this.element = document.createElement('figure');
    this.element.className = 'chart heatmap';
    const caption = document.createElement('figcaption');
    caption.textContent = 'Kept fraction per layer over time';
    const legend = document.createElement('div');
    legend.className = 'legend heat-legend';
    const lo = document.createElement('span');
    lo.textContent = '0%';
    const ramp = document.createElement('span');
    ramp.className = 'heat-ramp';
    const hi = document.createElement('span');
    hi.textContent = '100% kept';
    legend.append(lo, ramp, hi);
    const frame = document.createElement('div');
    frame.className = 'heat-frame';
    this.canvas = document.createElement('canvas');
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.marksLayer = document.createElement('div');
    this.marksLayer.className = 'heat-marks';
    frame.append(this.canvas, this.marksLayer);
    this.axis = document.createElement('div');
    this.axis.className = 'heat-axis muted';
    this.readout = document.createElement('div');
    this.readout.className = 'readout muted';
    this.readout.setAttribute('aria-live', 'polite');
    this.element.append(caption, legend, frame, this.axis, this.readout);
    this.canvas.addEventListener('pointermove', (e) => this.onPointer(e));
    this.canvas.addEventListener('click', (e) => {
      this.onPointer(e);
      if (this.cell) this.onSelect(this.layers[this.cell.row].name);
    });
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
  }

  setData(layers: LayerMeta[], columns: LayerColumn[], marks: Mark[]): void {
    this.layers = layers;
    this.columns = columns;
    this.marks = marks;
  }

  draw(): void {
    const rows = this.layers.length;
    const cols = this.columns.length;
    this.canvas.width = Math.max(1, cols);
    this.canvas.height = Math.max(1, rows);
    this.canvas.dataset.rows = String(rows);
    this.canvas.dataset.columns = String(cols);
    // A few layers get tall rows; 500 layers still fit in 500 pixels (a row is at least one).
    const rowHeight = rows ? Math.max(1, Math.min(36, Math.floor(240 / rows))) : 14;
    this.canvas.style.height = `${Math.max(14, rows * rowHeight)}px`;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(Math.max(1, cols), Math.max(1, rows));
    const empty = parseColor(themeColor('--vscode-editor-background', '#ffffff'));
    const full = parseColor(themeColor('--vscode-charts-blue', '#1a85ff'));
    const palette = buildPalette(empty, full);
    for (let c = 0; c < cols; c++) {
      const fractions = this.columns[c].fractions;
      for (let r = 0; r < rows; r++) {
        const f = fractions[r] ?? 0;
        const color = palette[Math.round(Math.max(0, Math.min(1, f)) * 255)];
        const o = (r * cols + c) * 4;
        image.data[o] = color.r;
        image.data[o + 1] = color.g;
        image.data[o + 2] = color.b;
        image.data[o + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
    this.drawMarks();
    const first = this.columns[0]?.step ?? 0;
    const last = this.columns[cols - 1]?.step ?? 0;
    this.axis.textContent = cols ? `training step ${first} → ${last} · ${rows} layers, first at the top` : '';
    this.canvas.setAttribute(
      'aria-label',
      `Heatmap of the kept fraction of ${rows} layers over ${cols} times. ${this.describe()}`,
    );
    this.readout.textContent = this.describe();
  }

  /** Round and phase boundaries, placed at the column of their step. */
  private drawMarks(): void {
    const cols = this.columns.length;
    this.marksLayer.replaceChildren(
      ...this.marks.flatMap((mark) => {
        const col = this.columns.findIndex((c) => c.step >= mark.step);
        if (col < 0 || cols < 2) return [];
        const rule = document.createElement('span');
        rule.className = `heat-mark mark-${mark.kind}`;
        rule.style.left = `${(col / cols) * 100}%`;
        rule.title = `${mark.label} (step ${mark.step})`;
        return [rule];
      }),
    );
  }

  private describe(): string {
    if (!this.cell)
      return 'Point at a cell, or focus the map and use the arrow keys; Enter selects the layer.';
    const { row, col } = this.cell;
    const layer = this.layers[row];
    const column = this.columns[col];
    if (!layer || !column) return '';
    return `${layer.name} at step ${column.step}: ${percent(column.fractions[row] ?? 0)} kept.`;
  }

  private onPointer(e: MouseEvent): void {
    const box = this.canvas.getBoundingClientRect();
    if (!this.layers.length || !this.columns.length || box.width === 0) return;
    const col = Math.min(
      this.columns.length - 1,
      Math.floor(((e.clientX - box.left) / box.width) * this.columns.length),
    );
    const row = Math.min(
      this.layers.length - 1,
      Math.floor(((e.clientY - box.top) / box.height) * this.layers.length),
    );
    this.cell = { row: Math.max(0, row), col: Math.max(0, col) };
    this.readout.textContent = this.describe();
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.layers.length || !this.columns.length) return;
    const cell = this.cell ?? { row: 0, col: this.columns.length - 1 };
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    if (e.key in moves) {
      const [dr, dc] = moves[e.key];
      this.cell = {
        row: Math.max(0, Math.min(this.layers.length - 1, cell.row + dr)),
        col: Math.max(0, Math.min(this.columns.length - 1, cell.col + dc)),
      };
    } else if (e.key === 'Enter' || e.key === ' ') {
      this.cell = cell;
      this.onSelect(this.layers[cell.row].name);
    } else return;
    e.preventDefault();
    this.readout.textContent = this.describe();
  }
}

/** 256 colours from `empty` to `full`, so a cell costs a lookup, not a mix. */
export function buildPalette(empty: Rgb, full: Rgb): Rgb[] {
  return Array.from({ length: 256 }, (_, i) => {
    const c = mix(empty, full, i / 255);
    return { r: Math.round(c.r), g: Math.round(c.g), b: Math.round(c.b) };
  });
}
