// Reads a sparsity.json text. Users may keep comments and trailing commas in the editor, so the host
// parses with jsonc-parser and hands the engine a plain object; a syntax error comes back with its
// offset so the editor can show it.
import { parse, printParseErrorCode, type ParseError } from './jsonc';

export type ParsedConfig =
  { ok: true; config: Record<string, unknown> } | { ok: false; message: string; offset: number };

export function parseConfigText(text: string): ParsedConfig {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const first = errors[0];
    const line = text.slice(0, first.offset).split('\n').length;
    return {
      ok: false,
      message: `not valid JSON: ${describeParseError(printParseErrorCode(first.error))} at line ${line}`,
      offset: first.offset,
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'expected a JSON object at the top level', offset: 0 };
  }
  return { ok: true, config: value as Record<string, unknown> };
}

/** "CommaExpected" -> "comma expected". */
function describeParseError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
