// Test accuracy of each ticket against its density, on a log axis of weights kept (100% on the left,
// sparser to the right, as the lottery-ticket papers draw it): the CS tickets of a sweep as points,
// IMP round by round as a line, and the dense network as a dashed level. The table beside it holds the
// same numbers for reading and for screen readers.
import { axisBottom, axisLeft, line, scaleLinear, scaleLog, select } from 'd3';
import type { Comparison, ComparisonPoint } from '../protocol/viewProtocol';
import { percent } from '../shared/format';
import { legendItem } from './legend';
import { leftAxisLabel } from './axisLabel';

const MARGIN = { top: 12, right: 20, bottom: 40, left: 56 };
const SVG_NS = 'http://www.w3.org/2000/svg';

/** A VS Code theme colour per series, so the chart follows the theme. */
export const SERIES_COLORS = {
  cs: '--vscode-charts-blue',
  imp: '--vscode-charts-orange',
  dense: '--vscode-charts-green',
} as const;

export const METHOD_NAMES = { cs: 'CS', imp: 'IMP' } as const;

/**
 * Density ticks that read well on a log axis: 100%, 50%, 20%, 10%, 5%, ... down to the data; finer
 * steps when the data spans less than a decade, so the axis always has a few labels.
 */
export function densityTicks(min: number): number[] {
  const ticksWith = (steps: number[]) => {
    const ticks: number[] = [];
    for (let decade = 1; decade >= min / 10 && decade > 1e-6; decade /= 10) {
      for (const f of steps) {
        const t = decade * f;
        if (t >= min * 0.999 && t <= 1) ticks.push(t);
      }
    }
    return ticks;
  };
  const coarse = ticksWith([1, 0.5, 0.2]);
  return coarse.length >= 4 ? coarse : ticksWith([1, 0.7, 0.5, 0.3, 0.2, 0.15]);
}

export class ComparisonChart {
  readonly element: HTMLElement;
  readonly svg: SVGSVGElement;
  private readonly legend: HTMLElement;
  private readonly note: HTMLElement;

  constructor() {
    this.element = document.createElement('figure');
    this.element.className = 'chart comparison-chart';
    const caption = document.createElement('figcaption');
    caption.textContent = 'Test accuracy against weights kept';
    this.legend = document.createElement('div');
    this.legend.className = 'legend';
    this.svg = document.createElementNS(SVG_NS, 'svg');
    this.svg.setAttribute('role', 'img');
    this.note = document.createElement('div');
    this.note.className = 'readout muted comparison-note';
    this.element.append(caption, this.legend, this.svg, this.note);
  }

  draw(comparison: Comparison): void {
    const width = Math.max(300, this.element.clientWidth || 520);
    const height = 280;
    const svg = select(this.svg)
      .attr('width', width)
      .attr('height', height)
      .attr('viewBox', `0 0 ${width} ${height}`);
    svg.selectAll('*').remove();
    const innerW = width - MARGIN.left - MARGIN.right;
    const innerH = height - MARGIN.top - MARGIN.bottom;
    const { denseTestAccuracy } = comparison;
    // A ticket that keeps no weight has no place on a log axis; the table and the note below list it.
    const points = comparison.points.filter((p) => p.keptFraction > 0);
    const left = comparison.points.length - points.length;
    this.note.textContent = left
      ? `${left} ticket${left > 1 ? 's keep' : ' keeps'} no weights and ${left > 1 ? 'are' : 'is'} not drawn (see the table).`
      : '';
    const densities = points.map((p) => p.keptFraction);
    const minDensity = Math.min(0.5, ...densities);
    // Sparser to the right: the domain runs from all weights down to a little below the sparsest ticket.
    const x = scaleLog()
      .domain([1, minDensity * 0.8])
      .range([0, innerW]);
    const accuracies = [
      ...points.map((p) => p.testAccuracy),
      ...(denseTestAccuracy === null ? [] : [denseTestAccuracy]),
    ];
    const lo = accuracies.length ? Math.min(...accuracies) : 0;
    const hi = accuracies.length ? Math.max(...accuracies) : 1;
    const pad = Math.max(0.01, (hi - lo) * 0.15);
    const y = scaleLinear()
      .domain([Math.max(0, lo - pad), Math.min(1, hi + pad)])
      .range([innerH, 0])
      .nice();
    const g = svg.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);
    g.append('g')
      .attr('class', 'gridlines')
      .call(
        axisLeft(y)
          .ticks(5)
          .tickSize(-innerW)
          .tickFormat(() => ''),
      );

    if (denseTestAccuracy !== null) {
      const level = g.append('g').attr('class', 'dense-level');
      level
        .append('line')
        .attr('x1', 0)
        .attr('x2', innerW)
        .attr('y1', y(denseTestAccuracy))
        .attr('y2', y(denseTestAccuracy))
        .attr('stroke-dasharray', '6 4')
        .style('stroke', `var(${SERIES_COLORS.dense})`);
      level
        .append('text')
        .attr('x', innerW - 4)
        .attr('y', y(denseTestAccuracy) - 4)
        .attr('text-anchor', 'end')
        .text(`dense ${percent(denseTestAccuracy, 2)}`);
    }

    const imp = points.filter((p) => p.method === 'imp').sort((a, b) => a.round - b.round);
    if (imp.length > 1) {
      g.append('path')
        .attr('class', 'series series-imp')
        .attr(
          'd',
          line<ComparisonPoint>(
            (p) => x(p.keptFraction),
            (p) => y(p.testAccuracy),
          )(imp) ?? '',
        )
        .style('stroke', `var(${SERIES_COLORS.imp})`);
    }
    g.append('g')
      .selectAll('circle')
      .data(points)
      .join('circle')
      .attr('class', (p) => `ticket ticket-${p.method}`)
      .attr('r', (p) => (p.method === 'cs' ? 5 : 3.5))
      .attr('cx', (p) => x(p.keptFraction))
      .attr('cy', (p) => y(p.testAccuracy))
      .attr('data-method', (p) => p.method)
      .attr('data-density', (p) => String(p.keptFraction))
      .attr('data-accuracy', (p) => String(p.testAccuracy))
      .style('fill', (p) => `var(${SERIES_COLORS[p.method]})`)
      .append('title')
      .text(
        (p) =>
          `${METHOD_NAMES[p.method]} ${p.label}: ${percent(p.keptFraction, 2)} kept, ${percent(p.testAccuracy, 2)} test accuracy`,
      );

    // The CS tickets differ in the swept value: each says which it is.
    g.append('g')
      .attr('class', 'ticket-labels')
      .selectAll('text')
      .data(points.filter((p) => p.method === 'cs'))
      .join('text')
      .attr('x', (p) => x(p.keptFraction) + 7)
      .attr('y', (p) => y(p.testAccuracy) - 7)
      .text((p) => p.label);

    const xAxis = g.append('g').attr('class', 'axis').attr('transform', `translate(0,${innerH})`);
    xAxis.call(
      axisBottom(x)
        .tickValues(densityTicks(minDensity * 0.8))
        .tickFormat((d) => percent(Number(d), Number(d) < 0.01 ? 1 : 0)),
    );
    xAxis
      .append('text')
      .attr('class', 'axis-label')
      .attr('x', innerW / 2)
      .attr('y', 34)
      .text('weights kept (log scale)');
    const yAxis = g
      .append('g')
      .attr('class', 'axis')
      .call(
        axisLeft(y)
          .ticks(5)
          .tickFormat((d) => percent(Number(d), 0)),
      );
    leftAxisLabel(yAxis, innerH, 'test accuracy');

    this.drawLegend(comparison);
    this.svg.setAttribute('aria-label', describe(comparison));
  }

  private drawLegend(comparison: Comparison): void {
    const item = legendItem;
    const items: HTMLElement[] = [];
    const count = (m: ComparisonPoint['method']) => comparison.points.filter((p) => p.method === m).length;
    if (count('cs')) items.push(item(`CS tickets (${count('cs')})`, SERIES_COLORS.cs));
    if (count('imp')) items.push(item(`IMP rounds (${count('imp')})`, SERIES_COLORS.imp));
    if (comparison.denseTestAccuracy !== null) items.push(item('dense network', SERIES_COLORS.dense, true));
    this.legend.replaceChildren(...items);
  }
}

/** The chart in one sentence, for screen readers (the table has every number). */
export function describe(comparison: Comparison): string {
  const best = (m: ComparisonPoint['method']) =>
    comparison.points
      .filter((p) => p.method === m)
      .sort((a, b) => a.keptFraction - b.keptFraction)
      .map((p) => `${percent(p.keptFraction, 1)} kept: ${percent(p.testAccuracy, 1)}`)
      .slice(0, 3)
      .join('; ');
  const parts = [
    `Test accuracy against weights kept, ${comparison.points.length} tickets.`,
    best('cs') ? `Sparsest CS tickets: ${best('cs')}.` : '',
    best('imp') ? `Sparsest IMP rounds: ${best('imp')}.` : '',
    comparison.denseTestAccuracy === null ? '' : `Dense: ${percent(comparison.denseTestAccuracy, 1)}.`,
  ];
  return parts.filter(Boolean).join(' ');
}
