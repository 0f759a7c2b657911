/** End-to-end harness: a real n8n with this package, a recorder, request signing. */
export * from './n8n';
export * from './recorder';
export * from './sign';
export * from './workflows';
export { provisionN8n, packPackage, REPO_ROOT, PACKAGE_NAME, type N8nRuntime, type PackedPackage } from './provision';
export { progress, quiet, seconds, sleep, waitUntil, type Log } from './proc';
