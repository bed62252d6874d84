import type RFB from '@novnc/novnc';

let loading: Promise<typeof RFB> | null = null;

/**
 * Loads noVNC once. Its module probes H.264 decoding with WebCodecs in a
 * top-level await (for servers that send H.264; QEMU does not), and in
 * headless or GPU-less Chromium that probe can hang, which would hang every
 * import of the module. `VideoDecoder` is hidden while the module evaluates,
 * so the probe answers "unsupported" at once.
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
