/**
 * A WebSocket close reason cut to fit: RFC 6455 allows 123 bytes of UTF-8,
 * and ws throws (inside whatever stopped the session) past that. Reasons
 * come from machine and session details, so they are cut by bytes here, on
 * a character boundary.
 */
export function closeReason(text: string, maxBytes = 123): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}
