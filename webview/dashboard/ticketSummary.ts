// The ticket once the search has found it: overall density and test accuracy next to the dense
// baseline's, where it was exported, and a per-layer density table.
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import type { LayerMeta, TicketView } from '../protocol/viewProtocol';
import { count, percent } from '../shared/format';

function el(tag: string, text?: string, className?: string): HTMLElement {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

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

    const table = el('vscode-table');
    table.setAttribute('zebra', '');
    table.setAttribute('bordered-rows', '');
    table.setAttribute('columns', JSON.stringify(['40%', '20%', '20%', '20%']));
    const header = el('vscode-table-header');
    header.setAttribute('slot', 'header');
    for (const name of ['Layer', 'Kept', 'Total', 'Density'])
      header.append(el('vscode-table-header-cell', name));
    const body = el('vscode-table-body');
    body.setAttribute('slot', 'body');
    layers.forEach((layer, i) => {
      const kept = ticket.layerKept[i] ?? 0;
      const row = el('vscode-table-row', undefined, 'ticket-row');
      row.append(
        el('vscode-table-cell', layer.name),
        el('vscode-table-cell', count(kept), 'num'),
        el('vscode-table-cell', count(layer.total), 'num'),
        el('vscode-table-cell', layer.total ? percent(kept / layer.total, 2) : '–', 'num'),
      );
      body.append(row);
    });
    table.append(header, body);
    this.element.replaceChildren(el('h2', 'Ticket'), facts, table);
  }
}
