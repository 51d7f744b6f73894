// Where a config field sits in the file's text, so "Open Config" can put the cursor on the field the
// engine complained about. The engine names fields the way users write them ("data.format",
// "includeLayers.0"); jsonc-parser finds them in the text, comments and all.
import { findNodeAtLocation, parseTree, type JSONPath, type Node } from './jsonc';

export interface FieldLocation {
  offset: number;
  length: number;
  /** False when the field itself is missing and this is the nearest enclosing field (or the top). */
  exact: boolean;
}

/** "data.format" -> ['data', 'format']; "includeLayers.0" -> ['includeLayers', 0]. */
export function fieldPath(field: string): JSONPath {
  if (!field.trim()) return [];
  return field.split('.').map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/** The span of the field's property (key and value) or array element. */
function spanOf(node: Node): { offset: number; length: number } {
  const target = node.parent?.type === 'property' ? node.parent : node;
  return { offset: target.offset, length: target.length };
}

/**
 * The field's location, else that of its deepest existing ancestor (a missing `data.dir` points at
 * `data`), else the top of the file.
 */
export function locateField(text: string, field: string | undefined): FieldLocation {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) return { offset: 0, length: 0, exact: false };
  const path = fieldPath(field ?? '');
  for (let depth = path.length; depth > 0; depth--) {
    const node = findNodeAtLocation(root, path.slice(0, depth));
    if (node) return { ...spanOf(node), exact: depth === path.length };
  }
  return { offset: 0, length: 0, exact: path.length === 0 };
}
