// The console's one way to the server: same-origin fetch with the session cookie, the CSRF header,
// and (operator sessions) the project being managed. API errors become ApiError with the AIP-193
// message, reason and status, so every page can show them as they are.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
  ) {
    super(message);
  }
}

let currentProject: string | undefined;
let onSignedOut: () => void = () => {};

/** The project admin calls act on (an operator session's pick; a project session's own project). */
export function setProject(ref: string | undefined): void {
  currentProject = ref;
}

export function onUnauthenticated(fn: () => void): void {
  onSignedOut = fn;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-keysmith-console': '1' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (currentProject && (path.startsWith('/v2alpha1/') || path.startsWith('/console/api/'))) headers['x-keysmith-project'] = currentProject;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError('The server cannot be reached. Check that Keysmith is running.', 0, 'NETWORK');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { message?: string; details?: { reason?: string }[] } } | undefined)?.error;
    const err = new ApiError(e?.message ?? `The server answered ${res.status}.`, res.status, e?.details?.[0]?.reason ?? 'UNKNOWN');
    if (res.status === 401 && !path.startsWith('/console/session')) onSignedOut();
    throw err;
  }
  return json as T;
}

/** Query string from the defined, non-empty values. */
export function qs(params: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
