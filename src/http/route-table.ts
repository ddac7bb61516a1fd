/**
 * Remembers (method, path pattern) of every registered route so the not-found handler can tell a 405
 * (path exists, other method) from a 404.
 */
export class RouteTable {
  private readonly routes: { method: string; pattern: RegExp }[] = [];

  add(method: string, url: string): void {
    // Turn fastify's ":param(regex)" / ":param" / "::" into a regex over the concrete path.
    let re = '';
    for (let i = 0; i < url.length; ) {
      if (url.startsWith('::', i)) {
        re += ':';
        i += 2;
      } else if (url[i] === ':') {
        const m = /^:[A-Za-z_]+(?:\(([^)]*)\))?/.exec(url.slice(i));
        // Honour a param's own regex (as find-my-way does, without its anchors), else any segment.
        re += m?.[1] ? `(?:${m[1].replace(/^\^/, '').replace(/\$$/, '')})` : '[^/]+?';
        i += m ? m[0].length : 1;
      } else {
        re += url[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        i++;
      }
    }
    this.routes.push({ method, pattern: new RegExp(`^${re}$`) });
  }

  allowedMethods(path: string): string[] {
    const out = new Set<string>();
    for (const r of this.routes) if (r.pattern.test(path)) out.add(r.method);
    return [...out];
  }
}
