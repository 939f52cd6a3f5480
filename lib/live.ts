/** Live sources: which inputs are read as live streams (model.stream, the CLI) rather than as files. */

/** URL schemes read as live streams through FFmpeg. */
export const LIVE_SCHEMES = ['rtsp', 'rtsps', 'rtmp', 'rtmps', 'http', 'https', 'udp', 'tcp', 'srt'] as const;

const SCHEME = new RegExp(`^(${LIVE_SCHEMES.join('|')})://`, 'i');

/** True for a stream URL (rtsp://, rtmp://, http(s)://, ...) or a capture device (/dev/video0). */
export function isLiveSource(input: string): boolean {
  return SCHEME.test(input) || /^\/dev\/video\d+$/.test(input);
}
