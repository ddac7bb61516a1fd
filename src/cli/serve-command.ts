import type { Command } from 'commander';
import type { ServeMode } from '../http/build-http.js';

/** `keysmith serve [all|admin|public]`: starts both listeners; SIGINT/SIGTERM shut down gracefully. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Start the server (mode: all | admin | public; default all)')
    .argument('[mode]', 'all, admin or public', 'all')
    .option('-c, --config <file>', 'YAML config file (every key can be overridden by KEYSMITH_* env)')
    .action(async (mode: string, opts: { config?: string }) => {
      if (!['all', 'admin', 'public'].includes(mode)) {
        process.stderr.write(`error: unknown serve mode "${mode}" (use all, admin or public)\n`);
        process.exitCode = 2;
        return;
      }
      // Loaded here, not at the top: `keysmith keys …` need not load the server (start-up time).
      const [{ loadConfig }, { startApp }] = await Promise.all([import('../config/load.js'), import('../app.js')]);
      const config = loadConfig({ file: opts.config });
      const app = await startApp(config, { mode: mode as ServeMode });
      const { config: c, bootstrap } = app;
      app.logger.info({ mode, port: c.serve.http.port, metrics_port: c.serve.metrics.port, backend: app.store.backend }, 'keysmith started');
      // The log is written in blocks (observability/logger.ts): the start-up lines go out now, not within a second.
      app.logger.flush();
      if (bootstrap.newAdminToken) {
        // Printed once, to the terminal only (never through the logger): it is stored hashed.
        process.stderr.write(
          [
            '',
            '  Keysmith created the default project and its admin API token.',
            '  It is shown only now — store it safely:',
            '',
            `      ${bootstrap.newAdminToken}`,
            '',
            `  Try: curl -H "Authorization: Bearer <token>" -X POST http://127.0.0.1:${c.serve.http.port}/v2alpha1/admin/issuedApiKeys -d '{"name":"first"}' -H 'content-type: application/json'`,
            '',
          ].join('\n'),
        );
      }
      let closing = false;
      const shutdown = async (signal: string) => {
        if (closing) return;
        closing = true;
        app.logger.info({ signal }, 'shutting down');
        const timer = setTimeout(() => process.exit(1), 30_000);
        timer.unref();
        await app.close();
        app.logger.flush?.();
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
    });
}
