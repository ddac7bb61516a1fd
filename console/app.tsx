import { useEffect, useState } from 'preact/hooks';
import { api, onUnauthenticated, setProject } from './lib/api';
import type { Session } from './lib/types';
import { ConfigPage } from './pages/config';
import { ImportPage } from './pages/import';
import { IssuePage } from './pages/issue';
import { KeysPage } from './pages/keys';
import { PlaygroundPage } from './pages/playground';
import { ProjectsPage } from './pages/projects';
import { SignIn } from './pages/sign-in';
import { TokensPage } from './pages/tokens';
import { UsagePage } from './pages/usage';
import { Loading } from './ui/common';

/** #/projects or #/p/<project>/<page>: the fragment carries the route, so the server serves one file. */
function parseHash(hash: string): { project?: string; page: string } {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'p' && parts[1]) return { project: parts[1], page: parts[2] || 'keys' };
  return { page: parts[0] || 'projects' };
}

const PAGES: { id: string; title: string; operatorOnly?: boolean }[] = [
  { id: 'keys', title: 'Keys' },
  { id: 'issue', title: 'Issue a key' },
  { id: 'import', title: 'Import' },
  { id: 'playground', title: 'Playground' },
  { id: 'usage', title: 'Usage & audit' },
  { id: 'config', title: 'Configuration', operatorOnly: true },
  { id: 'tokens', title: 'API tokens', operatorOnly: true },
];

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [route, setRoute] = useState(parseHash(location.hash));

  useEffect(() => {
    onUnauthenticated(() => setSession(null));
    const onHash = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onHash);
    api<Session>('GET', '/console/session').then(setSession, () => setSession(null));
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  if (session === undefined) return <Loading what="Checking your session" />;
  if (session === null) return <SignIn onSignedIn={setSession} />;

  // A project session has exactly one project; an operator picks one on the Projects page.
  const project = session.kind === 'project' ? (session.project_id ?? undefined) : route.project;
  setProject(project);
  const signOut = async () => {
    await api('DELETE', '/console/session').catch(() => {});
    setProject(undefined);
    location.hash = '';
    setSession(null);
  };
  const page = !project ? 'projects' : session.kind === 'project' && route.page === 'projects' ? 'keys' : route.page;
  const pages = PAGES.filter((p) => session.kind === 'operator' || !p.operatorOnly);
  const href = (id: string) => `#/p/${encodeURIComponent(project ?? '')}/${id}`;

  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href={session.kind === 'operator' ? '#/projects' : href('keys')}>
          Keysmith
        </a>
        <span class="who">{session.kind === 'operator' ? 'Operator' : 'Project token'}</span>
        {project ? (
          <span class="project" title={project}>
            Project: <strong>{project}</strong>
          </span>
        ) : null}
        <button type="button" class="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      {project ? (
        <nav aria-label="Project pages">
          {session.kind === 'operator' ? <a href="#/projects">All projects</a> : null}
          {pages.map((p) => (
            <a key={p.id} href={href(p.id)} aria-current={page === p.id ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
      ) : null}
      <main>
        {page === 'projects' ? (
          <ProjectsPage />
        ) : page === 'keys' ? (
          <KeysPage key={project} />
        ) : page === 'issue' ? (
          <IssuePage />
        ) : page === 'import' ? (
          <ImportPage />
        ) : page === 'playground' ? (
          <PlaygroundPage />
        ) : page === 'usage' ? (
          <UsagePage project={project as string} operator={session.kind === 'operator'} key={project} />
        ) : page === 'config' && session.kind === 'operator' ? (
          <ConfigPage project={project as string} key={project} />
        ) : page === 'tokens' && session.kind === 'operator' ? (
          <TokensPage project={project as string} key={project} />
        ) : (
          <p>No such page. Pick one from the menu.</p>
        )}
      </main>
    </div>
  );
}
