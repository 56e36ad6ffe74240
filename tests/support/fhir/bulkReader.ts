/**
 * A minimal Bulk Data reader for tests of the mapping and the server (the app's own client is
 * electron/main's FHIR client): kick-off, polls that wait what Retry-After says, the manifest,
 * then each NDJSON file read over HTTP line by line as it arrives, in batches.
 */

export interface BulkManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
  error: unknown[];
}

export async function kickOffExport(kickoffUrl: string, headers: Record<string, string> = {}): Promise<BulkManifest> {
  const kick = await fetch(kickoffUrl, { headers: { accept: 'application/fhir+json', prefer: 'respond-async', ...headers } });
  if (kick.status !== 202) throw new Error(`kick-off answered ${kick.status}: ${await kick.text()}`);
  const statusUrl = kick.headers.get('content-location');
  if (!statusUrl) throw new Error('kick-off answered without Content-Location');
  for (let polls = 0; polls < 600; polls++) {
    const answer = await fetch(statusUrl, { headers });
    if (answer.status === 200) return (await answer.json()) as BulkManifest;
    if (answer.status !== 202) throw new Error(`status answered ${answer.status}: ${await answer.text()}`);
    const wait = Number(answer.headers.get('retry-after') ?? 1);
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 5) * 1000));
  }
  throw new Error('the export did not finish within 600 polls');
}

/** The resources of one NDJSON file, `batch` at a time, parsed as lines arrive. */
export async function* ndjsonBatches(fileUrl: string, headers: Record<string, string> = {}, batch = 1_000): AsyncGenerator<unknown[]> {
  const answer = await fetch(fileUrl, { headers: { accept: 'application/fhir+ndjson', ...headers } });
  if (answer.status !== 200 || !answer.body) throw new Error(`file answered ${answer.status}`);
  const decoder = new TextDecoder();
  let rest = '';
  let out: unknown[] = [];
  for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line !== '') out.push(JSON.parse(line));
      if (out.length >= batch) {
        yield out;
        out = [];
      }
      nl = rest.indexOf('\n');
    }
  }
  if (rest.trim() !== '') out.push(JSON.parse(rest));
  if (out.length > 0) yield out;
}
