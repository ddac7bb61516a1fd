import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../lib/api';
import type { Project } from '../lib/types';
import { Empty, ErrorBox, Field, Loading, useAction } from '../ui/common';
import { Confirm } from '../ui/dialog';

/** Operator: list (paged by slug), create, pick, and the one-time "Enable API keys" step. */
export function ProjectsPage() {
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [next, setNext] = useState('');
  const [enabling, setEnabling] = useState<Project | null>(null);
  const load = useAction(async (token?: string) => {
    const r = await api<{ projects: Project[]; next_page_token: string }>('GET', `/operator/v1/projects${qs({ page_size: 50, page_token: token })}`);
    setProjects((old) => (token && old ? [...old, ...r.projects] : r.projects));
    setNext(r.next_page_token);
  });
  useEffect(() => {
    void load.run();
  }, []);

  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [plan, setPlan] = useState('');
  const create = useAction(async () => {
    await api('POST', '/operator/v1/projects', { slug, ...(name ? { name } : {}), ...(plan ? { plan } : {}) });
    setSlug('');
    setName('');
    await load.run();
  });
  const enable = useAction(async (p: Project) => {
    await api('POST', `/operator/v1/projects/${encodeURIComponent(p.slug)}:enableApiKeys`, {});
    setEnabling(null);
    await load.run();
  });

  return (
    <section>
      <h1>Projects</h1>
      <ErrorBox error={load.error} />
      {projects === null ? (
        <Loading what="Loading projects" />
      ) : projects.length === 0 ? (
        <Empty>No projects yet. Create the first one below.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Slug</th>
                <th scope="col">Name</th>
                <th scope="col">Plan</th>
                <th scope="col">Keys</th>
                <th scope="col">API keys</th>
              </tr>
            </thead>
            <tbody>
              {projects.map((p) => (
                <tr key={p.id}>
                  <td>
                    <a href={`#/p/${encodeURIComponent(p.slug)}/keys`}>{p.slug}</a>
                  </td>
                  <td>{p.name}</td>
                  <td>{p.plan}</td>
                  <td>
                    {p.usage?.active_keys ?? 0}
                    {p.usage?.max_active_keys != null ? ` / ${p.usage.max_active_keys}` : ''}
                  </td>
                  <td>
                    {p.api_keys_enabled ? (
                      <span class="badge ok">Enabled</span>
                    ) : (
                      <button type="button" onClick={() => setEnabling(p)}>
                        Enable API keys
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next ? (
        <button type="button" class="secondary" onClick={() => load.run(next)} disabled={load.busy}>
          Load more projects
        </button>
      ) : null}

      <h2>Create a project</h2>
      <form
        class="grid"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <Field label="Slug" hint="Lowercase letters, digits and dashes; used in URLs and host names.">
          <input required value={slug} onInput={(e) => setSlug(e.currentTarget.value)} />
        </Field>
        <Field label="Name (optional)">
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label="Plan (optional)" hint="Empty: the server's default plan.">
          <input value={plan} onInput={(e) => setPlan(e.currentTarget.value)} placeholder="free, developer, production, custom" />
        </Field>
        <ErrorBox error={create.error} />
        <div class="actions">
          <button type="submit" disabled={create.busy || !slug}>
            Create project
          </button>
        </div>
      </form>

      {enabling ? (
        <Confirm title={`Enable API keys for ${enabling.slug}`} confirm="Enable API keys" onConfirm={() => enable.run(enabling)} onClose={() => setEnabling(null)} busy={enable.busy}>
          <p>
            This one-time step generates the project's HMAC secret and JWT signing key (Ed25519) and applies the default configuration. After it, the
            project can issue, import and verify keys. It cannot be undone (secrets can be rotated later).
          </p>
          <ErrorBox error={enable.error} />
        </Confirm>
      ) : null}
    </section>
  );
}
