// The webview's side of the VS Code API, typed to the view protocol: every message the page posts is
// a FromViewMessage, and the saved UI state is the page's own small object.
import type { FromViewMessage } from '../protocol/viewProtocol';

interface VsCodeApi<S> {
  postMessage(message: FromViewMessage): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi(): {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
};

/** May be called once per page; `isState` checks what a previous page left behind. */
export function vscodeApi<S>(isState: (value: unknown) => value is S): VsCodeApi<S> {
  const api = acquireVsCodeApi();
  return {
    postMessage: (message) => api.postMessage(message),
    getState: () => {
      const saved = api.getState();
      return isState(saved) ? saved : undefined;
    },
    setState: (state) => api.setState(state),
  };
}
