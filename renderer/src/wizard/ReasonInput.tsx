/** A required reason, recorded with the choice it explains. */

export function ReasonInput({
  label,
  value,
  onChange,
  autoFocus = false,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  autoFocus?: boolean;
}) {
  return (
    <label className="reason-input">
      {label} <input value={value} maxLength={300} required autoFocus={autoFocus} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}
