/** A failed call to one of the server's JSON APIs: the HTTP status (0: no answer) and its message. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** JSON in, JSON out; a non-2xx answer becomes a RequestError carrying the server's `errorMessage`. */
export async function requestJson<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new RequestError(0, 'cannot reach the server');
  }
  const answer = (await response.json().catch(() => ({}))) as { errorMessage?: string };
  if (!response.ok) throw new RequestError(response.status, answer.errorMessage ?? `HTTP ${response.status}`);
  return answer as T;
}
