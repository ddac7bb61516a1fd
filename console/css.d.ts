// esbuild bundles the imported stylesheet into the hashed app-*.css.
declare module '*.css';
