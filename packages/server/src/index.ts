export { renderDocs } from './docs.js';
export { buildOpenAPI, type JSONSchema, type OpenAPIDocument, type OpenAPIOperation } from './openapi.js';
export {
  type CorsOptions,
  HonoAPI,
  type HonoAPIOptions,
  MAX_JSON_DEPTH,
  type RunningServer,
} from './server.js';
