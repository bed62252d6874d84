import type RFB from '@novnc/novnc';

let loading: Promise<typeof RFB> | null = null;

/**
 * Loads noVNC once. Its module probes H.264 decoding with WebCodecs in a
 * top-level await (a test decode, for servers that send H.264), which every
 * import waits for. QEMU never sends H.264, so the probe is skipped:
 * `VideoDecoder` is hidden while the module evaluates and restored after.
 */
export function loadNoVnc(): Promise<typeof RFB> {
  if (!loading) {
    const w = window as { VideoDecoder?: unknown };
    const saved = Object.getOwnPropertyDescriptor(window, 'VideoDecoder');
    if (saved) delete w.VideoDecoder;
    loading = import('@novnc/novnc')
      .then((m) => m.default)
      .finally(() => {
        if (saved) Object.defineProperty(window, 'VideoDecoder', saved);
      });
    loading.catch(() => (loading = null));
  }
  return loading;
}
