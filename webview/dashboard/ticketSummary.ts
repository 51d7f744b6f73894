// The ticket once the search has found it: overall density and test accuracy next to the dense
// baseline's, where it was exported, and a per-layer density table.
import type { LayerMeta, TicketView } from '../protocol/viewProtocol';
import { count, percent } from '../shared/format';
import { dataTable, el } from './dataTable';

export class TicketSummary {
  readonly element: HTMLElement;

  constructor() {
    this.element = el('section', undefined, 'card ticket');
    this.element.setAttribute('aria-label', 'Ticket');
    this.element.hidden = true;
  }

  draw(ticket: TicketView | null, layers: LayerMeta[]): void {
    this.element.hidden = ticket === null;
    if (!ticket) return;
    const facts = el('dl', undefined, 'facts');
    const fact = (term: string, value: string, className = '') => {
      facts.append(el('dt', term), el('dd', value, className));
    };
    fact(
      'Kept weights',
      `${percent(ticket.keptFraction, 2)} (${count(ticket.kept)} of ${count(ticket.total)})`,
    );
    fact('Ticket test accuracy', percent(ticket.testAccuracy, 2), 'ticket-accuracy');
    fact(
      'Dense test accuracy',
      ticket.denseTestAccuracy === null
        ? 'not trained (denseBaseline is off)'
        : percent(ticket.denseTestAccuracy, 2),
      'dense-accuracy',
    );
    if (ticket.denseTestAccuracy !== null) {
      const diff = (ticket.testAccuracy - ticket.denseTestAccuracy) * 100;
      fact('Difference', `${diff >= 0 ? '+' : ''}${diff.toFixed(2)} points`);
    }
    fact('Exported to', ticket.dir ?? 'not exported yet (Export Ticket…)', 'ticket-dir');

    const table = dataTable(
      [
        { name: 'Layer', width: '40%' },
        { name: 'Kept', width: '20%', numeric: true },
        { name: 'Total', width: '20%', numeric: true },
        { name: 'Density', width: '20%', numeric: true },
      ],
      layers.map((layer, i) => {
        const kept = ticket.layerKept[i] ?? 0;
        return [
          layer.name,
          count(kept),
          count(layer.total),
          layer.total ? percent(kept / layer.total, 2) : '–',
        ];
      }),
      'ticket-row',
    );
    this.element.replaceChildren(el('h2', 'Ticket'), facts, table);
  }
}
