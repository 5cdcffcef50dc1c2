import { constants, type ClientHttp2Stream, type OutgoingHttpHeaders } from 'node:http2';
import { goawayOutcome, responseOutcome, transportOutcome, type ApnsOutcome } from './apns-outcome';
import type { ApnsSession } from './apns-session';

/**
 * Sends one request on the session and settles with its outcome; never rejects.
 * A request unanswered after `timeoutMs` is cancelled (RST_STREAM), so a
 * silent APNs holds neither a stream slot nor the caller forever.
 */
export function sendOnSession(session: ApnsSession, headers: OutgoingHttpHeaders, body: string, timeoutMs: number): Promise<ApnsOutcome> {
  return new Promise((resolve) => {
    let stream: ClientHttp2Stream;
    try {
      stream = session.http2.request(headers);
    } catch (error) {
      // The session went away between being chosen and being used.
      return resolve(session.goaway ? goawayOutcome(session.goaway.code, session.goaway.debugData) : transportOutcome(error));
    }
    let status: number | undefined;
    let apnsId: string | undefined;
    let failure: Error | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (responseHeaders) => {
      status = Number(responseHeaders[':status']);
      const id = responseHeaders['apns-id'];
      apnsId = Array.isArray(id) ? id[0] : id;
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (error: Error) => (failure = error));
    const timer = setTimeout(() => {
      failure = new Error(`APNs did not answer within ${timeoutMs} ms`);
      stream.close(constants.NGHTTP2_CANCEL);
    }, timeoutMs);
    stream.on('close', () => {
      clearTimeout(timer);
      if (status !== undefined && failure === undefined) {
        return resolve(responseOutcome(status, apnsId, Buffer.concat(chunks).toString('utf8')));
      }
      // A stream refused or reset by a GOAWAY reports the GOAWAY, as NanoMDM does.
      if (session.goaway && status === undefined) return resolve(goawayOutcome(session.goaway.code, session.goaway.debugData));
      resolve(transportOutcome(failure ?? new Error(`apns stream closed without a response (code ${stream.rstCode})`)));
    });
    stream.end(body);
  });
}
