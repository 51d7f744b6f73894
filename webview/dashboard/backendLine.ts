// The dashboard's line about the backend: what the run trains on and, folded away, why each faster
// backend was not used. A user who expected their GPU should find out here without reading logs.
import { whyNotFaster } from '../protocol/backendWords';
import type { BackendView } from '../protocol/viewProtocol';

export class BackendLine {
  readonly element = document.createElement('div');
  private readonly install = document.createElement('a');
  private readonly used = document.createElement('span');
  private readonly details = document.createElement('details');
  private readonly summary = document.createElement('summary');
  private readonly reasons = document.createElement('ul');

  /** `onInstall`: the user asked to install a faster backend (the palette's Install Native Backend). */
  constructor(onInstall: () => void) {
    this.element.className = 'backend-line muted';
    this.details.className = 'backend-why';
    this.install.className = 'backend-install';
    this.install.href = '#';
    this.install.textContent = 'Install a faster backend…';
    this.install.addEventListener('click', (event) => {
      event.preventDefault();
      onInstall();
    });
    this.details.append(this.summary, this.reasons, this.install);
    this.element.append(this.used, this.details);
    this.element.hidden = true;
  }

  update(backend: BackendView | null): void {
    this.element.hidden = backend === null;
    if (!backend) return;
    this.used.textContent = `Trains on ${backend.name}${backend.device ? ` · ${backend.device}` : ''}`;
    // Whole reasons here: the list has room, unlike the status bar's tooltip.
    const lines = whyNotFaster(backend, Infinity);
    this.details.hidden = lines.length === 0;
    // Offered when what stands between the user and a faster backend is an install.
    this.install.hidden = !backend.notUsed.some(({ reason }) => /not installed/.test(reason));
    this.summary.textContent =
      backend.notUsed.length === 1
        ? 'Why not the faster backend?'
        : backend.notUsed.length
          ? `Why not the ${backend.notUsed.length} faster backends?`
          : 'Why this backend?';
    // Rebuilt only when the text changes, so an open <details> stays open across status updates.
    const text = lines.join('\n');
    if (this.reasons.dataset.text !== text) {
      this.reasons.dataset.text = text;
      this.reasons.replaceChildren(
        ...lines.map((line) => {
          const item = document.createElement('li');
          item.textContent = line;
          return item;
        }),
      );
    }
  }
}
