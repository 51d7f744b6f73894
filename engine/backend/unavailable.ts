// The one error a backend candidate throws when it cannot be used for a reason the user can act on
// (a package not installed, no GPU adapter). selectBackend reports its message as is; any other
// error is reported as "failed: ...", since it is a fault rather than a missing piece.
export class Unavailable extends Error {}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Node appends a multi-line "Require stack" to resolution errors; the first line says it all. */
export function firstLine(err: unknown): string {
  return describeError(err).split('\n', 1)[0];
}
