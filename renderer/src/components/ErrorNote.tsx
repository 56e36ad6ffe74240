/**
 * What failed, as an alert: in the page only while there is a failure, so a screen reader reads it
 * out when it appears. `lead` says what failed ("Could not read the worklist: "), before the reason.
 */
export function ErrorNote({ message, lead, className }: { message: string | null | undefined; lead?: string; className?: string }) {
  if (!message) return null;
  return (
    <p role="alert" className={className ? `error ${className}` : 'error'}>
      {lead}
      {message}
    </p>
  );
}
