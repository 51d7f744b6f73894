// The selected layer's histogram of mask logits s, as the engine binned them (fixed bins around s0;
// the end bins also hold what lies beyond). Bars right of s = 0 are the kept weights.
import { axisBottom, axisLeft, scaleLinear, select } from 'd3';
import type { StatsPoint } from '../protocol/viewProtocol';
import { count } from '../shared/format';
import { leftAxisLabel } from './axisLabel';

const MARGIN = { top: 10, right: 16, bottom: 36, left: 56 };

export class HistogramChart {
  readonly element: HTMLElement;
  readonly svg: SVGSVGElement;

  constructor() {
    this.element = document.createElement('figure');
    this.element.className = 'chart histogram';
    const caption = document.createElement('figcaption');
    caption.textContent = 'Mask logits s';
    this.svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    this.svg.setAttribute('tabindex', '0');
    this.svg.setAttribute('role', 'img');
    this.element.append(caption, this.svg);
  }

  draw(latest: StatsPoint | null, index: number, layerName: string | undefined): void {
    const histogram = index >= 0 ? latest?.histograms[index] : undefined;
    const width = Math.max(240, this.element.clientWidth || 360);
    const height = 200;
    const innerW = width - MARGIN.left - MARGIN.right;
    const innerH = height - MARGIN.top - MARGIN.bottom;
    const svg = select(this.svg).attr('width', width).attr('height', height);
    svg.selectAll('*').remove();
    if (!histogram || !layerName) {
      this.svg.setAttribute('aria-label', 'No histogram yet.');
      return;
    }
    const { min, max, counts } = histogram;
    const bin = (max - min) / counts.length;
    const x = scaleLinear().domain([min, max]).range([0, innerW]);
    const y = scaleLinear()
      .domain([0, Math.max(1, ...counts)])
      .range([innerH, 0])
      .nice();
    const g = svg.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);
    g.selectAll('rect')
      .data(counts)
      .join('rect')
      .attr('class', (_, i) => (min + (i + 0.5) * bin > 0 ? 'bin kept' : 'bin pruned'))
      .attr('x', (_, i) => x(min + i * bin) + 0.5)
      .attr('width', Math.max(1, innerW / counts.length - 1))
      .attr('y', (c) => y(c))
      .attr('height', (c) => innerH - y(c))
      .attr('data-count', (c) => c)
      .append('title')
      .text(
        (c, i) =>
          `s in [${(min + i * bin).toFixed(2)}, ${(min + (i + 1) * bin).toFixed(2)}): ${count(c)} weights`,
      );
    if (min < 0 && max > 0) {
      g.append('line')
        .attr('class', 'zero')
        .attr('x1', x(0))
        .attr('x2', x(0))
        .attr('y1', 0)
        .attr('y2', innerH);
    }
    const xAxis = g
      .append('g')
      .attr('class', 'axis')
      .attr('transform', `translate(0,${innerH})`)
      .call(axisBottom(x).ticks(6));
    xAxis
      .append('text')
      .attr('class', 'axis-label')
      .attr('x', innerW / 2)
      .attr('y', 30)
      .text('mask logit s (kept where s > 0)');
    const yAxis = g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(4, '~s'));
    leftAxisLabel(yAxis, innerH, 'weights');
    const total = counts.reduce((a, b) => a + b, 0);
    this.svg.setAttribute(
      'aria-label',
      `Histogram of the mask logits of ${layerName}: ${counts.length} bins from ${min} to ${max}, ${count(total)} weights.`,
    );
  }
}
