// The comparison card: CS tickets against IMP and the dense network, as a chart with a table beside it,
// and buttons that save the table as CSV and the chart as SVG or PNG (the host asks where and writes).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { Comparison, ComparisonFormat } from '../protocol/viewProtocol';
import { percent } from '../shared/format';
import { ComparisonChart, METHOD_NAMES } from './comparisonChart';
import { comparisonCsv, pngBase64, standaloneSvg, tableOrder } from './comparisonExport';
import { dataTable, el } from './dataTable';

export type SaveComparison = (format: ComparisonFormat, content: string) => void;

export class ComparisonCard {
  readonly element: HTMLElement;
  private readonly title = el('h2', 'Tickets: CS against IMP');
  private readonly subtitle = el('div', undefined, 'muted comparison-subtitle');
  private readonly chart = new ComparisonChart();
  private readonly tableHolder = el('div', undefined, 'comparison-table');
  private readonly error = el('div', undefined, 'comparison-error');
  private comparison: Comparison | null = null;

  constructor(private readonly save: SaveComparison) {
    this.element = el('section', undefined, 'card comparison');
    this.element.setAttribute('aria-label', 'Comparison of tickets');
    this.element.hidden = true;
    const actions = el('div', undefined, 'comparison-actions');
    for (const format of ['csv', 'svg', 'png'] as const) {
      const button = el('vscode-button', `Export ${format.toUpperCase()}`);
      button.setAttribute('secondary', '');
      button.dataset.format = format;
      button.addEventListener('click', () => void this.export(format));
      actions.append(button);
    }
    const body = el('div', undefined, 'comparison-body');
    body.append(this.chart.element, this.tableHolder);
    const head = el('div', undefined, 'comparison-head');
    head.append(this.title, actions);
    this.element.append(head, this.subtitle, body, this.error);
  }

  draw(comparison: Comparison | null): void {
    this.comparison = comparison;
    this.element.hidden = comparison === null;
    if (!comparison) return;
    const running = comparison.running ? ` · ${comparison.running} still running` : '';
    this.subtitle.textContent = `${comparison.title}${running}`;
    this.chart.draw(comparison);
    const rows = tableOrder(comparison.points).map((p) => [
      METHOD_NAMES[p.method],
      p.label,
      percent(p.keptFraction, 2),
      percent(p.testAccuracy, 2),
    ]);
    if (comparison.denseTestAccuracy !== null)
      rows.push(['dense', 'all weights', '100.00%', percent(comparison.denseTestAccuracy, 2)]);
    this.tableHolder.replaceChildren(
      dataTable(
        [
          { name: 'Method', width: '18%' },
          { name: 'Ticket', width: '34%' },
          { name: 'Kept', width: '24%', numeric: true },
          { name: 'Test acc.', width: '24%', numeric: true },
        ],
        rows,
        'comparison-row',
      ),
    );
  }

  /** Redraws at the card's new width. */
  resize(): void {
    if (this.comparison) this.chart.draw(this.comparison);
  }

  private async export(format: ComparisonFormat): Promise<void> {
    const comparison = this.comparison;
    if (!comparison) return;
    this.error.textContent = '';
    try {
      if (format === 'csv') return this.save('csv', comparisonCsv(comparison));
      const svg = standaloneSvg(this.chart.svg);
      if (format === 'svg') return this.save('svg', svg);
      const width = Number(this.chart.svg.getAttribute('width'));
      const height = Number(this.chart.svg.getAttribute('height'));
      this.save('png', await pngBase64(svg, width, height));
    } catch (e) {
      this.error.textContent = `Could not export the ${format.toUpperCase()}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}
