// esbuild bundles the CSS that app.ts imports into app.css; for the type check it is a module with no exports.
declare module '*.css';
