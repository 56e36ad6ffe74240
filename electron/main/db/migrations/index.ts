import type { Migration } from 'kysely';
import * as coreTables from './20261122_001_core_tables';
import * as searchTerms from './20261122_002_search_terms';
import * as campaign from './20261122_003_campaign';
import * as clerkAuth from './20261122_004_clerk_auth';
import * as auditChain from './20261122_005_audit_chain';
import * as enrollmentFacts from './20261203_006_enrollment_facts';
import * as addChildSlips from './20261203_007_add_child_slips';
import * as packetLanguage from './20261203_008_packet_language';
import * as contactEmailKey from './20261203_009_contact_email_key';
import * as jobRuns from './20261203_010_job_runs';
import * as outboxDrain from './20261203_013_outbox_drain';
import * as fhirStaging from './20261203_014_fhir_staging';
import * as searchPairs from './20261203_015_search_pairs';
import * as primaryLinks from './20261203_016_primary_links';
import * as fhirStagingFile from './20261205_017_fhir_staging_file';

/**
 * Every migration the app knows, in order. Names are date-prefixed; a database that has run a
 * migration not listed here was written by a newer app and is refused (see open.ts).
 */
export const migrations: Record<string, Migration> = {
  '20261122_001_core_tables': coreTables,
  '20261122_002_search_terms': searchTerms,
  '20261122_003_campaign': campaign,
  '20261122_004_clerk_auth': clerkAuth,
  '20261122_005_audit_chain': auditChain,
  '20261203_006_enrollment_facts': enrollmentFacts,
  '20261203_007_add_child_slips': addChildSlips,
  '20261203_008_packet_language': packetLanguage,
  '20261203_009_contact_email_key': contactEmailKey,
  '20261203_010_job_runs': jobRuns,
  '20261203_013_outbox_drain': outboxDrain,
  '20261203_014_fhir_staging': fhirStaging,
  '20261203_015_search_pairs': searchPairs,
  '20261203_016_primary_links': primaryLinks,
  '20261205_017_fhir_staging_file': fhirStagingFile,
};
