// A vscode-elements table from rows of text: the ticket's layers, the comparison's tickets.
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';

export interface Column {
  name: string;
  /** CSS width, e.g. "40%". */
  width: string;
  /** Numbers are right-aligned in tabular figures. */
  numeric?: boolean;
}

/** An element with text and a class: the small building block of the dashboard's cards. */
export function el(tag: string, text?: string, className?: string): HTMLElement {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

export function dataTable(columns: Column[], rows: string[][], rowClass: string): HTMLElement {
  const table = el('vscode-table');
  table.setAttribute('zebra', '');
  table.setAttribute('bordered-rows', '');
  table.setAttribute('columns', JSON.stringify(columns.map((c) => c.width)));
  const header = el('vscode-table-header');
  header.setAttribute('slot', 'header');
  for (const column of columns) header.append(el('vscode-table-header-cell', column.name));
  const body = el('vscode-table-body');
  body.setAttribute('slot', 'body');
  for (const cells of rows) {
    const row = el('vscode-table-row', undefined, rowClass);
    row.append(
      ...cells.map((text, i) => el('vscode-table-cell', text, columns[i]?.numeric ? 'num' : undefined)),
    );
    body.append(row);
  }
  table.append(header, body);
  return table;
}
