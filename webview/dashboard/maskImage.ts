// The selected layer's binary mask as an image, one canvas pixel per weight (see maskLayout), scaled
// up by CSS with sharp edges: kept weights in the foreground colour, pruned ones transparent over the
// card. It changes when the host sends the mask of the last epoch end.
import type { MaskBitmap } from '../protocol/viewProtocol';
import { count, percent } from '../shared/format';
import { parseColor, themeColor } from '../shared/theme';
import { isGap, maskLayout } from './maskLayout';

export class MaskImage {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly caption: HTMLElement;
  private readonly note: HTMLElement;

  constructor() {
    this.element = document.createElement('figure');
    this.element.className = 'chart mask-image';
    this.caption = document.createElement('figcaption');
    this.caption.textContent = 'Binary mask (s > 0)';
    this.canvas = document.createElement('canvas');
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.note = document.createElement('div');
    this.note.className = 'readout muted';
    this.element.append(this.caption, this.canvas, this.note);
  }

  draw(mask: MaskBitmap | null, layer: string | undefined): void {
    if (!mask || mask.layer !== layer) {
      this.canvas.hidden = true;
      this.caption.textContent = layer ? `Binary mask of ${layer} (s > 0)` : 'Binary mask (s > 0)';
      this.note.textContent = layer
        ? 'The mask appears at the next epoch end (it is read from the run’s latest snapshot).'
        : '';
      return;
    }
    this.canvas.hidden = false;
    const layout = maskLayout(mask.shape);
    this.canvas.width = layout.width;
    this.canvas.height = layout.height;
    const bits = Uint8Array.from(atob(mask.bits), (c) => c.charCodeAt(0));
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(layout.width, layout.height);
    const fg = parseColor(themeColor('--vscode-charts-blue', '#1a85ff'));
    const grid = parseColor(themeColor('--vscode-foreground', '#808080'));
    if (mask.shape.length === 4) {
      for (let y = 0; y < layout.height; y++)
        for (let x = 0; x < layout.width; x++) {
          if (!isGap(mask.shape, x, y)) continue;
          const o = (y * layout.width + x) * 4;
          image.data.set([grid.r, grid.g, grid.b, 60], o);
        }
    }
    for (let i = 0; i < layout.pixelOf.length; i++) {
      if ((bits[i >> 3] & (0x80 >> (i & 7))) === 0) continue;
      const o = layout.pixelOf[i] * 4;
      image.data[o] = fg.r;
      image.data[o + 1] = fg.g;
      image.data[o + 2] = fg.b;
      image.data[o + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    // Square pixels, fitting the card's width and at most 400 pixels tall; a large kernel is shrunk.
    const scale = Math.min(8, 400 / layout.height, (this.element.clientWidth || 360) / layout.width);
    this.canvas.style.width = `${layout.width * scale}px`;
    this.canvas.style.height = `${layout.height * scale}px`;
    this.canvas.dataset.kept = String(mask.kept);
    const total = mask.shape.reduce((a, b) => a * b, 1);
    const how =
      mask.shape.length === 4
        ? `${mask.shape[2]} input × ${mask.shape[3]} output channels of ${mask.shape[0]}×${mask.shape[1]} tiles`
        : `${mask.shape[0]} inputs (rows) × ${mask.shape[mask.shape.length - 1]} outputs (columns)`;
    this.caption.textContent = `Binary mask of ${mask.layer} (s > 0)${mask.step === null ? '' : ` at step ${mask.step}`}`;
    const text = `${count(mask.kept)} of ${count(total)} weights kept (${percent(total ? mask.kept / total : 0)}); ${how}.`;
    this.note.textContent = text;
    this.canvas.setAttribute('aria-label', `Mask image of ${mask.layer}: ${text}`);
  }
}
