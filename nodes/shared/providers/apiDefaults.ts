import { PROVIDERS } from './registry';

/** n8n expressions for the credential test, built from each provider's api field. */
const baseUrls = Object.fromEntries(PROVIDERS.map((p) => [p.id, p.api.baseUrl]));
const testPaths = Object.fromEntries(PROVIDERS.map((p) => [p.id, p.api.testPath]));

export const API_BASE_URL_EXPRESSION = `={{ ($credentials.baseUrl || ${JSON.stringify(baseUrls)}[$credentials.provider] || '').replace(/\\/+$/, '') }}`;
export const API_TEST_PATH_EXPRESSION = `={{ ${JSON.stringify(testPaths)}[$credentials.provider] }}`;
