// HTTP/1.1 responses read off a raw socket by the clients that write raw
// requests (a pool, pipelining): each response with a Content-Length body.

/**
 * Takes the complete responses at the start of `bytes`. Returns them in
 * order, `{ status, connection, body }`, and the bytes left over (the start
 * of a response still arriving).
 */
export function takeResponses(bytes) {
  const responses = [];
  for (;;) {
    const headEnd = bytes.indexOf('\r\n\r\n');
    if (headEnd === -1) break;
    const [statusLine, ...lines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    if (headEnd + 4 + length > bytes.length) break;
    responses.push({ status: Number(statusLine.split(' ')[1]), connection: headers.connection, body: bytes.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8') });
    bytes = bytes.subarray(headEnd + 4 + length);
  }
  return { responses, rest: bytes };
}
