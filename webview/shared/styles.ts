// Styles travel inside the script bundle and are adopted as constructed style sheets: the CSP then
// needs no inline styles, and dist/ holds nothing but scripts.
export function adoptStyles(...texts: string[]): void {
  const sheets = texts.map((text) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    return sheet;
  });
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, ...sheets];
}
