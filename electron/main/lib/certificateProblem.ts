/**
 * A secure connection this computer refused because of the server's certificate, told apart from
 * a network that is down. Node reports OpenSSL's verdict as the error code of the TLS socket: on
 * fetch's `cause`, on nodemailer's `originalCode`. Before, every one of them read "could not be
 * reached; working offline", and a workstation whose clock had fallen back a year (a dead clock
 * battery) looked offline for good, to the practice system, the EHR and the mail server alike.
 */

import { utcMinute } from '../../../shared/domain/clockSkew';
import { DeliveryError } from './deliveryError';

/** A delivery or sync refused over a certificate: retried on the usual backoff, and not a sign of being offline. */
export class CertificateRefused extends DeliveryError {
  constructor(message: string) {
    super(message, false);
    this.name = 'CertificateRefused';
  }
}

/** The certificate is outside its dates by this computer's clock. */
const DATE_CODES = new Set(['CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED']);
/** The certificate is not one this computer trusts for that address. */
const TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The certificate code somewhere on `error`, its `cause` chain or nodemailer's `originalCode`; null if none. */
export function certificateCode(error: unknown): string | null {
  let at: unknown = error;
  for (let depth = 0; depth < 5 && at !== null && typeof at === 'object'; depth++) {
    const { code, originalCode, cause } = at as { code?: unknown; originalCode?: unknown; cause?: unknown };
    for (const candidate of [code, originalCode]) {
      if (typeof candidate === 'string' && (DATE_CODES.has(candidate) || TRUST_CODES.has(candidate))) return candidate;
    }
    at = cause;
  }
  return null;
}

/**
 * What the person at the desk is told, or null when `error` is not about a certificate. `host` is
 * the server's; `nowMs` this computer's clock (the one the certificate's dates were checked against).
 */
export function certificateProblem(error: unknown, host: string, nowMs = Date.now()): string | null {
  const code = certificateCode(error);
  if (code === null) return null;
  const clock = utcMinute(nowMs);
  if (code === 'CERT_NOT_YET_VALID') {
    return (
      `The secure connection to ${host} was refused: by this computer’s clock (${clock}) the server’s certificate is not valid yet, ` +
      'so this computer’s date and time are probably wrong. Set them (or ask IT to).'
    );
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return (
      `The secure connection to ${host} was refused: by this computer’s clock (${clock}) the server’s certificate has expired. ` +
      'If that date is wrong, set this computer’s date and time; if it is right, the server’s certificate must be renewed (tell IT).'
    );
  }
  return (
    `The secure connection to ${host} was refused: this computer does not trust the server’s certificate (${code}). ` +
    'Check the address in Settings; if it is right, IT must give that server a certificate this computer trusts.'
  );
}
