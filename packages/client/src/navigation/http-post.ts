/** An HTTP POST of a form, as navigation needs it; each platform brings its own. */
export type PostForm = (url: string, headers: Record<string, string>, body: string, timeoutMs: number) => Promise<{ status: number; body: string }>;

/** Browsers (and any runtime with fetch). */
export const fetchPostForm: PostForm = async (url, headers, body, timeoutMs) => {
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.text() };
};
