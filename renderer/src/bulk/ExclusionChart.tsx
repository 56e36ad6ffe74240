import type { ReadinessSummary } from '../../../shared/bulk/api';
import { EXCLUSION_LABELS } from '../../../shared/domain/exclusions';
import { count, plural } from './bulkWords';

/**
 * Children left out of the Bulk PIN file, one horizontal bar per reason, largest first. The bar is
 * decoration (hidden from screen readers); the reason and the count are text in a table.
 */
export function ExclusionChart({ exclusions }: { exclusions: ReadinessSummary['exclusions'] }) {
  const shown = exclusions.filter((e) => e.count > 0).sort((a, b) => b.count - a.count);
  const total = shown.reduce((sum, e) => sum + e.count, 0);
  const largest = shown[0]?.count ?? 0;
  return (
    <figure className="bulk-chart">
      <figcaption id="bulk-chart-title" className="bulk-chart-title">
        Children left out, by reason <span className="bulk-chart-total">({plural(total, 'child', 'children')} in all)</span>
      </figcaption>
      {shown.length === 0 ? (
        <p className="empty">No child is left out.</p>
      ) : (
        <table className="bulk-chart-table" aria-labelledby="bulk-chart-title">
          <thead className="visually-hidden">
            <tr>
              <th scope="col">Reason</th>
              <th scope="col">Children</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.reason}>
                <th scope="row" className="bulk-chart-reason">
                  {EXCLUSION_LABELS[e.reason]}
                </th>
                <td className="bulk-chart-value">
                  <span className="bulk-bar-track" aria-hidden="true">
                    {/* Width through the CSSOM (a style object), which the CSP allows; no style attribute text. */}
                    <span className="bulk-bar-fill" style={{ width: `${Math.max(0.75, (e.count / largest) * 100)}%` }} />
                  </span>
                  <span className="bulk-bar-count">{count(e.count)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
