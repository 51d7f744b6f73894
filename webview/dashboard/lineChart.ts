// A time chart in SVG: training step on x, one or two y axes, round and phase boundaries as vertical
// rules. It is one tab stop: the arrow keys (or the pointer) move a cursor whose values are read out
// below the chart, so the numbers are reachable without a mouse.
import {
  axisBottom,
  axisLeft,
  axisRight,
  line,
  scaleLinear,
  scaleLog,
  select,
  type Axis,
  type NumberValue,
  type ScaleContinuousNumeric,
} from 'd3';
import type { Mark } from '../protocol/viewProtocol';
import { legendItem } from './legend';
import { leftAxisLabel } from './axisLabel';

export interface Point {
  x: number;
  y: number;
}

export interface SeriesSpec {
  label: string;
  /** A VS Code theme variable, e.g. --vscode-charts-blue. */
  color: string;
  axis: 'left' | 'right';
  points: Point[];
  dashed?: boolean;
  /** Sparse series (one point per epoch) are drawn with dots too. */
  dots?: boolean;
  format: (y: number) => string;
}

export interface AxisSpec {
  label: string;
  format: (y: number) => string;
  log?: boolean;
  /** Fixed domain (accuracies: 0..1); otherwise from the data. */
  domain?: [number, number];
}

export interface LineChartOptions {
  title: string;
  description: string;
  left: AxisSpec;
  right?: AxisSpec;
  height?: number;
}

const MARGIN = { top: 10, right: 56, bottom: 36, left: 56 };
const SVG_NS = 'http://www.w3.org/2000/svg';

export class LineChart {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly legend: HTMLElement;
  private readonly readout: HTMLElement;
  private series: SeriesSpec[] = [];
  private marks: Mark[] = [];
  /** The cursor's step, or null when it follows nothing. */
  private cursor: number | null = null;

  constructor(private readonly options: LineChartOptions) {
    this.element = document.createElement('figure');
    this.element.className = 'chart line-chart';
    const caption = document.createElement('figcaption');
    caption.textContent = options.title;
    this.legend = document.createElement('div');
    this.legend.className = 'legend';
    this.svg = document.createElementNS(SVG_NS, 'svg');
    this.svg.setAttribute('tabindex', '0');
    this.svg.setAttribute('role', 'img');
    this.readout = document.createElement('div');
    this.readout.className = 'readout muted';
    this.readout.setAttribute('aria-live', 'polite');
    this.element.append(caption, this.legend, this.svg, this.readout);
    this.svg.addEventListener('keydown', (e) => this.onKey(e));
    this.svg.addEventListener('pointermove', (e) => this.onPointer(e));
    this.svg.addEventListener('pointerleave', () => this.setCursor(null));
  }

  setData(series: SeriesSpec[], marks: Mark[]): void {
    this.series = series;
    this.marks = marks;
  }

  draw(): void {
    const width = Math.max(240, this.element.clientWidth || 480);
    const height = this.options.height ?? 220;
    const { left, right } = this.options;
    const svg = select(this.svg).attr('width', width).attr('height', height);
    svg.selectAll('*').remove();
    const xs = this.series.flatMap((s) => s.points.map((p) => p.x));
    const innerW = width - MARGIN.left - MARGIN.right;
    const innerH = height - MARGIN.top - MARGIN.bottom;
    const x = scaleLinear()
      .domain(xs.length ? [Math.min(...xs), Math.max(Math.max(...xs), Math.min(...xs) + 1)] : [0, 1])
      .range([0, innerW]);
    const yLeft = yScale(
      left,
      this.series.filter((s) => s.axis === 'left'),
      innerH,
    );
    const yRight = right
      ? yScale(
          right,
          this.series.filter((s) => s.axis === 'right'),
          innerH,
        )
      : undefined;
    const g = svg.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);

    g.append('g')
      .attr('class', 'gridlines')
      .call(
        axisLeft(yLeft)
          .ticks(5)
          .tickSize(-innerW)
          .tickFormat(() => ''),
      );
    let lastLabelX = -Infinity;
    let row = 0;
    for (const mark of this.marks) {
      const mx = x(mark.step);
      if (mx < 0 || mx > innerW) continue;
      const rule = g.append('g').attr('class', `mark mark-${mark.kind}`);
      rule.append('line').attr('x1', mx).attr('x2', mx).attr('y1', 0).attr('y2', innerH);
      // Labels of marks close together go on the next line rather than over each other.
      row = mx - lastLabelX < 90 ? row + 1 : 0;
      lastLabelX = mx;
      rule
        .append('text')
        .attr('x', mx + 3)
        .attr('y', 10 + row * 12)
        .text(mark.label);
    }
    for (const s of this.series) {
      const y = s.axis === 'left' ? yLeft : (yRight ?? yLeft);
      const points = s.points.filter((p) => Number.isFinite(p.y) && (!isLog(s, this.options) || p.y > 0));
      const path = g
        .append('path')
        .attr('class', 'series')
        .attr(
          'd',
          line<Point>(
            (p) => x(p.x),
            (p) => y(p.y),
          )(points) ?? '',
        )
        .style('stroke', `var(${s.color})`);
      if (s.dashed) path.attr('stroke-dasharray', '5 3');
      if (s.dots) {
        g.append('g')
          .selectAll('circle')
          .data(points)
          .join('circle')
          .attr('class', 'dot')
          .attr('r', 3)
          .attr('cx', (p) => x(p.x))
          .attr('cy', (p) => y(p.y))
          .style('fill', `var(${s.color})`);
      }
    }
    const xAxis = g.append('g').attr('class', 'axis').attr('transform', `translate(0,${innerH})`);
    xAxis.call(axisBottom(x).ticks(Math.max(2, Math.floor(innerW / 80)), 's'));
    xAxis
      .append('text')
      .attr('class', 'axis-label')
      .attr('x', innerW / 2)
      .attr('y', 30)
      .text('training step');
    const leftAxis = g
      .append('g')
      .attr('class', 'axis')
      .call(yAxis(axisLeft(yLeft), left));
    leftAxisLabel(leftAxis, innerH, left.label);
    if (right && yRight) {
      const rightAxis = g
        .append('g')
        .attr('class', 'axis')
        .attr('transform', `translate(${innerW},0)`)
        .call(yAxis(axisRight(yRight), right));
      rightAxis
        .append('text')
        .attr('class', 'axis-label')
        .attr('transform', 'rotate(90)')
        .attr('x', innerH / 2)
        .attr('y', -46)
        .text(right.label);
    }
    if (this.cursor !== null) {
      const cx = x(this.cursor);
      g.append('line').attr('class', 'cursor').attr('x1', cx).attr('x2', cx).attr('y1', 0).attr('y2', innerH);
    }
    this.scaleX = x;
    this.drawLegend();
    this.svg.setAttribute(
      'aria-label',
      `${this.options.title}. ${this.options.description} ${this.describe(null)}`,
    );
    this.readout.textContent = this.describe(this.cursor);
  }

  private scaleX: ScaleContinuousNumeric<number, number> | undefined;

  private drawLegend(): void {
    this.legend.replaceChildren(...this.series.map((s) => legendItem(s.label, s.color, s.dashed)));
  }

  /** The values at a step (the newest when null), series by series. */
  private describe(step: number | null): string {
    const parts = this.series.flatMap((s) => {
      const p = nearest(s.points, step);
      return p ? [`${s.label} ${s.format(p.y)}`] : [];
    });
    if (!parts.length) return 'No data yet.';
    const at = step ?? Math.max(...this.series.flatMap((s) => s.points.slice(-1).map((p) => p.x)));
    return `At step ${Math.round(at)}: ${parts.join(', ')}.`;
  }

  private steps(): number[] {
    const first = this.series.find((s) => s.points.length > 1) ?? this.series[0];
    return first ? first.points.map((p) => p.x) : [];
  }

  private setCursor(step: number | null): void {
    this.cursor = step;
    this.draw();
  }

  private onKey(e: KeyboardEvent): void {
    const steps = this.steps();
    if (!steps.length) return;
    let i = this.cursor === null ? steps.length - 1 : steps.findIndex((s) => s >= (this.cursor ?? 0));
    if (e.key === 'ArrowLeft') i = Math.max(0, i - 1);
    else if (e.key === 'ArrowRight') i = Math.min(steps.length - 1, i + 1);
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = steps.length - 1;
    else if (e.key === 'Escape') return this.setCursor(null);
    else return;
    e.preventDefault();
    this.setCursor(steps[i]);
  }

  private onPointer(e: PointerEvent): void {
    if (!this.scaleX) return;
    const box = this.svg.getBoundingClientRect();
    const step = this.scaleX.invert(e.clientX - box.left - MARGIN.left);
    const p = nearest(
      this.steps().map((x) => ({ x, y: 0 })),
      step,
    );
    if (p) this.setCursor(p.x);
  }
}

/** A log axis labels only 1-2-5 steps (or powers of ten), which d3's own log ticks crowd. */
function yAxis(axis: Axis<NumberValue>, spec: AxisSpec): Axis<NumberValue> {
  const scale = axis.scale() as ScaleContinuousNumeric<number, number>;
  if (spec.log) {
    const [lo, hi] = scale.domain();
    const values: number[] = [];
    for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++)
      for (const m of [1, 2, 5]) if (m * 10 ** k >= lo && m * 10 ** k <= hi) values.push(m * 10 ** k);
    axis.tickValues(values.length > 7 ? values.filter((v) => Number.isInteger(Math.log10(v))) : values);
  } else axis.ticks(5);
  return axis.tickFormat((v) => spec.format(Number(v)));
}

function isLog(s: SeriesSpec, options: LineChartOptions): boolean {
  return (s.axis === 'left' ? options.left : options.right)?.log === true;
}

function yScale(
  axis: AxisSpec,
  series: SeriesSpec[],
  height: number,
): ScaleContinuousNumeric<number, number> {
  const ys = series
    .flatMap((s) => s.points.map((p) => p.y))
    .filter((y) => Number.isFinite(y) && (!axis.log || y > 0));
  if (axis.log) {
    const lo = ys.length ? Math.min(...ys) : 1;
    const hi = ys.length ? Math.max(...ys) : 10;
    return scaleLog()
      .domain([lo, Math.max(hi, lo * 10)])
      .range([height, 0])
      .nice();
  }
  const domain: [number, number] = axis.domain ?? [
    Math.min(0, ...ys),
    ys.length ? Math.max(...ys) * 1.05 || 1 : 1,
  ];
  return scaleLinear().domain(domain).range([height, 0]).nice();
}

/** The point closest to `x` (the last one when x is null); points are in step order. */
function nearest(points: Point[], x: number | null): Point | undefined {
  if (!points.length) return undefined;
  if (x === null) return points[points.length - 1];
  let best = points[0];
  for (const p of points) if (Math.abs(p.x - x) < Math.abs(best.x - x)) best = p;
  return best;
}
