// The title of a chart's left axis: turned to read upwards, centred on the axis, clear of its ticks.
import type { Selection } from 'd3';

export function leftAxisLabel(
  axis: Selection<SVGGElement, unknown, null, undefined>,
  innerHeight: number,
  text: string,
): void {
  axis
    .append('text')
    .attr('class', 'axis-label')
    .attr('transform', 'rotate(-90)')
    .attr('x', -innerHeight / 2)
    .attr('y', -44)
    .text(text);
}
