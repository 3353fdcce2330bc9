export { MAX_JSON_DEPTH } from './body.js';
export {
  type DocsAssetName,
  type DocsAssets,
  type DocsOptions,
  docsAssetNames,
  docsRoutes,
  swaggerUiDistAssets,
} from './docs.js';
export { buildOpenAPI, type JSONSchema, type OpenAPIDocument, type OpenAPIOperation } from './openapi.js';
export { type CorsOptions, HonoAPI, type HonoAPIOptions } from './server.js';
