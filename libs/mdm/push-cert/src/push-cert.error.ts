/**
 * The one error for a rejected push-certificate upload. The message is NanoMDM's own text (Go's
 * `encoding/pem`, `crypto/tls` and `cryptoutil` wording), because the API returns it verbatim as
 * `{"error": "…"}` with status 400 (nanomdm-behavior §3.5).
 */
export class PushCertError extends Error {
  readonly status = 400;

  constructor(message: string) {
    super(message);
    this.name = 'PushCertError';
  }
}
