import type { VerdictKind } from '../../../shared/domain/verdict';

const LABELS: Record<VerdictKind, string> = {
  eligible: 'Eligible',
  excluded: 'Excluded',
  blocked: 'Blocked: fix first',
  needs_recipient: 'Choose the account owner',
};

/** Text, not colour alone, carries the verdict (colour-blind clerks, black-and-white printouts). */
export function VerdictBadge({ kind }: { kind: VerdictKind }) {
  return <span className={`badge badge-${kind}`}>{LABELS[kind]}</span>;
}
