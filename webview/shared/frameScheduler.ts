// Many messages may arrive between two frames (10 statistics messages a second, a replayed history at
// once); the page draws at most once per animation frame, whatever changed since the last one.
export class FrameScheduler {
  private pending = false;

  constructor(private readonly render: () => void) {}

  request(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }
}
