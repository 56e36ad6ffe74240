import { z } from 'zod';
import { call } from '../contractCall';
import type { FamilySourceSummary } from './familySource';

/** This desk's public key for SMART Backend Services, as the EHR administrator registers it. */
export interface FhirJwksView {
  /** The JWKS (JSON text, pretty-printed) with the one public key: kty, crv, x, y, kid, alg, use. */
  jwks: string;
  kid: string;
  alg: string;
}

/** Contract calls for the FHIR source (issue 15); merged into the contract in shared/api.ts. */
export const fhirCalls = {
  /** Made on first use (the private key stays sealed on this computer); administrators register it with the EHR. */
  'fhir.jwks': call<FhirJwksView>('admin')(z.strictObject({})),
  /** Where the last FHIR load's families came from (household Groups, or shared guardians and address); null before the first. */
  'fhir.familySource': call<FamilySourceSummary | null>()(z.strictObject({})),
} as const;
