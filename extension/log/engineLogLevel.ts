// The supervisor hands over every engine line as text: its stderr prefixed "[stderr] ", errors as
// "[<code> error] ...". The log channel shows them at a matching level so errors stand out.
export type LogLevel = 'info' | 'warn' | 'error';

export function engineLogLevel(line: string): LogLevel {
  if (/^\[\w+ error\]/.test(line)) return 'error';
  if (line.startsWith('[stderr] ') || line.startsWith('[protocol] ')) return 'warn';
  return 'info';
}
