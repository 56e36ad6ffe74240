import type { Handlers } from '../dispatch';
import type { AppContext } from '../context';
import { auditFilterOptions, exportAudit, listAudit } from './auditLog';
import type { AuditChainMonitor } from '../audit/chainMonitor';

export type AuditHandlerName = 'audit.list' | 'audit.filterOptions' | 'audit.export' | 'audit.verify' | 'audit.lastVerification';

/** The audit screen's calls (administrator-only in the contract). */
export function auditHandlers(ctx: AppContext, options: { exportDir: string; chain: AuditChainMonitor }): Pick<Handlers, AuditHandlerName> {
  return {
    'audit.list': ({ filter, limit, offset }) => listAudit(ctx, filter, limit, offset),
    'audit.filterOptions': () => auditFilterOptions(ctx),
    'audit.export': ({ filter }) => exportAudit(ctx, options.exportDir, filter),
    'audit.verify': () => options.chain.verify(),
    'audit.lastVerification': () => options.chain.current(),
  };
}
