// Numbers as the views print them.
export const percent = (fraction: number, digits = 1): string => `${(fraction * 100).toFixed(digits)}%`;

/** "12,345" whatever the page's locale, as the status bar prints. */
export const count = (n: number): string => Math.round(n).toLocaleString('en-US');

export function temperature(t: number): string {
  return t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t.toFixed(2);
}
