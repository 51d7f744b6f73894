// The run's controls: each button asks the host to run the palette's command, so a click does exactly
// what the command does (pickers, confirmations and all). Buttons are enabled as the palette's are.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import type { ControlCommand, RunStatusView } from '../protocol/viewProtocol';

type ButtonCommand = Exclude<ControlCommand, 'openDashboard' | 'installNativeBackend'>;

const BUTTONS: { command: ButtonCommand; label: string; secondary: boolean }[] = [
  { command: 'start', label: 'Start', secondary: false },
  { command: 'pause', label: 'Pause', secondary: true },
  { command: 'resume', label: 'Resume', secondary: false },
  { command: 'stop', label: 'Stop', secondary: true },
  { command: 'rewind', label: 'Rewind…', secondary: true },
  { command: 'exportTicket', label: 'Export Ticket…', secondary: true },
];

export class Controls {
  readonly element: HTMLElement;
  private readonly buttons = new Map<ButtonCommand, HTMLElement & { disabled: boolean }>();
  private readonly badge: HTMLElement;

  constructor(post: (command: ControlCommand) => void) {
    this.element = document.createElement('div');
    this.element.className = 'controls';
    this.element.setAttribute('role', 'toolbar');
    this.element.setAttribute('aria-label', 'Search controls');
    this.badge = document.createElement('vscode-badge');
    this.badge.className = 'state';
    this.badge.setAttribute('aria-live', 'polite');
    this.element.append(this.badge);
    for (const { command, label, secondary } of BUTTONS) {
      const button = document.createElement('vscode-button') as HTMLElement & { disabled: boolean };
      button.textContent = label;
      button.dataset.command = command;
      if (secondary) button.setAttribute('secondary', '');
      button.addEventListener('click', () => {
        if (!button.disabled) post(command);
      });
      this.buttons.set(command, button);
      this.element.append(button);
    }
  }

  update(status: RunStatusView | null, canStart: boolean): void {
    this.badge.textContent = status?.state ?? 'idle';
    this.badge.title = status?.summary ?? 'No search in this window yet';
    for (const [command, button] of this.buttons) {
      const enabled =
        command === 'start' ? canStart && (status?.can.start ?? true) : (status?.can[command] ?? false);
      button.disabled = !enabled;
      // Only what can be done now is offered, as in the palette; Start hides while a search runs.
      // Pause and Resume share a place: Resume shows while the search is paused.
      const paused = status?.can.resume ?? false;
      button.hidden =
        command === 'start'
          ? !enabled
          : command === 'pause'
            ? paused
            : command === 'resume'
              ? !paused
              : false;
    }
  }
}
