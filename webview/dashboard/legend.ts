// A legend entry: a line swatch in the series' theme colour (dashed like the series) and its label.
export function legendItem(label: string, color: string, dashed = false): HTMLElement {
  const item = document.createElement('span');
  item.className = 'legend-item';
  const swatch = document.createElement('span');
  swatch.className = dashed ? 'swatch dashed' : 'swatch';
  // Through the CSSOM, which the page's CSP allows (a style attribute it would not).
  swatch.style.setProperty('--swatch', `var(${color})`);
  item.append(swatch, document.createTextNode(label));
  return item;
}
