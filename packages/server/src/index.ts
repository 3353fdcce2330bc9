export { MAX_JSON_DEPTH } from './body.js';
export { renderDocs } from './docs.js';
export { buildOpenAPI, type JSONSchema, type OpenAPIDocument, type OpenAPIOperation } from './openapi.js';
export { type CorsOptions, HonoAPI, type HonoAPIOptions } from './server.js';
