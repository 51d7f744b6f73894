// The comparison as files: the table as CSV, the chart as a standalone SVG (theme colours and fonts
// written into it, since the file leaves the page whose CSS variables drew it) and as a PNG drawn from
// that SVG at twice the size for sharp slides.
import type { Comparison, ComparisonPoint } from '../protocol/viewProtocol';
import { METHOD_NAMES } from './comparisonChart';

/** Quotes a CSV field when it needs it (RFC 4180). */
const csvField = (value: string | number): string => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The order the table and the CSV list tickets in: CS first, then IMP; densest first within each. */
export const tableOrder = (points: readonly ComparisonPoint[]): ComparisonPoint[] =>
  [...points].sort((a, b) => a.method.localeCompare(b.method) || b.keptFraction - a.keptFraction);

/** One row per ticket in table order, then the dense network if known. */
export function comparisonRows(comparison: Comparison): (string | number)[][] {
  const rows = tableOrder(comparison.points).map((p) => [
    METHOD_NAMES[p.method],
    p.label,
    p.runId,
    p.round,
    p.keptFraction,
    p.testAccuracy,
  ]);
  if (comparison.denseTestAccuracy !== null)
    rows.push(['dense', 'all weights', '', '', 1, comparison.denseTestAccuracy]);
  return rows;
}

export const CSV_HEADER = ['method', 'ticket', 'run', 'round', 'density', 'test_accuracy'];

export function comparisonCsv(comparison: Comparison): string {
  return (
    [CSV_HEADER, ...comparisonRows(comparison)].map((row) => row.map(csvField).join(',')).join('\n') + '\n'
  );
}

/** Presentation attributes that carry the computed look of each element into the file. */
const CARRIED = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity', 'font-family', 'font-size'];

/**
 * The chart's SVG as a file of its own: every element gets its computed colours and font as
 * presentation attributes (attributes, not style: the page's CSP forbids inline styles), on a
 * background of the editor's colour.
 */
export function standaloneSvg(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const source = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const target = [clone, ...Array.from(clone.querySelectorAll('*'))];
  source.forEach((element, i) => {
    const computed = getComputedStyle(element);
    for (const name of CARRIED) {
      const value = computed.getPropertyValue(name);
      if (value) target[i].setAttribute(name, value);
    }
    // What d3 set through the CSSOM names the page's CSS variables; the computed values replace it.
    target[i].removeAttribute('style');
  });
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const background = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', getComputedStyle(document.body).backgroundColor || '#ffffff');
  clone.insertBefore(background, clone.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}\n`;
}

/** The standalone SVG drawn on a canvas at `scale`, as base64 PNG data (no data: prefix). */
export async function pngBase64(svgText: string, width: number, height: number, scale = 2): Promise<string> {
  const image = new Image();
  const loaded = new Promise<void>((resolve, reject) => {
    image.onload = () => resolve();
    image.onerror = () => reject(new Error('the chart could not be drawn as an image'));
  });
  // A data: URL, which the page's CSP allows for images.
  image.src = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svgText)))}`;
  await loaded;
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.scale(scale, scale);
  ctx.drawImage(image, 0, 0, width, height);
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}
